/** The seed installation: a server (motoko unless named) with flux, time and space, as YAML a person can read and edit. */
import { posix } from 'node:path';
import { stringify } from 'yaml';
import { parseConfig } from './load.js';
import type { HelperConfig } from './schema.js';

/** Where the seed puts things; the sandbox points all of them inside one folder. */
export interface SeedPaths {
  flux: string;
  time: string;
  space: string;
  store: string;
  smbConf: string;
  includeFile: string;
  /** True for the embedded sandbox: folders, not mounted disks. */
  sandbox: boolean;
  backupRepository?: string;
  backupPasswordFile?: string;
  /** The server's own secret files (restic password, B2 key id and key). */
  secretsDir?: string;
  avahiServiceFile?: string | null;
}

/** Choices `install-server.sh` passes to the server seed. */
export interface SeedOptions {
  /** HOST:PORT the API listens on (default 0.0.0.0:8642: the LAN, with TLS). */
  listen?: string;
  /** The household's Unix group (default fts-users). */
  shareGroup?: string;
  /** The built dashboard's folder. */
  dashboardDir?: string;
  /** server.name: what clients call the server (`config seed` gives the host's short name; default motoko). */
  serverName?: string;
  /** The time share's timeMachine.maxSize (default 2T; `config seed` derives it from a mounted time disk). */
  timeMachineMaxSize?: string;
}

/** The seed's example client vault name: `config check` reports it until a person sets their vault's. */
export const KEY_VAULT_PLACEHOLDER = 'kv-miket-ops';
/** The seed's example server vault name. */
export const SERVER_KEY_VAULT_PLACEHOLDER = 'kv-miket-ops-server';

/** A server name clients can use as a host name: DNS labels of letters, digits and dashes. */
export const SERVER_NAME_PATTERN =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** The bucket name the seed's backup repository carries until a person sets theirs (`config check` says so). */
export const BUCKET_PLACEHOLDER = 'YOUR-BUCKET';

/** The production seed paths on a server; with `root`, every path is inside that folder (install-server.sh --root). */
export function serverPaths(root = ''): SeedPaths {
  const at = (p: string) => (root ? posix.join(root, p) : p);
  return {
    flux: at('/flux'),
    time: at('/time'),
    space: at('/space'),
    store: at('/var/lib/fts/helper.db'),
    smbConf: at('/etc/samba/smb.conf'),
    includeFile: at('/etc/samba/fts-shares.conf'),
    sandbox: false,
    secretsDir: at('/etc/fts'),
    avahiServiceFile: at('/etc/avahi/services/fts-helper.service'),
  };
}

/** The production seed paths on a real server. */
export const SERVER_PATHS: SeedPaths = serverPaths();

/** Renders the seed configuration as YAML for the given paths. */
export function seedConfigYaml(p: SeedPaths, opts: SeedOptions = {}): string {
  const serverName = opts.serverName ?? 'motoko';
  const drive = (role: 'flux' | 'time' | 'space', path: string) =>
    p.sandbox ? { mountPoint: path, requireMount: false } : { mountPoint: path, label: role, fsType: 'ext4' };
  const api: Record<string, unknown> = p.sandbox
    ? { listen: '127.0.0.1:8642', tls: 'off' }
    : // The LAN, so Macs and PCs reach the helper; with a self-signed certificate whose fingerprint clients pin.
      { listen: opts.listen ?? '0.0.0.0:8642', tls: 'auto' };
  if (opts.dashboardDir) api.dashboardDir = opts.dashboardDir;
  const samba: Record<string, unknown> = {
    smbConf: p.smbConf,
    includeFile: p.includeFile,
    roots: [p.flux, p.time, p.space],
  };
  // The sandbox has no Unix group and no avahi; a server has both.
  samba.group = p.sandbox ? null : (opts.shareGroup ?? 'fts-users');
  if (p.avahiServiceFile) samba.avahiServiceFile = p.avahiServiceFile;
  const doc: Record<string, unknown> = {
    server: { name: serverName },
    api,
    store: { path: p.store },
    clients: { offlineAfter: '5m' },
    drives: { flux: drive('flux', p.flux), time: drive('time', p.time), space: drive('space', p.space) },
    shares: [
      { name: 'flux', role: 'flux', path: p.flux, comment: 'Hot working files', driveLetter: 'F:' },
      {
        name: 'time',
        role: 'time',
        path: p.time,
        comment: 'Time Machine',
        timeMachine: { maxSize: opts.timeMachineMaxSize ?? '2T', perUser: true },
      },
      { name: 'space', role: 'space', path: p.space, comment: 'Cold archive', driveLetter: 'S:' },
    ],
    samba,
    // Clients read kv-miket-ops; the restic password and B2 key live in a vault only the helper reads.
    keyVault: { name: KEY_VAULT_PLACEHOLDER, server: { name: SERVER_KEY_VAULT_PLACEHOLDER } },
    graduation: { from: 'flux', to: 'space', minAge: '30d', schedule: '0 3 * * *' },
  };
  if (p.backupRepository) {
    doc.backup = {
      engine: 'restic',
      repository: p.backupRepository,
      passwordFile: p.backupPasswordFile,
      schedule: '0 4 * * *',
      ...(p.sandbox ? { initIfMissing: true } : {}),
    };
  } else if (!p.sandbox && p.secretsDir) {
    // Backblaze B2 through its S3 endpoint; `config check` reports the section incomplete until the bucket and keys are set.
    doc.backup = {
      engine: 'restic',
      repository: `s3:https://s3.us-west-004.backblazeb2.com/${BUCKET_PLACEHOLDER}/fts`,
      passwordFile: posix.join(p.secretsDir, 'restic-password'),
      keyIdFile: posix.join(p.secretsDir, 'b2-key-id'),
      applicationKeyFile: posix.join(p.secretsDir, 'b2-application-key'),
      schedule: '0 4 * * *',
    };
  }
  // Off until Key Vault is set up: clients read rotated passwords from there.
  doc.rotation = { schedule: null };
  return `# fts-helper configuration (seed: server ${serverName}, shares flux, time and space)\n${stringify(doc)}`;
}

/** The seed configuration, parsed with defaults applied. */
export function seedConfig(p: SeedPaths = SERVER_PATHS, opts: SeedOptions = {}): HelperConfig {
  return parseConfig(seedConfigYaml(p, opts), 'seed');
}
