/** The helper's configuration: one zod schema gives validation, defaults and the TypeScript type. */
import { z } from 'zod';
import { Duration, ShareName, ShareRole, Size } from '../../contract/index.js';
import { AlertsConfig, keyVaultRefs } from './alerts-schema.js';

const AbsolutePath = z
  .string()
  .refine((p) => p.startsWith('/') && !p.includes('\0'), { message: 'must be an absolute path' });

/** Where the API listens and how it protects itself. */
export const ApiConfig = z.strictObject({
  listen: z
    .string()
    .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'HOST:PORT, e.g. 127.0.0.1:8642')
    .default('127.0.0.1:8642'),
  /** `auto`: a self-signed certificate made on first start; `off`: plain HTTP; or files. */
  tls: z.union([z.enum(['auto', 'off']), z.strictObject({ cert: AbsolutePath, key: AbsolutePath })]).default('off'),
  /** Listening on a non-loopback address without TLS needs this (or `--insecure-lan`). */
  insecureLan: z.boolean().default(false),
  /** Host names (besides the server name, localhost and the listen address) that requests may use. */
  allowedHosts: z.array(z.string()).default([]),
  /** Delay before answering an unauthenticated request, to slow token guessing. */
  authFailureDelay: Duration.default('250ms'),
  /** Directory of the built dashboard; default: the package's own `dist/renderer`. */
  dashboardDir: AbsolutePath.optional(),
  /** The URL clients use to reach the API (pairing writes it to Key Vault); default `https://SERVER:PORT` (http without TLS). */
  publicUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Event streams (`GET /api/v1/events`): how many one token may hold open (more get 429). */
  sseStreamsPerToken: z.number().int().min(1).max(100_000).default(8),
  /** A stream whose reader leaves this many bytes unread is dropped (it reconnects and resumes from its last id). */
  sseMaxBufferedBytes: Size.default('1M'),
  /** A stream whose reader takes nothing of a replay for this long is dropped. */
  sseStallTimeout: Duration.default('1m'),
});

/** One role's disk: the filesystem it must be, and where it is mounted. */
export const DriveConfig = z.strictObject({
  mountPoint: AbsolutePath,
  /** The filesystem must have this UUID... */
  uuid: z.string().optional(),
  /** ...or this label. With neither, any directory at mountPoint will do (the sandbox). */
  label: z.string().optional(),
  fsType: z.string().default('ext4'),
  /** Whether mountPoint must be a mount point of its own (false only in the sandbox). */
  requireMount: z.boolean().default(true),
});
export type DriveConfig = z.infer<typeof DriveConfig>;

/** One SMB share. */
export const ShareConfig = z.strictObject({
  name: ShareName,
  role: ShareRole.optional(),
  path: AbsolutePath,
  comment: z.string().max(256).optional(),
  validUsers: z.array(z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'a Unix user name')).default([]),
  readOnly: z.boolean().default(false),
  timeMachine: z
    .union([
      z.literal(false),
      z.strictObject({
        maxSize: Size.optional(),
        /** Each Samba user gets a folder of its own (`path/USER`, mode 0700), so one Mac's backups cannot touch another's. */
        perUser: z.boolean().default(true),
      }),
    ])
    .default(false),
  driveLetter: z
    .string()
    .regex(/^[A-Z]:$/, 'a drive letter such as F:')
    .optional(),
  /** Extra smb.conf parameters, checked against a deny-list before anything is written. */
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});
export type ShareConfig = z.infer<typeof ShareConfig>;

/** Samba files the helper manages. */
export const SambaConfig = z.strictObject({
  smbConf: AbsolutePath.default('/etc/samba/smb.conf'),
  includeFile: AbsolutePath.default('/etc/samba/fts-shares.conf'),
  /** Folders every share path must be inside. */
  roots: z.array(AbsolutePath).default(['/flux', '/time', '/space']),
  /** The model Macs show for the server (vfs_fruit's AAPL reply and Bonjour's `_device-info._tcp`). */
  fruitModel: z.string().default('MacSamba'),
  /**
   * The Unix group of every household member: shares admit `@group` and force it on new files, which are
   * group-writable; `samba users add` puts each user in it. null: no shared group (shares admit any Samba user).
   */
  group: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'a Unix group name')
    .nullable()
    .default('fts-users'),
  /**
   * The avahi service file that advertises the shares and Time Machine over Bonjour (the seed sets
   * /etc/avahi/services/fts-helper.service); null: none, and Samba's own registration stays as Samba sets it.
   */
  avahiServiceFile: AbsolutePath.nullable().default(null),
});
/** The Samba section after defaults. */
export type SambaConfig = z.infer<typeof SambaConfig>;

const VaultName = z.string().regex(/^[a-zA-Z][a-zA-Z0-9-]{2,23}$/, 'a Key Vault name: 3-24 letters, digits and dashes');

/**
 * Where secrets live in Azure Key Vault: the client vault (`name`), which every paired client may read (the
 * Samba credential, the helper's URL, fingerprint and client tokens), and the server vault (`server`) for the
 * helper's own secrets (restic password, B2 keys), which no client identity can read. docs/keyvault-roles.md
 * says which identity gets which role on which vault.
 */
export const KeyVaultConfig = z.strictObject({
  name: VaultName,
  /** Override of https://NAME.vault.azure.net (tests point it at a local vault). */
  url: z.string().url().optional(),
  /** The server-only vault for backup secrets; the helper reads it with the same credential. */
  server: z
    .strictObject({
      name: VaultName,
      /** Override of https://NAME.vault.azure.net. */
      url: z.string().url().optional(),
    })
    .optional(),
  tenantId: z.string().optional(),
  /** The helper's own app registration (a confidential client: clientSecretFile or certificateFile). */
  clientId: z.string().optional(),
  /** The app Macs and PCs sign in with (a public client; `clients pair` prints it); default: clientId. */
  clientAppId: z.string().optional(),
  /** Entra ID's host: another cloud's (https://login.microsoftonline.us) or a private endpoint. */
  authorityHost: z.url({ protocol: /^https$/ }).default('https://login.microsoftonline.com'),
  /** The server's own credential: a client secret or certificate in a 0600 file. */
  clientSecretFile: AbsolutePath.optional(),
  certificateFile: AbsolutePath.optional(),
  secrets: z
    .strictObject({
      resticPassword: z.string().default('restic-password'),
      b2KeyId: z.string().default('b2-key-id'),
      b2ApplicationKey: z.string().default('b2-application-key'),
    })
    .prefault({}),
});
/** The Key Vault section after defaults. */
export type KeyVaultConfig = z.infer<typeof KeyVaultConfig>;

/** The flux → space lifecycle policy. */
export const GraduationConfig = z.strictObject({
  from: ShareRole.default('flux'),
  to: ShareRole.default('space'),
  minAge: Duration.default('30d'),
  exclude: z
    .array(z.string())
    .default([
      '.DS_Store',
      'Thumbs.db',
      '~$*',
      '*.tmp',
      '.Trash*',
      '.fts-*',
      '*.sparsebundle',
      '*.backupbundle',
      '.TemporaryItems',
      '.Spotlight-V100',
      '.fseventsd',
    ]),
  include: z.array(z.string()).default([]),
  freeSpaceMargin: Size.default('1G'),
  schedule: z.string().nullable().default('0 3 * * *'),
});

/** Off-site backup of space. */
export const BackupConfig = z.strictObject({
  engine: z.enum(['restic', 'rclone']).default('restic'),
  /**
   * restic: a repository URL (`s3:https://s3.us-west-004.backblazeb2.com/BUCKET/PATH`, a local path, any restic URL).
   * rclone: `s3:https://ENDPOINT/BUCKET/PATH`, a local path, or a remote from rclone's own config (`b2:bucket/path`).
   */
  repository: z.string().min(1),
  /** The share role whose disk is backed up. */
  source: ShareRole.default('space'),
  /** Where the repository password and the B2 key come from: 0600 files named below, or Azure Key Vault (`keyVault.server`). */
  secretsFrom: z.enum(['files', 'keyvault']).default('files'),
  passwordFile: AbsolutePath.optional(),
  /** S3/B2 key id and application key, each in a 0600 file (or from Key Vault). */
  keyIdFile: AbsolutePath.optional(),
  applicationKeyFile: AbsolutePath.optional(),
  caCert: AbsolutePath.optional(),
  /** restic's cache; default: `restic-cache` beside the store. */
  cacheDir: AbsolutePath.optional(),
  /** Upload bandwidth limit in KiB/s (restic --limit-upload, rclone --bwlimit); none by default. */
  limitUpload: z.number().int().positive().optional(),
  /** Create the repository when it does not exist yet (the sandbox); on a server, `fts-helper backup init` does it once. */
  initIfMissing: z.boolean().default(false),
  /** Extra exclude patterns; graduation's temp files (`.fts-*`) are always excluded. */
  exclude: z.array(z.string()).default([]),
  /** When another restic holds the repository's lock: how often to try again within one run, and how long to wait between tries. */
  lockRetry: z
    .strictObject({ attempts: z.number().int().min(1).max(100).default(3), delay: Duration.default('1m') })
    .prefault({}),
  retention: z
    .strictObject({
      daily: z.number().int().min(0).default(7),
      weekly: z.number().int().min(0).default(4),
      monthly: z.number().int().min(0).default(12),
    })
    .prefault({}),
  schedule: z.string().nullable().default('0 4 * * *'),
  /** With a schedule, retention runs as its own `prune` job; with null, it runs after every backup. */
  prune: z.strictObject({ schedule: z.string().nullable().default(null) }).prefault({}),
  check: z
    .strictObject({
      schedule: z.string().nullable().default('0 5 * * 0'),
      readDataSubsets: z.number().int().min(1).max(1000).default(12),
    })
    .prefault({}),
  /** rclone only: deleted or replaced files are moved under this folder of the destination, one subfolder per run. */
  rcloneBackupDir: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/)
    .default('deleted'),
});
export type BackupConfig = z.infer<typeof BackupConfig>;

/** Time Machine health: when a Mac's backup is stale or nearly full, and how often the helper looks. */
export const TimeMachineConfig = z.strictObject({
  /** No completed backup for this long is a warning (`timemachine.warning` with code stale). */
  staleAfter: Duration.default('7d'),
  /** A bundle over this share of the share's `timeMachine.maxSize` is a warning (nearly-full). */
  nearlyFullAt: z.number().gt(0).max(1).default(0.9),
  /** When the `timemachine-check` job reads the bundles and announces new warnings; null: only on demand. */
  schedule: z.string().nullable().default('20 * * * *'),
});

/** Storage over time: when each drive's usage is sampled into the store, and how long samples are kept. */
export const StorageHistoryConfig = z.strictObject({
  /** The `storage-sample` job (a sample is also taken after each graduation); null: only on demand. */
  schedule: z.string().nullable().default('10 2 * * *'),
  /** Samples older than this are removed when a new one is stored. */
  keep: Duration.default('730d'),
});

/** Scheduled rotation of every Samba user's password (Key Vault first, then Samba). */
export const RotationConfig = z.strictObject({
  /** Off (null) by default: rotation needs Key Vault, where the clients read the new password. */
  schedule: z.string().nullable().default(null),
});

/** The whole configuration file. */
export const HelperConfig = z
  .strictObject({
    server: z.strictObject({ name: z.string().min(1).default('motoko') }).prefault({}),
    api: ApiConfig.prefault({}),
    store: z
      .strictObject({
        path: AbsolutePath.default('/var/lib/fts/helper.db'),
        /** How many events are kept for replay and history. */
        eventRetention: z.number().int().min(100).default(10_000),
      })
      .prefault({}),
    clients: z
      .strictObject({
        offlineAfter: Duration.default('5m'),
        /** How many client records the helper keeps; a report from one more new client is refused (409). */
        maxRecords: z.number().int().min(1).max(100_000).default(256),
      })
      .prefault({}),
    drives: z.partialRecord(ShareRole, DriveConfig).default({}),
    driveCheck: z.strictObject({ schedule: z.string().nullable().default('*/15 * * * *') }).prefault({}),
    timeMachine: TimeMachineConfig.prefault({}),
    storageHistory: StorageHistoryConfig.prefault({}),
    shares: z.array(ShareConfig).default([]),
    samba: SambaConfig.prefault({}),
    keyVault: KeyVaultConfig.optional(),
    graduation: GraduationConfig.prefault({}),
    backup: BackupConfig.optional(),
    rotation: RotationConfig.prefault({}),
    alerts: AlertsConfig.prefault({}),
  })
  .superRefine((c, ctx) => {
    // A Key Vault secret needs the vault: name the field rather than fail at the first alert.
    if (!c.keyVault) {
      for (const path of keyVaultRefs(c.alerts))
        ctx.addIssue({
          code: 'custom',
          path: ['alerts', ...path],
          message: 'a Key Vault secret needs a keyVault section in the config',
        });
    }
  });
/** The configuration after defaults are applied. */
export type HelperConfig = z.infer<typeof HelperConfig>;
