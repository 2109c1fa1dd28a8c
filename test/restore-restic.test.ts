/**
 * Restore from snapshots with real restic through the helper's API: the snapshot list, a folder of thousands of
 * entries browsed page by page, a folder restored into flux under `Restored YYYY-MM-DD/` byte-identical (mode, owner,
 * times, xattrs), never over a live file, literal names with glob characters, cancel, and a helper killed mid-restore.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setAttributeSync } from '@napi-rs/xattr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotInfo, SnapshotListing } from '../contract/index.js';
import { restoredFolderName } from '../server-helper/lifecycle/restore/names.js';
import { snapshot, tempDir } from './graduation/helpers.js';
import { ORIGINAL_PATH } from './support/restic-hand.js';
import { ApiHarness, requireRestic, restoreInstall } from './support/restore-env.js';

const base = tempDir('restore');
const OLD = (Date.now() - 400 * 86400e3) / 1000;
let h: ApiHarness;
let flux: string;
let space: string;
let snap: SnapshotInfo;
/** The day's folder the first restore made. */
let day: string;

/** The space tree the snapshot holds: owners, modes, xattrs, a symlink, glob characters in names, a folder of 3,000 files. */
function fillSpace(): void {
  const alpha = join(space, 'Projects', 'Alpha');
  mkdirSync(join(alpha, 'sub'), { recursive: true });
  mkdirSync(join(space, 'Projects', 'Beta'));
  writeFileSync(join(alpha, 'report.pdf'), randomBytes(200_000));
  setAttributeSync(
    join(alpha, 'report.pdf'),
    'user.DosStream.AFP_AfpInfo:$DATA',
    Buffer.from('finder info of the report'),
  );
  setAttributeSync(join(alpha, 'report.pdf'), 'user.DOSATTRIB', Buffer.from([0, 0, 4, 0, 4, 0, 0, 0, 0x20]));
  chmodSync(join(alpha, 'report.pdf'), 0o640);
  chownSync(join(alpha, 'report.pdf'), 1234, 1234);
  writeFileSync(join(alpha, 'sub', 'notes.txt'), 'notes');
  writeFileSync(join(space, 'Projects', 'Beta', 'x.txt'), 'beta');
  symlinkSync('../Beta/x.txt', join(alpha, 'to-beta'));
  chmodSync(join(space, 'Projects'), 0o750);
  chownSync(join(space, 'Projects'), 1234, 1234);
  for (const [dir, file] of [
    ['Photos [2019]', 'a.jpg'],
    ['Photos 2', 'b.jpg'],
  ]) {
    mkdirSync(join(space, dir!));
    writeFileSync(join(space, dir!, file!), file!);
  }
  const big = join(space, 'Big');
  mkdirSync(join(big, 'inner'), { recursive: true });
  for (let i = 0; i < 3000; i++) writeFileSync(join(big, `f${String(i).padStart(4, '0')}`), String(i));
  writeFileSync(join(big, 'inner', 'deep.txt'), 'deep');
  // Old, as archived files are: what is restored must still stay in flux (the graduation below).
  for (const f of ['Projects/Alpha/report.pdf', 'Projects/Alpha/sub/notes.txt', 'Projects/Beta/x.txt'])
    utimesSync(join(space, f), OLD, OLD + 0.123456789);
  lchownSync(join(alpha, 'to-beta'), 1234, 1234);
}

beforeAll(async () => {
  requireRestic();
  const install = restoreInstall(base);
  flux = install.flux;
  space = install.space;
  fillSpace();
  h = await ApiHarness.start(install.config);
  const backup = await h.run('backup');
  expect(backup.status, backup.error ?? '').toBe('succeeded');
  const list = await h.call('GET', '/api/v1/snapshots');
  expect(list.status).toBe(200);
  snap = (list.json as SnapshotInfo[])[0]!;
});
afterAll(async () => {
  process.env.PATH = ORIGINAL_PATH;
  await h?.close();
  rmSync(base, { recursive: true, force: true });
});

const temps = () => readdirSync(flux).filter((n) => n.startsWith('.fts-restore-'));

describe('snapshots and browsing', () => {
  it('lists the snapshot, and pages through a folder of 3,001 entries in restic order without its subfolders’ contents', async () => {
    expect(snap).toMatchObject({ hostname: 'motoko', paths: [space] });
    const root = await h.call('GET', `/api/v1/snapshots/${snap.shortId}/ls`);
    expect(root.status).toBe(200);
    expect((root.json as SnapshotListing).path).toBe(space);
    expect((root.json as SnapshotListing).entries.map((e) => e.name)).toEqual([
      'Big',
      'Photos 2',
      'Photos [2019]',
      'Projects',
    ]);

    const page = async (offset: number, limit: number) => {
      const r = await h.call(
        'GET',
        `/api/v1/snapshots/${snap.id}/ls?path=${encodeURIComponent(join(space, 'Big'))}&offset=${offset}&limit=${limit}`,
      );
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      return r.json as SnapshotListing;
    };
    const first = await page(0, 100);
    expect(first.total).toBe(3001);
    expect(first.entries).toHaveLength(100);
    expect(first.entries[0]).toMatchObject({ name: 'f0000', kind: 'file', size: 1, path: join(space, 'Big', 'f0000') });
    const names: string[] = [];
    for (let offset = 0; offset < 3001; offset += 700) {
      const p = await page(offset, 700);
      expect(p.entries.length).toBe(Math.min(700, 3001 - offset));
      names.push(...p.entries.map((e) => e.name));
    }
    expect(names).toEqual([...Array.from({ length: 3000 }, (_, i) => `f${String(i).padStart(4, '0')}`), 'inner']);
    expect(names).not.toContain('deep.txt');
    const last = await page(3000, 1000);
    expect(last.entries).toEqual([expect.objectContaining({ name: 'inner', kind: 'folder', size: null })]);
  });

  it('answers 404 for an unknown snapshot or path, 400 for a file or a bad path, 403 for a client token', async () => {
    expect((await h.call('GET', `/api/v1/snapshots/deadbeef/ls`)).status).toBe(404);
    expect(
      (await h.call('GET', `/api/v1/snapshots/${snap.shortId}/ls?path=${encodeURIComponent(`${space}/Nope`)}`)).status,
    ).toBe(404);
    const file = await h.call(
      'GET',
      `/api/v1/snapshots/${snap.shortId}/ls?path=${encodeURIComponent(`${space}/Projects/Beta/x.txt`)}`,
    );
    expect(file.status).toBe(400);
    expect(file.json).toMatchObject({ message: expect.stringContaining('not a folder') });
    const bad = await h.call(
      'GET',
      `/api/v1/snapshots/${snap.shortId}/ls?path=${encodeURIComponent(`${space}/../etc`)}`,
    );
    expect(bad).toMatchObject({ status: 400, json: { field: 'path' } });
    expect((await h.call('GET', `/api/v1/snapshots/NOT-HEX/ls`)).status).toBe(400);
    expect((await h.call('GET', '/api/v1/snapshots', undefined, h.client)).status).toBe(403);
    expect(
      (await h.call('POST', '/api/v1/restore', { snapshot: snap.shortId, path: `${space}/Projects` }, h.client)).status,
    ).toBe(403);
  });
});

describe('restore into flux', () => {
  it('restores a folder under "Restored YYYY-MM-DD/" byte-identical, with owners, modes, times and xattrs, and removes its temp folder', async () => {
    const r = await h.call('POST', '/api/v1/restore', { snapshot: snap.shortId, path: `${space}/Projects/Alpha` });
    expect(r.status, JSON.stringify(r.json)).toBe(202);
    const run = await h.ended((r.json as { runId: number }).runId);
    expect(run, run.error ?? '').toMatchObject({
      job: 'restore',
      kind: 'restore',
      status: 'succeeded',
      trigger: 'api',
      params: { snapshot: snap.shortId, path: `${space}/Projects/Alpha` },
    });
    day = restoredFolderName(new Date(run.startedAt!));
    expect(run.summary).toMatchObject({ restoredTo: `${day}/Projects/Alpha`, renamed: false, files: 2 });
    const restored = join(flux, day, 'Projects', 'Alpha');
    const want = snapshot(join(space, 'Projects', 'Alpha'));
    const got = snapshot(restored);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [rel, w] of want) {
      const g = got.get(rel)!;
      expect({ rel, hash: g.hash, mode: g.mode, xattrs: g.xattrs }).toEqual({
        rel,
        hash: w.hash,
        mode: w.mode,
        xattrs: w.xattrs,
      });
      if (w.kind === 'file') expect(g.mtimeNs).toBe(w.mtimeNs);
    }
    expect(lstatSync(join(restored, 'report.pdf'))).toMatchObject({ uid: 1234, gid: 1234 });
    expect(lstatSync(join(restored, 'to-beta'))).toMatchObject({ uid: 1234 });
    // The folder on the way has the snapshot's owner and mode; the day's folder flux's own.
    expect(lstatSync(join(flux, day, 'Projects'))).toMatchObject({
      uid: 1234,
      gid: 1234,
      mode: lstatSync(join(space, 'Projects')).mode,
    });
    expect(lstatSync(join(flux, day)).mode).toBe(lstatSync(flux).mode);
    expect(temps()).toEqual([]);
    const types = h.eventsOf(run.id).map((e) => e.type);
    expect(types[0]).toBe('restore.started');
    expect(types).toContain('restore.progress');
    expect(types.at(-1)).toBe('restore.finished');
    expect(h.eventsOf(run.id).find((e) => e.type === 'restore.started')!.data).toMatchObject({
      totalFiles: 2,
      totalBytes: 200_005,
    });
  });

  it('never writes over a live file: a second restore of the same folder lands beside it, suffixed', async () => {
    const live = join(flux, day, 'Projects', 'Alpha', 'report.pdf');
    writeFileSync(live, 'edited since the restore');
    const run = await h.run('restore', { snapshot: snap.id, path: `${space}/Projects/Alpha` });
    expect(run.status, run.error ?? '').toBe('succeeded');
    expect(run.summary).toMatchObject({ restoredTo: `${day}/Projects/Alpha (restored)`, renamed: true });
    expect(readFileSync(live, 'utf8')).toBe('edited since the restore');
    expect(readFileSync(join(flux, day, 'Projects', 'Alpha (restored)', 'report.pdf'))).toEqual(
      readFileSync(join(space, 'Projects', 'Alpha', 'report.pdf')),
    );
  });

  it('restores a name with glob characters literally, and a single file', async () => {
    const photos = await h.run('restore', { snapshot: snap.shortId, path: `${space}/Photos [2019]` });
    expect(photos.status, photos.error ?? '').toBe('succeeded');
    expect(readdirSync(join(flux, day))).not.toContain('Photos 2');
    expect(readFileSync(join(flux, day, 'Photos [2019]', 'a.jpg'), 'utf8')).toBe('a.jpg');
    const file = await h.run('restore', { snapshot: 'latest', path: `${space}/Projects/Beta/x.txt` });
    expect(file.summary).toMatchObject({ restoredTo: `${day}/Projects/Beta/x.txt` });
    expect(readFileSync(join(flux, day, 'Projects', 'Beta', 'x.txt'), 'utf8')).toBe('beta');
    const missing = await h.run('restore', { snapshot: snap.shortId, path: `${space}/Projects/Gamma` });
    expect(missing).toMatchObject({
      status: 'failed',
      error: `snapshot ${snap.shortId} has no ${space}/Projects/Gamma`,
    });
    const outside = await h.run('restore', { snapshot: snap.shortId, path: '/' });
    expect(outside.status).toBe('failed');
    expect(outside.error).toContain('is not inside a folder snapshot');
    expect(temps()).toEqual([]);
  });

  it('leaves what it restored in flux at the next graduation, though its files are old', async () => {
    const grad = await h.run('graduation');
    expect(grad.status, grad.error ?? '').toBe('succeeded');
    expect((grad.summary as { skipped: Record<string, number> }).skipped['kept-in-flux']).toBeGreaterThanOrEqual(3);
    expect(existsSync(join(flux, day, 'Projects', 'Alpha', 'sub', 'notes.txt'))).toBe(true);
    expect(existsSync(join(space, day))).toBe(false);
  });
});

describe('restore against a member', () => {
  it('never restores into a day folder a member made first (or a file of its name): the next name is used', async () => {
    const mine = join(flux, day);
    const moved = join(flux, 'moved-day');
    renameSync(mine, moved);
    try {
      // A member's own open folder under today's name, made before anyone restored today.
      mkdirSync(mine);
      chmodSync(mine, 0o777);
      chownSync(mine, 4321, 4321);
      const run = await h.run('restore', { snapshot: snap.shortId, path: `${space}/Projects/Beta/x.txt` });
      expect(run.status, run.error ?? '').toBe('succeeded');
      expect(run.summary).toMatchObject({ restoredTo: `${day} (2)/Projects/Beta/x.txt` });
      expect(readdirSync(mine)).toEqual([]);
      const second = lstatSync(join(flux, `${day} (2)`));
      const root = lstatSync(flux);
      expect([second.uid, second.gid, second.mode & 0o7777]).toEqual([root.uid, root.gid, root.mode & 0o7777]);
      // A file of the second name: the third.
      rmSync(join(flux, `${day} (2)`), { recursive: true });
      writeFileSync(join(flux, `${day} (2)`), 'a file');
      const third = await h.run('restore', { snapshot: snap.shortId, path: `${space}/Projects/Beta/x.txt` });
      expect(third.summary).toMatchObject({ restoredTo: `${day} (3)/Projects/Beta/x.txt` });
      expect(readFileSync(join(flux, `${day} (2)`), 'utf8')).toBe('a file');
    } finally {
      for (const n of [day, `${day} (2)`, `${day} (3)`]) rmSync(join(flux, n), { recursive: true, force: true });
      renameSync(moved, mine);
    }
  });
});

describe('restore faults', () => {
  /** A restic on PATH that restores, then waits (as a slow restore would) until STOP exists; MARKER says it got there. */
  function slowRestic(dir: string): { marker: string; stop: string } {
    mkdirSync(join(dir, 'bin'), { recursive: true });
    const marker = join(dir, 'restored');
    const stop = join(dir, 'stop');
    const real = '/usr/bin/restic';
    writeFileSync(
      join(dir, 'bin', 'restic'),
      `#!/bin/sh\ncase " $* " in *" restore "*) ${real} "$@"; rc=$?; touch '${marker}'; while [ ! -e '${stop}' ]; do sleep 0.05; done; exit $rc;; esac\nexec ${real} "$@"\n`,
    );
    chmodSync(join(dir, 'bin', 'restic'), 0o755);
    process.env.PATH = `${dir}/bin:${ORIGINAL_PATH}`;
    return { marker, stop };
  }

  const waitFor = async (path: string) => {
    for (let i = 0; i < 3000 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(path)).toBe(true);
  };

  it('cancel while restic writes: the run is cancelled, its temp folder removed, nothing placed', async () => {
    const { marker, stop } = slowRestic(join(base, 'slow-cancel'));
    try {
      const before = readdirSync(join(flux, day, 'Projects'));
      const started = h.ctx.jobs!.start('restore', 'api', {
        snapshot: snap.shortId,
        path: `${space}/Projects/Alpha/sub`,
      });
      await waitFor(marker);
      expect(temps()).toEqual([expect.stringMatching(new RegExp(`^\\.fts-restore-${started.id}-[0-9a-f]{16}$`))]);
      h.ctx.jobs!.cancel(started.id);
      const run = await h.ended(started.id);
      expect(run).toMatchObject({ status: 'cancelled', error: 'restore cancelled' });
      expect(h.eventsOf(run.id).at(-1)).toMatchObject({ type: 'restore.failed', data: { cancelled: true } });
      expect(temps()).toEqual([]);
      expect(readdirSync(join(flux, day, 'Projects'))).toEqual(before);
      expect(h.store.jobLocks.list()).toEqual([]);
    } finally {
      writeFileSync(stop, '');
      process.env.PATH = ORIGINAL_PATH;
    }
  });

  it('kill -9 of the helper mid-restore: its temp folder is all that is left, and the next restore removes it (never a user’s folder of that name)', async () => {
    const { marker, stop } = slowRestic(join(base, 'slow-kill'));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'restore-crash-child.ts'),
        JSON.stringify(h.config),
        flux,
        snap.id,
        `${space}/Projects/Beta`,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: process.env,
        // Its own process group: the kill takes the slow restic with it.
        detached: true,
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
    try {
      await waitFor(marker);
      process.kill(-child.pid!, 'SIGKILL');
      expect(await exited, stderr).toBe('SIGKILL');
    } finally {
      writeFileSync(stop, '');
      process.env.PATH = ORIGINAL_PATH;
    }
    // Its name has a random part (a member cannot make the next run's name first).
    const left = temps();
    expect(left).toEqual([expect.stringMatching(/^\.fts-restore-77-[0-9a-f]{16}$/)]);
    expect(readFileSync(join(flux, left[0]!, space.slice(1), 'Projects', 'Beta', 'x.txt'), 'utf8')).toBe('beta');
    // A folder of that name a user made (not the helper's 0700 one) is never removed.
    mkdirSync(join(flux, '.fts-restore-78'), { mode: 0o755 });
    chmodSync(join(flux, '.fts-restore-78'), 0o755);
    writeFileSync(join(flux, '.fts-restore-78', 'mine.txt'), 'mine');
    const next = await h.run('restore', { snapshot: snap.shortId, path: `${space}/Projects/Beta` });
    expect(next.status, next.error ?? '').toBe('succeeded');
    expect(next.summary).toMatchObject({ leftoversRemoved: 1 });
    expect(temps()).toEqual(['.fts-restore-78']);
    expect(readFileSync(join(flux, '.fts-restore-78', 'mine.txt'), 'utf8')).toBe('mine');
  });
});
