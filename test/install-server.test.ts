/**
 * build/server/install-server.sh into a scratch root (--root: no useradd, no systemctl): folders, a seed config
 * that validates and points at the dashboard, the hardened unit (checked by systemd-analyze), and a rerun that
 * keeps the config a person edited.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../server-helper/config/load.js';

const repo = join(import.meta.dirname, '..');
const root = mkdtempSync(join(tmpdir(), 'fts-install-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function install(): string {
  return execFileSync('sh', [join(repo, 'build/server/install-server.sh'), '--root', root, '--no-start', '--skip-app'], { encoding: 'utf8' });
}

describe('install-server.sh', () => {
  it('creates the folders, the seed config and the unit', () => {
    const out = install();
    expect(out).toContain('wrote the seed configuration to /etc/fts/helper.yaml');
    for (const d of ['flux', 'time', 'space', 'var/lib/fts', 'etc/fts']) expect(existsSync(join(root, d))).toBe(true);
    const cfg = loadConfig(join(root, 'etc/fts/helper.yaml'));
    expect(cfg.api.dashboardDir).toBe('/opt/fts/dist/renderer');
    expect(cfg.shares.map((s) => s.name)).toEqual(['flux', 'time', 'space']);
  });

  it('the unit is hardened and valid', () => {
    const unit = readFileSync(join(root, 'etc/systemd/system/fts-helper.service'), 'utf8');
    expect(unit).not.toMatch(/@[A-Z_]+@/);
    for (const line of ['ProtectSystem=strict', 'ReadWritePaths=/flux /time /space /var/lib/fts /etc/samba', 'NoNewPrivileges=yes', 'User=root', 'Group=fts', 'CapabilityBoundingSet=CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_SYS_RAWIO', 'ProtectHome=yes', 'PrivateTmp=yes']) {
      expect(unit).toContain(line);
    }
    expect(unit).toContain('ExecStart=/usr/bin/node /opt/fts/bin/fts-helper.mjs serve --config /etc/fts/helper.yaml');
    // systemd-analyze checks every directive; point ExecStart at files that exist here.
    const local = join(root, 'check.service');
    writeFileSync(local, unit.replace('/opt/fts/bin/fts-helper.mjs', join(repo, 'bin/fts-helper.mjs')));
    let analyze: string;
    try {
      analyze = execFileSync('systemd-analyze', ['verify', local], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as { code?: string; stderr?: string };
      if (e.code === 'ENOENT') throw new Error('systemd-analyze is missing: apt-get install systemd');
      throw new Error(`systemd-analyze verify failed: ${e.stderr}`);
    }
    expect(analyze).toBe('');
  });

  it('a rerun keeps the edited config', () => {
    const file = join(root, 'etc/fts/helper.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('name: motoko', 'name: tessier'));
    install();
    expect(loadConfig(file).server.name).toBe('tessier');
  });

  it('refuses a bad user name', () => {
    expect(() => execFileSync('sh', [join(repo, 'build/server/install-server.sh'), '--root', root, '--user', 'x;rm'], { stdio: 'pipe' })).toThrow(/must be a Unix user name/);
  });
});
