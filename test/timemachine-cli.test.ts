/** `fts-helper timemachine [--json]`, `timemachine check` and `storage [sample|history]` on a sandbox, as a person or a script runs them. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageHistory, TimeMachineReport } from '../contract/index.js';
import { ensureSandbox } from '../server-helper/sandbox.js';
import { buildBundle } from './support/timemachine.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'fts-helper.mjs');
let dir: string;
let sandbox: string;
const run = (...args: string[]) => {
  const r = spawnSync('node', [BIN, ...args, '--sandbox', sandbox], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fts-tm-cli-'));
  sandbox = join(dir, 'sb');
  const sb = ensureSandbox(sandbox);
  buildBundle(join(sb.dir, 'time'), {
    name: 'count-zero',
    format: 'binary',
    completions: [new Date(Date.now() - 3 * 3600_000)],
    model: 'Mac14,2',
    verificationState: 1,
    bands: [{ name: '0', bytes: 4096, mtime: new Date(Date.now() - 3 * 3600_000) }],
  });
  buildBundle(join(sb.dir, 'time'), {
    owner: 'bob',
    name: 'wintermute',
    kind: 'sparsebundle',
    completions: [new Date(Date.now() - 20 * 86_400_000)],
    bands: [],
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fts-helper timemachine', () => {
  it('prints each Mac with its last backup, size and warnings; --json is the API report', () => {
    const text = run('timemachine');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(
      /^count-zero\s+last backup 3 h ago; [\d.]+ KiB of 2\.0 TiB \(0 %\); verification passed$/m,
    );
    expect(text.out).toMatch(/^wintermute\s+last backup 20 d ago;/m);
    expect(text.out).toContain('⚠ wintermute has not completed a Time Machine backup in 20 days (over 7)');
    const json = run('timemachine', '--json');
    expect(json.code).toBe(0);
    expect(TimeMachineReport.parse(JSON.parse(json.out)).macs.map((m) => m.path)).toEqual([
      'bob/wintermute.sparsebundle',
      'count-zero.backupbundle',
    ]);
  });

  it('check announces the stale Mac once', () => {
    expect(JSON.parse(run('timemachine', 'check', '--json').out)).toMatchObject({
      current: 1,
      announced: [{ bundle: 'bob/wintermute.sparsebundle', code: 'stale' }],
    });
    expect(JSON.parse(run('timemachine', 'check', '--json').out)).toMatchObject({ current: 1, announced: [] });
  });

  it('check shows and counts what the reading left out of the share, not only the Macs’ warnings', () => {
    const carol = join(sandbox, 'time', 'carol');
    for (let i = 0; i < 9; i++) mkdirSync(join(carol, `mac-${i}.sparsebundle`), { recursive: true });
    try {
      const left = 'The folder “carol” in the Time Machine share holds 9 backups; only 8 are read';
      const text = run('timemachine', 'check');
      expect(text.code).toBe(0);
      expect(text.out).toContain(`⚠ ${left}`);
      const json = JSON.parse(run('timemachine', 'check', '--json').out);
      expect(json.shareWarnings).toEqual([expect.stringContaining(left)]);
      expect(json.current).toBeGreaterThanOrEqual(2);
    } finally {
      rmSync(carol, { recursive: true, force: true });
    }
  });
});

describe('fts-helper storage', () => {
  it('samples the drives and reads the history back; a bad --days is exit 2 naming it', () => {
    const s = run('storage', 'sample', '--json');
    expect(s.code).toBe(0);
    expect((JSON.parse(s.out) as { role: string }[]).map((x) => x.role)).toEqual(['flux', 'time', 'space']);
    const h = run('storage', '--json');
    expect(StorageHistory.parse(JSON.parse(h.out)).samples).toHaveLength(3);
    expect(run('storage').out).toMatch(
      /^3 sample\(s\) in the last 90 days\nflux: not enough history for a trend yet; time: .*\.$/m,
    );
    const bad = run('storage', 'history', '--days', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--days');
  });
});
