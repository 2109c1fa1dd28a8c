/** The seed installation: motoko with flux, time and space, as YAML a person can read and edit. */
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
}

/** The production seed paths on a real server. */
export const SERVER_PATHS: SeedPaths = {
  flux: '/flux',
  time: '/time',
  space: '/space',
  store: '/var/lib/fts/helper.db',
  smbConf: '/etc/samba/smb.conf',
  includeFile: '/etc/samba/fts-shares.conf',
  sandbox: false,
};

/** Renders the seed configuration as YAML for the given paths. */
export function seedConfigYaml(p: SeedPaths): string {
  const drive = (role: 'flux' | 'time' | 'space', path: string) =>
    p.sandbox ? { mountPoint: path, requireMount: false } : { mountPoint: path, label: role, fsType: 'ext4' };
  const doc: Record<string, unknown> = {
    server: { name: 'motoko' },
    api: { listen: '127.0.0.1:8642', tls: 'off' },
    store: { path: p.store },
    clients: { offlineAfter: '5m' },
    drives: { flux: drive('flux', p.flux), time: drive('time', p.time), space: drive('space', p.space) },
    shares: [
      { name: 'flux', role: 'flux', path: p.flux, comment: 'Hot working files', driveLetter: 'F:' },
      { name: 'time', role: 'time', path: p.time, comment: 'Time Machine', timeMachine: { maxSize: '2T' } },
      { name: 'space', role: 'space', path: p.space, comment: 'Cold archive', driveLetter: 'S:' },
    ],
    samba: { smbConf: p.smbConf, includeFile: p.includeFile, roots: [p.flux, p.time, p.space] },
    // Clients read kv-miket-ops; the restic password and B2 key live in a vault only the helper reads.
    keyVault: { name: 'kv-miket-ops', server: { name: 'kv-miket-ops-server' } },
    graduation: { from: 'flux', to: 'space', minAge: '30d', schedule: '0 3 * * *' },
  };
  if (p.backupRepository) {
    doc.backup = { engine: 'restic', repository: p.backupRepository, passwordFile: p.backupPasswordFile, schedule: '0 4 * * *', ...(p.sandbox ? { initIfMissing: true } : {}) };
  }
  return `# fts-helper configuration (seed: server motoko, shares flux, time and space)\n${stringify(doc)}`;
}

/** The seed configuration, parsed with defaults applied. */
export function seedConfig(p: SeedPaths = SERVER_PATHS): HelperConfig {
  return parseConfig(seedConfigYaml(p), 'seed');
}
