/**
 * The drive check refuses before anything moves (unmounted, wrong filesystem or label), and the CLI runs
 * the configured policy and ad hoc, records the run, prints the summary, and undoes a run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelperConfig } from '../../server-helper/config/schema.js';
import { checkDrive, PreflightError, preflightDrives } from '../../server-helper/lifecycle/preflight.js';
import { openStore } from '../../server-helper/store/index.js';
import { loopExt4, tempDir } from './helpers.js';

const DAY = 86400e3;
const old = (p: string) => utimesSync(p, (Date.now() - 40 * DAY) / 1000, (Date.now() - 40 * DAY) / 1000);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'fts-helper.mjs');
const made: string[] = [];
let space: { dir: string; unmount: () => void };
beforeAll(() => {
  space = loopExt4(16, 'space');
});
afterAll(() => {
  space?.unmount();
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function configFile(base: string, flux: string, spaceDir: string, drive: Record<string, unknown>): string {
  const file = join(base, 'helper.yaml');
  const doc = {
    store: { path: join(base, 'helper.db') },
    drives: { flux: { mountPoint: flux, requireMount: false }, space: { mountPoint: spaceDir, ...drive } },
    shares: [
      { name: 'flux', role: 'flux', path: flux },
      { name: 'space', role: 'space', path: spaceDir },
    ],
    samba: { smbConf: join(base, 'smb.conf'), roots: [flux, spaceDir] },
    graduation: { minAge: '30d', freeSpaceMargin: '1M' },
  };
  writeFileSync(file, JSON.stringify(doc));
  writeFileSync(join(base, 'smb.conf'), '[global]\n');
  return file;
}

describe('drive check', () => {
  it('accepts the loop-mounted ext4 labelled space, refuses a wrong label, type or uuid', async () => {
    const cfg = (drive: Record<string, unknown>) =>
      HelperConfig.parse({ drives: { space: { mountPoint: space.dir, ...drive } } });
    await preflightDrives(cfg({ label: 'space', fsType: 'ext4' }), ['space']);
    await expect(preflightDrives(cfg({ label: 'other' }), ['space'])).rejects.toThrow(
      /label space, the config says other/,
    );
    await expect(preflightDrives(cfg({ fsType: 'xfs' }), ['space'])).rejects.toThrow(/is ext4, the config says xfs/);
    await expect(preflightDrives(cfg({ uuid: '00000000-0000-0000-0000-000000000000' }), ['space'])).rejects.toThrow(
      /UUID/,
    );
  });

  it('refuses a folder that is not a mount point, and a missing one', async () => {
    const base = tempDir('pf');
    made.push(base);
    await expect(
      preflightDrives(HelperConfig.parse({ drives: { space: { mountPoint: base } } }), ['space']),
    ).rejects.toThrow(/no disk is mounted at/);
    await expect(
      preflightDrives(
        HelperConfig.parse({ drives: { space: { mountPoint: join(base, 'nope'), requireMount: false } } }),
        ['space'],
      ),
    ).rejects.toThrow(PreflightError);
    await preflightDrives(HelperConfig.parse({ drives: { space: { mountPoint: base, requireMount: false } } }), [
      'space',
    ]);
    expect(() =>
      checkDrive(
        'space',
        HelperConfig.parse({ drives: { space: { mountPoint: '/space' } } }).drives.space!,
        null,
        true,
      ),
    ).toThrow(/no disk is mounted at \/space/);
  });
});

describe('fts-helper graduate', () => {
  it('refuses when space is not mounted, and nothing moves', () => {
    const base = tempDir('cli-unmounted');
    made.push(base);
    const flux = join(base, 'flux');
    const notMounted = join(base, 'space');
    mkdirSync(flux);
    mkdirSync(notMounted);
    writeFileSync(join(flux, 'old.txt'), 'x');
    old(join(flux, 'old.txt'));
    const r = cli(['graduate', '--config', configFile(base, flux, notMounted, { label: 'space' }), '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no disk is mounted at .*space/);
    expect(existsSync(join(flux, 'old.txt'))).toBe(true);
    const store = openStore(join(base, 'helper.db'));
    try {
      expect(store.runs.list()[0]).toMatchObject({ kind: 'graduation', status: 'failed' });
      expect(store.events.since(0, 100).map((e) => e.type)).toEqual(['graduation.started', 'graduation.failed']);
    } finally {
      store.close();
    }
  });

  it('runs the configured policy onto the mounted disk, prints the summary, publishes events, and undoes the run', () => {
    const base = tempDir('cli-run');
    made.push(base);
    const flux = join(base, 'flux');
    const dst = join(space.dir, 'cli');
    mkdirSync(join(flux, 'Photos'), { recursive: true });
    mkdirSync(dst);
    execFileSync('chmod', ['755', dst]);
    writeFileSync(join(flux, 'Photos', 'a.jpg'), 'jpeg');
    writeFileSync(join(flux, 'young.txt'), 'new');
    writeFileSync(join(flux, '.DS_Store'), 'litter');
    old(join(flux, 'Photos', 'a.jpg'));
    old(join(flux, '.DS_Store'));
    // The config names the mount point; the share path is a folder on it.
    const file = configFile(base, flux, dst, { label: 'space', fsType: 'ext4' });
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    doc.drives.space.mountPoint = space.dir;
    writeFileSync(file, JSON.stringify(doc));

    const dry = cli(['graduate', '--config', file, '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    // The dry run names what would move (all of it in JSON) and checks the margin (1M fits here).
    expect(JSON.parse(dry.stdout)).toMatchObject({
      eligible: 1,
      eligibleBytes: 4,
      moved: 0,
      dryRun: true,
      stopped: null,
      files: ['Photos/a.jpg'],
      examples: ['Photos/a.jpg'],
    });
    const dryText = cli(['graduate', '--config', file, '--dry-run']);
    expect(dryText.code, dryText.stderr).toBe(0);
    expect(dryText.stdout).toMatch(/^Dry run: would graduate 1 file \(4 B\) from .*\n {2}Photos\/a\.jpg\n/);
    expect(existsSync(join(flux, 'Photos', 'a.jpg'))).toBe(true);
    // The history says dry run, never "succeeded … 0 files".
    const history = cli(['jobs', 'history', '--config', file]);
    expect(history.stdout).toMatch(/^#\d+ +graduation +dry run +manual .* would graduate 1 file, 4 B$/m);
    expect(history.stdout).not.toMatch(/succeeded/);

    const r = cli(['graduate', '--config', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({
      scanned: 2,
      eligible: 1,
      moved: 1,
      bytesMoved: 4,
      skipped: { excluded: 1, 'too-new': 1 },
      failed: [],
    });
    expect(readFileSync(join(dst, 'Photos', 'a.jpg'), 'utf8')).toBe('jpeg');
    expect(existsSync(join(flux, 'Photos', 'a.jpg'))).toBe(false);
    expect(
      r.stderr
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).type),
    ).toContain('progress');
    const store = openStore(join(base, 'helper.db'));
    try {
      const run = store.runs.get(summary.runId)!;
      expect(run).toMatchObject({ kind: 'graduation', status: 'succeeded' });
      const finished = store.events
        .since(0, 100)
        .find((e) => e.type === 'graduation.finished' && e.data.runId === summary.runId);
      // Share names, not folders: a client says "Graduated 1 file (4 B) from Flux to Space".
      expect(finished?.data).toMatchObject({
        runId: summary.runId,
        moved: 1,
        bytesMoved: 4,
        examples: ['Photos/a.jpg'],
        from: 'flux',
        to: 'space',
      });
    } finally {
      store.close();
    }

    const u = cli(['graduate', 'undo', String(summary.runId), '--config', file, '--json']);
    expect(u.code, u.stderr).toBe(0);
    expect(JSON.parse(u.stdout)).toMatchObject({ moved: 1, failed: [] });
    expect(readFileSync(join(flux, 'Photos', 'a.jpg'), 'utf8')).toBe('jpeg');
    expect(existsSync(join(dst, 'Photos', 'a.jpg'))).toBe(false);
  });

  it('a dry run says the real run would stop on the free-space margin; the real run stops, says why once, and exits 1', () => {
    const base = tempDir('cli-margin');
    made.push(base);
    const flux = join(base, 'flux');
    const dst = join(space.dir, 'margin');
    mkdirSync(flux);
    mkdirSync(dst);
    for (const n of ['a.txt', 'b.txt']) {
      writeFileSync(join(flux, n), n);
      old(join(flux, n));
    }
    const file = configFile(base, flux, dst, { label: 'space' });
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    doc.drives.space.mountPoint = space.dir;
    doc.graduation.freeSpaceMargin = '1T';
    writeFileSync(file, JSON.stringify(doc));

    const dry = cli(['graduate', '--config', file, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^Dry run: would graduate 2 files \(10 B\)/);
    expect(dry.stdout).toMatch(
      /Note: the real run would stop on the free-space margin after 0 files \(0 B\): .* has [\d.]+ MiB free and must keep 1\.0 TiB free \(graduation\.freeSpaceMargin\)/,
    );

    const r = cli(['graduate', '--config', file]);
    expect(r.code).toBe(1);
    // One classification: the files are skipped as destination-full, the stop is said once, and no file "failed".
    expect(r.stdout).toMatch(/^Graduated 0 files \(0 B\)/);
    expect(r.stdout).toMatch(/^skipped: destination-full 2$/m);
    expect(r.stderr).toMatch(
      /stopped early: .* has [\d.]+ MiB free and must keep 1\.0 TiB free \(graduation\.freeSpaceMargin\)/,
    );
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/could not|FAILED|bytes\)/);
    expect(readdirSync(flux).sort()).toEqual(['a.txt', 'b.txt']);
  });

  it('ad hoc: --from/--to without a config; bad usage exits 2; a failure exits 1', () => {
    const base = tempDir('cli-adhoc');
    made.push(base);
    const a = join(base, 'a');
    const b = join(base, 'b');
    mkdirSync(a);
    mkdirSync(b);
    writeFileSync(join(a, 'f.txt'), 'f');
    old(join(a, 'f.txt'));
    const store = join(base, 'adhoc.db');
    expect(cli(['graduate', '--from', a, '--min-age', '30d', '--store', store]).code).toBe(2);
    expect(cli(['graduate', '--from', a, '--to', b, '--min-age', 'soon', '--store', store]).code).toBe(2);
    expect(cli(['graduate', '--from', a, '--to', join(a, 'inside'), '--store', store]).code).toBe(2);
    const r = cli([
      'graduate',
      '--from',
      a,
      '--to',
      b,
      '--min-age',
      '30d',
      '--free-space-margin',
      '0',
      '--store',
      store,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Graduated 1 file/);
    expect(readFileSync(join(b, 'f.txt'), 'utf8')).toBe('f');
    writeFileSync(join(a, 'g.txt'), 'g');
    old(join(a, 'g.txt'));
    const full = cli([
      'graduate',
      '--from',
      a,
      '--to',
      b,
      '--min-age',
      '30d',
      '--free-space-margin',
      '1P',
      '--store',
      store,
      '--json',
    ]);
    expect(full.code).toBe(1);
    // Ad hoc, the margin is the option it was given.
    expect(JSON.parse(full.stdout)).toMatchObject({
      failed: [],
      stopped: expect.stringMatching(/--free-space-margin/),
    });
  });
});
