/**
 * `fts-helper config check` runs what `samba check` and `drives check` run, with exit 2 and the key named:
 * a share outside samba.roots (the old check said "ok"), a parameter testparm refuses, a disk not mounted;
 * warnings and incomplete sections do not fail it; the sandbox's config passes.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureSandbox } from '../server-helper/sandbox.js';
import { requireBinaries } from './support/require.js';

const short = hostname().split('.')[0]!.toLowerCase();
const BIN = join(import.meta.dirname, '..', 'bin', 'fts-helper.mjs');
const dir = mkdtempSync(join(tmpdir(), 'fts-config-check-'));
const sandbox = ensureSandbox(join(dir, 'sb'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The sandbox's config with a change, written to a file of its own. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function variant(name: string, change: (doc: Record<string, any>) => void): string {
  const doc = parse(readFileSync(sandbox.configPath, 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  change(doc);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(doc));
  return file;
}

const check = (file: string, json = false) => {
  const r = spawnSync('node', [BIN, 'config', 'check', file, ...(json ? ['--json'] : [])], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('config check', { timeout: 120_000 }, () => {
  it('the sandbox config passes', () => {
    requireBinaries('/usr/bin/testparm');
    const r = check(sandbox.configPath);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/: ok \(3 shares, server motoko\)/);
    expect(r.out).not.toMatch(/^problem:/m);
  });

  it('a share path outside samba.roots is a problem naming shares[0].path (exit 2), as samba check says', () => {
    const outside = join(dir, 'elsewhere');
    mkdirSync(outside);
    const r = check(variant('outside', (d) => (d.shares[0].path = outside)));
    expect(r.code).toBe(2);
    expect(r.out).toContain(`problem: shares[0].path: must be inside one of samba.roots`);
  });

  it('a parameter testparm does not know is a problem naming the share', () => {
    const r = check(variant('unknown-param', (d) => (d.shares[2].parameters = { 'bogus thing': 'yes' })));
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/problem: (shares\[2\]|samba): .*Unknown parameter encountered: "bogus thing"/);
  });

  it('a disk that is not mounted is a problem naming drives.ROLE.mountPoint; --json lists the findings', () => {
    const file = variant('unmounted', (d) => Object.assign(d.drives.space, { requireMount: true, label: 'space' }));
    const r = check(file);
    expect(r.code).toBe(2);
    expect(r.out).toContain(
      `problem: drives.space.mountPoint: ${join(sandbox.dir, 'space')} is not mounted (expected label space)`,
    );
    const j = JSON.parse(check(file, true).out) as { findings: { level: string; key: string }[] };
    expect(j.findings).toContainEqual(expect.objectContaining({ level: 'error', key: 'drives.space.mountPoint' }));
  });

  it('an incomplete backup is listed but does not fail the check', () => {
    const r = check(
      variant('incomplete', (d) =>
        Object.assign(d.backup, {
          repository: 's3:https://s3.us-west-004.backblazeb2.com/YOUR-BUCKET/fts',
          keyIdFile: join(dir, 'nope-key-id'),
        }),
      ),
    );
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('incomplete: backup.repository: replace YOUR-BUCKET with your B2 bucket');
    expect(r.out).toContain(`incomplete: backup.keyIdFile: ${join(dir, 'nope-key-id')} does not exist yet`);
  });

  it('a server.name that is neither this host nor resolvable is a warning naming server.name (on the LAN only)', () => {
    const lan = (name: string) =>
      variant(`name-${name}`, (d) => {
        d.server = { name };
        d.api.listen = '0.0.0.0:8642';
        d.api.tls = 'auto';
      });
    const r = check(lan('no-such-host-fts.invalid'));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(
      `warning: server.name: no-such-host-fts.invalid is not this machine's name (${short}) and does not resolve here`,
    );
    expect(r.out).toContain(`set server.name: ${short}`);
    const own = check(lan(short));
    expect(own.out, own.out).not.toMatch(/^warning: server\.name/m);
  });

  it('a Time Machine limit larger than its disk is a warning naming the share (× Samba accounts with perUser)', () => {
    // No disk here holds 4000 TiB: the limit could never make a Mac thin its backups out.
    const r = check(variant('tm-big', (d) => (d.shares[1].timeMachine = { maxSize: '4000T', perUser: true })));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(
      new RegExp(
        `warning: shares\\[1\\]\\.timeMachine\\.maxSize: 4000T × \\d+ Samba accounts? \\(perUser: each gets the limit\\) is more than the disk at ${sandbox.dir}/time \\(`,
      ),
    );
    const fits = check(variant('tm-small', (d) => (d.shares[1].timeMachine = { maxSize: '1M', perUser: false })));
    expect(fits.out).not.toContain('timeMachine.maxSize');
  });

  it('Key Vault gaps are listed as incomplete: the seed’s example vault, no tenant, app or secret, a loose secret file', () => {
    const loose = join(dir, 'kv-secret');
    writeFileSync(loose, 'shh', { mode: 0o644 });
    chmodSync(loose, 0o644);
    const seedish = check(
      variant('kv-seed', (d) => (d.keyVault = { name: 'kv-miket-ops', server: { name: 'kv-miket-ops-server' } })),
    );
    expect(seedish.code, seedish.out).toBe(0);
    expect(seedish.out).toContain("incomplete: keyVault.name: kv-miket-ops is the seed's example");
    expect(seedish.out).toContain("incomplete: keyVault.server.name: kv-miket-ops-server is the seed's example");
    expect(seedish.out).toContain('incomplete: keyVault.tenantId: not set');
    expect(seedish.out).toContain('incomplete: keyVault.clientId: not set');
    expect(seedish.out).toContain('incomplete: keyVault.clientSecretFile: not set');
    const files = check(
      variant(
        'kv-files',
        (d) => (d.keyVault = { name: 'kv-household', tenantId: 't', clientId: 'c', clientSecretFile: loose }),
      ),
    );
    expect(files.out).toContain(
      `incomplete: keyVault.clientSecretFile: ${loose} is readable by others (mode 644): run chmod 600 ${loose}`,
    );
    expect(files.out).not.toMatch(/keyVault\.(name|tenantId|clientId):/);
    const gone = check(
      variant(
        'kv-gone',
        (d) =>
          (d.keyVault = { name: 'kv-household', tenantId: 't', clientId: 'c', clientSecretFile: join(dir, 'nope') }),
      ),
    );
    expect(gone.out).toContain(
      `incomplete: keyVault.clientSecretFile: ${join(dir, 'nope')} does not exist yet: put the value in it and chmod 600`,
    );
  });
});
