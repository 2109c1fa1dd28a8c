/** Time Machine health: each Mac backing up to the time share, as the helper reads its bundle from the outside. */
import { z } from 'zod';
import { ClientId, Timestamp } from './common.js';

/** The bundle a Mac writes on an SMB share: `NAME.sparsebundle` (older macOS) or `NAME.backupbundle`. */
export const TimeMachineBundleKind = z.enum(['sparsebundle', 'backupbundle']);
export type TimeMachineBundleKind = z.infer<typeof TimeMachineBundleKind>;

/**
 * What `com.apple.TimeMachine.MachineID.plist` says of the last verification: `VerificationState` 1 is a passed
 * verification, 2 a failed one (macOS then asks to start a new backup); 0 and a missing file are `unknown`.
 */
export const TimeMachineVerification = z.enum(['passed', 'failed', 'unknown']);
export type TimeMachineVerification = z.infer<typeof TimeMachineVerification>;

/** Where the time of the last completed backup came from (see docs/timemachine.md). */
export const LastBackupSource = z.enum([
  /** The newest `com.apple.backupd.SnapshotCompletionDate` in `com.apple.TimeMachine.SnapshotHistory.plist`. */
  'snapshot-history',
  /** No history file: the newest write to `bands/` while no backup runs (backupd writes bands only during a backup). */
  'last-write',
]);
export type LastBackupSource = z.infer<typeof LastBackupSource>;

/**
 * Why a Mac's backup needs attention. `unreadable`: a file of its bundle was refused or could not be read (a plist
 * too large or malformed, more entries than the helper counts); what it would have told is unknown.
 */
export const TimeMachineWarningCode = z.enum(['stale', 'nearly-full', 'verification-failed', 'unreadable']);
export type TimeMachineWarningCode = z.infer<typeof TimeMachineWarningCode>;

/** One warning about one Mac's backup. */
export const TimeMachineWarning = z.strictObject({ code: TimeMachineWarningCode, message: z.string() });
export type TimeMachineWarning = z.infer<typeof TimeMachineWarning>;

/** One Mac backing up to the time share. */
export const TimeMachineMac = z.strictObject({
  /** The Mac's computer name, from the bundle's name. */
  name: z.string(),
  /** The name as `timeMachineHostKey` folds it, to match a client's host name. */
  hostKey: z.string(),
  /** The bundle's folder name, e.g. `count-zero.backupbundle`. */
  bundle: z.string(),
  /** The bundle's path inside the share, e.g. `alice/count-zero.backupbundle` in a per-user share. */
  path: z.string(),
  /** The per-user folder the bundle is in, or null at the share's root. */
  owner: z.string().nullable(),
  kind: TimeMachineBundleKind,
  /** `com.apple.backupd.HostUUID`: the Mac's hardware UUID. */
  hostUuid: z.string().nullable(),
  /** `com.apple.backupd.ModelID`, e.g. `MacBookPro18,3`, where the Mac wrote it. */
  model: z.string().nullable(),
  /** Registered clients whose host name matches this Mac. */
  clientIds: z.array(ClientId),
  /** Space the bundle takes on the server's disk (allocated blocks, not apparent size). */
  sizeBytes: z.number().nonnegative(),
  /** The configured `timeMachine.maxSize` of the share, or null when none is set. */
  maxSizeBytes: z.number().positive().nullable(),
  /** sizeBytes / maxSizeBytes, or null without a maximum. */
  usage: z.number().nonnegative().nullable(),
  /** The end of the last completed backup, or null when none is known. */
  lastBackup: Timestamp.nullable(),
  lastBackupSource: LastBackupSource.nullable(),
  /** The newest modification time among the files in `bands/`. */
  lastWrite: Timestamp.nullable(),
  /** A backup is running now: Samba has a file inside the bundle open. */
  running: z.boolean(),
  verification: TimeMachineVerification,
  /** `VerificationDate` from MachineID.plist. */
  verifiedAt: Timestamp.nullable(),
  warnings: z.array(TimeMachineWarning),
});
export type TimeMachineMac = z.infer<typeof TimeMachineMac>;

/** `GET /api/v1/timemachine` and `fts-helper timemachine --json`. */
export const TimeMachineReport = z.strictObject({
  /** The Time Machine share read, or null when none is configured. */
  share: z.string().nullable(),
  /** Whether "running" could be read (smbstatus answered); when false every `running` is false. */
  openFilesKnown: z.boolean(),
  /** A Mac whose last completed backup is older than this many days is `stale`. */
  staleAfterDays: z.number().positive(),
  /** A Mac over this share of its maximum size is `nearly-full`. */
  nearlyFullAt: z.number().positive().max(1),
  macs: z.array(TimeMachineMac),
  /** What the reading left out of the share, e.g. more bundles in one folder than it reads. */
  warnings: z.array(z.string()),
  checkedAt: Timestamp,
});
export type TimeMachineReport = z.infer<typeof TimeMachineReport>;

/**
 * Folds a computer or host name so a Mac's bundle name and a client's reported host name compare equal:
 * `Alice's MacBook Pro` (the bundle) and `Alices-MacBook-Pro.local` (os.hostname() on that Mac) both give
 * `alices-macbook-pro`. macOS derives the local host name from the computer name the same way.
 */
export function timeMachineHostKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\.local\.?$/, '')
    .replace(/['’‘`]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
