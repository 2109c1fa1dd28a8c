/** The embedded sandbox: the seed installation inside one folder, so it all runs without a server. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { seedConfigYaml } from './config/seed.js';
import { loadConfig } from './config/load.js';
import type { HelperConfig } from './config/schema.js';
import { openStore } from './store/index.js';

/** A sandbox on disk. */
export interface Sandbox {
  dir: string;
  configPath: string;
  config: HelperConfig;
  adminTokenFile: string;
  /** True when this call created the sandbox. */
  created: boolean;
}

/** Creates the sandbox in dir on first use (folders, config, store, admin token) and loads its config. */
export function ensureSandbox(dirArg: string): Sandbox {
  const dir = resolve(dirArg);
  const configPath = join(dir, 'helper.yaml');
  const adminTokenFile = join(dir, 'admin-token');
  const created = !existsSync(configPath);
  if (created) {
    for (const d of ['flux', 'time', 'space', 'samba', 'secrets'])
      mkdirSync(join(dir, d), { recursive: true, mode: d === 'secrets' ? 0o700 : 0o755 });
    const passwordFile = join(dir, 'secrets', 'restic-password');
    writeFileSync(passwordFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
    writeFileSync(join(dir, 'samba', 'smb.conf'), '[global]\n   workgroup = WORKGROUP\n');
    const yaml = seedConfigYaml({
      flux: join(dir, 'flux'),
      time: join(dir, 'time'),
      space: join(dir, 'space'),
      store: join(dir, 'helper.db'),
      smbConf: join(dir, 'samba', 'smb.conf'),
      includeFile: join(dir, 'samba', 'fts-shares.conf'),
      sandbox: true,
      backupRepository: join(dir, 'restic-repo'),
      backupPasswordFile: passwordFile,
    });
    writeFileSync(configPath, yaml, { mode: 0o644 });
  }
  const config = loadConfig(configPath);
  if (created) {
    const store = openStore(config.store.path);
    try {
      const token = store.tokens.create('admin', 'admin');
      writeFileSync(adminTokenFile, `${token}\n`, { mode: 0o600 });
    } finally {
      store.close();
    }
  }
  return { dir, configPath, config, adminTokenFile, created };
}
