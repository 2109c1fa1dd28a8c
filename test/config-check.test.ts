/**
 * `fts-helper config check` runs what `samba check` and `drives check` run, with exit 2 and the key named:
 * a share outside samba.roots (the old check said "ok"), a parameter testparm refuses, a disk not mounted;
 * warnings and incomplete sections do not fail it; the sandbox's config passes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureSandbox } from '../server-helper/sandbox.js';
import { requireBinaries } from './support/require.js';

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
});
