/**
 * Fault injection: kill -9 at every journal step, ENOSPC on a small loop-mounted ext4, a file appended to
 * during its copy, and names already taken in the destination.
 */
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  lstatSync,
  readdirSync,
  statfsSync,
  closeSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
  existsSync,
} from 'node:fs';
import { join } from 'node:path';
import { getAttributeSync, setAttributeSync } from '@napi-rs/xattr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graduate } from '../../server-helper/lifecycle/graduation/graduate.js';
import { closeMoverContext, openMoverContext } from '../../server-helper/lifecycle/graduation/move-open.js';
import { Journal } from '../../server-helper/lifecycle/graduation/journal.js';
import { recoverJournal } from '../../server-helper/lifecycle/graduation/recover.js';
import { undoRun } from '../../server-helper/lifecycle/graduation/undo.js';
import {
  finishBatch,
  moveBatch,
  prepareBatch,
  type MoverContext,
  type MoveSettings,
  type MoveStep,
} from '../../server-helper/lifecycle/graduation/mover.js';
import type { Policy } from '../../server-helper/lifecycle/graduation/policy.js';
import { openStore } from '../../server-helper/store/index.js';
import { assertExactlyOnce, fluxAndSpace, loopExt4, snapshot, tempFiles } from './helpers.js';

const DAY = 86400e3;
const policy: Policy = { minAgeMs: DAY, exclude: ['.fts-*'], include: [], freeSpaceMargin: 0 };
const old = (p: string) => utimesSync(p, (Date.now() - 40 * DAY) / 1000, (Date.now() - 40 * DAY) / 1000);
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A small tree touching every kind: plain, xattrs, hard-link pair, symlink, AppleDouble pair, 2 MiB file. */
function tree(flux: string): void {
  mkdirSync(join(flux, 'Docs', 'Sub'), { recursive: true });
  const files: [string, Buffer][] = [
    ['a.txt', Buffer.from('alpha')],
    ['Docs/b.bin', Buffer.alloc(2 << 20, 7)],
    ['Docs/Sub/c d.txt', Buffer.from('gamma')],
    ['Docs/report.pages', Buffer.from('pages')],
    ['Docs/._report.pages', Buffer.from('appledouble')],
    ['e.txt', Buffer.from('epsilon')],
  ];
  for (const [rel, data] of files) {
    writeFileSync(join(flux, rel), data);
    setAttributeSync(join(flux, rel), 'user.DosStream.AFP_AfpInfo:$DATA', Buffer.from(`info ${rel}`));
    old(join(flux, rel));
  }
  linkSync(join(flux, 'e.txt'), join(flux, 'Docs', 'e-link.txt'));
  symlinkSync('../a.txt', join(flux, 'Docs', 'to-a'));
  lutimesSync(join(flux, 'Docs', 'to-a'), (Date.now() - 40 * DAY) / 1000, (Date.now() - 40 * DAY) / 1000);
}

function setup(name: string): { flux: string; space: string; db: string } {
  const { base, flux, space } = fluxAndSpace(name);
  made.push(base);
  return { flux, space, db: join(base, 'helper.db') };
}

const STEPS: MoveStep[] = ['journaled', 'temp-written', 'copied', 'linked-name', 'linked', 'source-removed', 'done'];

describe('kill -9 at each journal step, then a normal run', () => {
  for (const step of STEPS) {
    for (const nth of ['temp-written', 'linked-name', 'source-removed'].includes(step) ? [1, 3] : [1]) {
      it(`loses nothing and leaves no temp file (killed at ${step} #${nth})`, async () => {
        const { flux, space, db } = setup(`crash-${step}`);
        tree(flux);
        const before = snapshot(flux);
        const child = spawnSync(
          process.execPath,
          ['--import', 'tsx', join(import.meta.dirname, 'crash-child.ts'), flux, space, db, step, String(nth)],
          { encoding: 'utf8' },
        );
        expect(child.signal, child.stderr).toBe('SIGKILL');
        // Right after the crash, nothing is lost (a file may briefly be in both places, never in neither).
        const mid = assertExactlyOnce(
          before,
          snapshot(flux),
          snapshot(space, { ignore: (r) => r.split('/').pop()!.startsWith('.fts-grad-') }),
        );
        expect(mid.filter((p) => p.includes('lost'))).toEqual([]);

        const store = openStore(db);
        try {
          const s = await graduate({ db: store.db, runId: 2, srcRoot: flux, dstRoot: space, policy });
          expect(s.failed).toEqual([]);
          expect(assertExactlyOnce(before, snapshot(flux), snapshot(space))).toEqual([]);
          expect(tempFiles(space)).toEqual([]);
          expect(new Journal(store.db).unfinished()).toEqual([]);
          // Everything old graduated in the end.
          expect([...snapshot(flux).keys()]).toEqual([]);
        } finally {
          store.close();
        }
      });
    }
  }
});

describe('disk full, a changing file, names already taken', () => {
  let disk: { dir: string; unmount: () => void };
  beforeAll(() => {
    disk = loopExt4(16, 'space');
  });
  afterAll(() => disk?.unmount());

  it('ENOSPC on a small ext4 destination: nothing lost, a clear failure, no temp file', async () => {
    const { flux, db } = setup('enospc');
    const space = join(disk.dir, 'archive');
    mkdirSync(space);
    // One file takes the pipelined large-file path (≥ 8 MiB), the others the small one.
    for (let i = 0; i < 4; i++) {
      writeFileSync(join(flux, `big-${i}.bin`), Buffer.alloc(i === 0 ? 9 << 20 : 1 << 20, i + 1));
      old(join(flux, `big-${i}.bin`));
    }
    const before = snapshot(flux);
    const store = openStore(db);
    try {
      let filled = false;
      const s = await graduate({
        db: store.db,
        runId: 1,
        srcRoot: flux,
        dstRoot: space,
        policy,
        // After planning (which saw room), someone else fills the disk: the copy meets a real ENOSPC.
        onStep: (step) => {
          if (step !== 'journaled' || filled) return;
          filled = true;
          const fd = openSync(join(disk.dir, 'filler'), 'w');
          try {
            const chunk = Buffer.alloc(1 << 20, 1);
            for (;;) writeSync(fd, chunk);
          } catch {
            // ENOSPC: full.
          } finally {
            closeSync(fd);
          }
        },
      });
      expect(s.failed.length).toBeGreaterThan(0);
      expect(s.failed[0]!.error).toMatch(/full \(ENOSPC\)/);
      expect(assertExactlyOnce(before, snapshot(flux), snapshot(space))).toEqual([]);
      expect(tempFiles(space)).toEqual([]);
    } finally {
      store.close();
      rmSync(join(disk.dir, 'filler'), { force: true });
    }
  });

  it('ENOSPC in the copy pool: the copies still queued stop instead of each failing, and nothing is lost', async () => {
    const { flux, db } = setup('enospc-pool');
    const space = join(disk.dir, 'archive-pool');
    mkdirSync(space);
    for (let i = 0; i < 400; i++) {
      writeFileSync(join(flux, `small-${i}.bin`), Buffer.alloc(16 << 10, i % 251));
      old(join(flux, `small-${i}.bin`));
    }
    const before = snapshot(flux);
    const store = openStore(db);
    try {
      let filled = false;
      const s = await graduate({
        db: store.db,
        runId: 1,
        srcRoot: flux,
        dstRoot: space,
        policy,
        onStep: (step) => {
          if (step !== 'journaled' || filled) return;
          filled = true;
          const fd = openSync(join(disk.dir, 'filler'), 'w');
          try {
            const chunk = Buffer.alloc(1 << 20, 1);
            for (;;) writeSync(fd, chunk);
          } catch {
            // ENOSPC: full.
          } finally {
            closeSync(fd);
          }
        },
      });
      expect(s.failed.length).toBeGreaterThan(0);
      expect(s.failed[0]!.error).toMatch(/full \(ENOSPC\)/);
      // The first copy to meet ENOSPC stops the rest between files: a few chunks running at that moment may
      // each meet it once, not every one of the 400 files.
      expect(s.failed.length).toBeLessThanOrEqual(8);
      expect(assertExactlyOnce(before, snapshot(flux), snapshot(space))).toEqual([]);
      expect(tempFiles(space)).toEqual([]);
    } finally {
      store.close();
      rmSync(join(disk.dir, 'filler'), { force: true });
    }
  });

  it('moves what fits under the margin and leaves the rest, with a failure that says why', async () => {
    const { flux, db } = setup('partial');
    const space = join(disk.dir, 'partial');
    mkdirSync(space);
    for (let i = 0; i < 4; i++) {
      writeFileSync(join(flux, `part-${i}.bin`), Buffer.alloc(4 << 20, i + 1));
      old(join(flux, `part-${i}.bin`));
    }
    const store = openStore(db);
    try {
      // A margin that leaves room for two 4 MiB files (and their inodes), not three.
      const st = statfsSync(space);
      const s = await graduate({
        db: store.db,
        runId: 1,
        srcRoot: flux,
        dstRoot: space,
        policy: { ...policy, freeSpaceMargin: st.bavail * st.bsize - (10 << 20) },
      });
      expect(s.moved).toBe(2);
      expect(s.skipped['destination-full']).toBe(2);
      // The margin stops the run; no file failed.
      expect(s.failed).toEqual([]);
      expect(s.stopped).toMatch(/must keep [\d.]+ MiB free \(graduation\.freeSpaceMargin\)/);
      expect(readdirSync(flux)).toHaveLength(2);
      expect(readdirSync(space)).toHaveLength(2);
    } finally {
      store.close();
      rmSync(space, { recursive: true, force: true });
    }
  });

  it('stops at the free-space margin and says so', async () => {
    const { flux, db } = setup('margin');
    const space = join(disk.dir, 'margin');
    mkdirSync(space);
    writeFileSync(join(flux, 'x.bin'), Buffer.alloc(1 << 20, 1));
    old(join(flux, 'x.bin'));
    const store = openStore(db);
    try {
      const s = await graduate({
        db: store.db,
        runId: 1,
        srcRoot: flux,
        dstRoot: space,
        policy: { ...policy, freeSpaceMargin: 2 ** 40 },
      });
      expect(s.moved).toBe(0);
      expect(s.skipped['destination-full']).toBe(1);
      expect(s.failed).toEqual([]);
      // Sizes for people, the setting by name, and the free space now.
      expect(s.stopped).toMatch(
        /^\S+ has [\d.]+ [KMG]iB free and must keep 1\.0 TiB free \(graduation\.freeSpaceMargin\); the next file needs 1\.0 MiB/,
      );
      expect(existsSync(join(flux, 'x.bin'))).toBe(true);

      // A dry run lists every file it would move and says where the real run would stop.
      writeFileSync(join(flux, 'y.bin'), Buffer.alloc(1 << 20, 2));
      old(join(flux, 'y.bin'));
      const st = statfsSync(space);
      const dry = await graduate({
        db: store.db,
        runId: 2,
        srcRoot: flux,
        dstRoot: space,
        dryRun: true,
        policy: { ...policy, freeSpaceMargin: st.bavail * st.bsize - (1 << 20) - (512 << 10) },
      });
      expect(dry.files!.sort()).toEqual(['x.bin', 'y.bin']);
      expect(dry.examples.sort()).toEqual(['x.bin', 'y.bin']);
      expect(dry).toMatchObject({ eligible: 2, eligibleBytes: 2 << 20, moved: 0, failed: [] });
      expect(dry.stopped).toMatch(/^the real run would stop on the free-space margin after 1 file \(1\.0 MiB\): /);
      expect(readdirSync(flux).sort()).toEqual(['x.bin', 'y.bin']);
    } finally {
      store.close();
    }
  });

  it('a file appended to during its copy is left in place, and its copy removed', async () => {
    const { flux, space, db } = setup('append');
    writeFileSync(join(flux, 'growing.log'), 'line 1\n');
    writeFileSync(join(flux, 'steady.txt'), 'steady');
    old(join(flux, 'growing.log'));
    old(join(flux, 'steady.txt'));
    const store = openStore(db);
    try {
      const s = await graduate({
        db: store.db,
        runId: 1,
        srcRoot: flux,
        dstRoot: space,
        policy,
        onStep: (step, id) => {
          if (step === 'temp-written' && new Journal(store.db).get(id)!.srcs[0] === 'growing.log')
            appendFileSync(join(flux, 'growing.log'), 'line 2\n');
        },
      });
      expect(s.skipped['changed-during-copy']).toBe(1);
      expect(readFileSync(join(flux, 'growing.log'), 'utf8')).toBe('line 1\nline 2\n');
      expect(existsSync(join(space, 'growing.log'))).toBe(false);
      expect(readFileSync(join(space, 'steady.txt'), 'utf8')).toBe('steady');
      expect(tempFiles(space)).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('a file whose mode or xattrs change after its copy (a Finder tag) is left in place, and its copy removed', async () => {
    const { flux, space, db } = setup('tagged');
    for (const f of ['tagged.pdf', 'chmodded.sh', 'steady.txt']) {
      writeFileSync(join(flux, f), f);
      old(join(flux, f));
    }
    const store = openStore(db);
    try {
      const s = await graduate({
        db: store.db,
        runId: 1,
        srcRoot: flux,
        dstRoot: space,
        policy,
        onStep: (step, id) => {
          if (step !== 'copied') return;
          const src = new Journal(store.db).get(id)!.srcs[0]!;
          if (src === 'tagged.pdf')
            setAttributeSync(
              join(flux, src),
              'user.DosStream.com.apple.metadata:_kMDItemUserTags:$DATA',
              Buffer.from('Red'),
            );
          if (src === 'chmodded.sh') chmodSync(join(flux, src), 0o755);
        },
      });
      expect(s.skipped['changed-during-copy']).toBe(2);
      expect(
        getAttributeSync(
          join(flux, 'tagged.pdf'),
          'user.DosStream.com.apple.metadata:_kMDItemUserTags:$DATA',
        )?.toString(),
      ).toBe('Red');
      expect(lstatSync(join(flux, 'chmodded.sh')).mode & 0o777).toBe(0o755);
      expect(readdirSync(space)).toEqual(['steady.txt']);
      expect(tempFiles(space)).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('a name already in space: identical content removes the source, different content keeps both', async () => {
    const { flux, space, db } = setup('conflict');
    writeFileSync(join(flux, 'same.txt'), 'same');
    writeFileSync(join(space, 'same.txt'), 'same');
    writeFileSync(join(flux, 'report.pdf'), 'new version');
    writeFileSync(join(space, 'report.pdf'), 'archived version');
    writeFileSync(join(space, 'report (graduated).pdf'), 'an earlier conflict');
    // The same in folders: one that space has (names inside are looked at), one it has not (nothing inside can be taken).
    mkdirSync(join(flux, 'Photos', '2019'), { recursive: true });
    mkdirSync(join(space, 'Photos', '2019'), { recursive: true });
    writeFileSync(join(flux, 'Photos', '2019', 'same.jpg'), 'jpeg');
    writeFileSync(join(space, 'Photos', '2019', 'same.jpg'), 'jpeg');
    writeFileSync(join(flux, 'Photos', '2019', 'taken.jpg'), 'mine');
    writeFileSync(join(space, 'Photos', '2019', 'taken.jpg'), 'theirs');
    mkdirSync(join(flux, 'New'));
    writeFileSync(join(flux, 'New', 'fresh.txt'), 'fresh');
    for (const f of ['same.txt', 'report.pdf', 'Photos/2019/same.jpg', 'Photos/2019/taken.jpg', 'New/fresh.txt'])
      old(join(flux, f));
    const store = openStore(db);
    try {
      const s = await graduate({ db: store.db, runId: 1, srcRoot: flux, dstRoot: space, policy });
      expect(s.failed).toEqual([]);
      expect(existsSync(join(flux, 'same.txt'))).toBe(false);
      expect(readFileSync(join(space, 'same.txt'), 'utf8')).toBe('same');
      expect(existsSync(join(flux, 'report.pdf'))).toBe(false);
      expect(readFileSync(join(space, 'report.pdf'), 'utf8')).toBe('archived version');
      expect(readFileSync(join(space, 'report (graduated).pdf'), 'utf8')).toBe('an earlier conflict');
      expect(readFileSync(join(space, 'report (graduated 2).pdf'), 'utf8')).toBe('new version');
      expect(existsSync(join(flux, 'Photos', '2019', 'same.jpg'))).toBe(false);
      expect(readdirSync(join(space, 'Photos', '2019')).sort()).toEqual([
        'same.jpg',
        'taken (graduated).jpg',
        'taken.jpg',
      ]);
      expect(readFileSync(join(space, 'Photos', '2019', 'taken (graduated).jpg'), 'utf8')).toBe('mine');
      expect(readFileSync(join(space, 'New', 'fresh.txt'), 'utf8')).toBe('fresh');
      expect(s.moved).toBe(5);
    } finally {
      store.close();
    }
  });

  it('undo brings back both: a moved file is moved back, an already-archived one is copied back and the archive keeps its own', async () => {
    const { flux, space, db } = setup('undo-dup');
    writeFileSync(join(flux, 'same.txt'), 'same');
    writeFileSync(join(space, 'same.txt'), 'same');
    writeFileSync(join(flux, 'moved.txt'), 'moved');
    // Whole seconds: the archive's copy below gets its times through Node's utimes, which keeps only milliseconds.
    const t = Math.floor((Date.now() - 40 * 86400e3) / 1000);
    for (const f of ['same.txt', 'moved.txt']) utimesSync(join(flux, f), t, t);
    // As an earlier graduation would have left it: the same bytes and times. The copy back takes the
    // archive's metadata (the flux file's own was not kept when it was dropped as a duplicate).
    utimesSync(
      join(space, 'same.txt'),
      lstatSync(join(flux, 'same.txt')).atime,
      lstatSync(join(flux, 'same.txt')).mtime,
    );
    const before = snapshot(flux);
    const store = openStore(db);
    try {
      const s = await graduate({ db: store.db, runId: 1, srcRoot: flux, dstRoot: space, policy });
      expect(s.moved).toBe(2);
      expect(existsSync(join(flux, 'same.txt'))).toBe(false);
      const u = await undoRun({ db: store.db, undoRunId: 1, runId: 2 });
      expect(u.failed).toEqual([]);
      expect(u.moved).toBe(2);
      // Every file back in flux as it was, times to the nanosecond.
      expect(assertExactlyOnce(before, snapshot(flux), new Map())).toEqual([]);
      expect([...snapshot(flux).keys()].sort()).toEqual([...before.keys()].sort());
      expect(readFileSync(join(space, 'same.txt'), 'utf8')).toBe('same');
      expect(existsSync(join(space, 'moved.txt'))).toBe(false);
      // Done once: a second undo finds nothing left to restore.
      expect((await undoRun({ db: store.db, undoRunId: 1, runId: 3 })).moved).toBe(0);
    } finally {
      store.close();
    }
  });

  it("recovery completes an interrupted copy-back without removing the archive's own file", async () => {
    const { flux, space, db } = setup('recover-keep');
    writeFileSync(join(space, 'kept.txt'), 'kept');
    linkSync(join(space, 'kept.txt'), join(flux, 'kept.txt'));
    const st = lstatSync(join(space, 'kept.txt'));
    const store = openStore(db);
    try {
      const journal = new Journal(store.db);
      // As a crash would leave it: named in flux and synced (linked), the archive's file not to be touched.
      const id = journal.begin({
        runId: 2,
        kind: 'file',
        srcRoot: space,
        dstRoot: flux,
        srcs: ['kept.txt'],
        dsts: ['kept.txt'],
        tmp: '.fts-grad-2-1',
        size: st.size,
        mtimeMs: st.mtimeMs,
        srcIno: st.ino,
        state: 'copying',
        keepSource: true,
      });
      journal.set(id, 'linked', { tmpIno: st.ino, hash: 'x' });
      expect(await recoverJournal(journal)).toMatchObject({ completed: 1, rolledBack: 0 });
      expect(journal.get(id)?.state).toBe('done');
      expect(readFileSync(join(space, 'kept.txt'), 'utf8')).toBe('kept');
      expect(readFileSync(join(flux, 'kept.txt'), 'utf8')).toBe('kept');
    } finally {
      store.close();
    }
  });

  it('never takes a name of a batch still in flight as proof that a file is archived', async () => {
    const { flux, space, db } = setup('inflight');
    // `x (graduated).txt` in space is the previous batch's copy, named but not finished: it may yet be undone.
    writeFileSync(join(space, 'x (graduated).txt'), 'same bytes');
    writeFileSync(join(flux, 'x (graduated).txt'), 'same bytes');
    const st = lstatSync(join(flux, 'x (graduated).txt'));
    const store = openStore(db);
    try {
      const ctx = openMoverContext({
        journal: new Journal(store.db),
        runId: 1,
        srcRoot: flux,
        dstRoot: space,
        freeSpaceMargin: 0,
        run: { inFlight: new Set(['x (graduated).txt']) },
      });
      await moveBatch(ctx, [{ kind: 'file', srcs: ['x (graduated).txt'], stat: st }]).finally(() =>
        closeMoverContext(ctx),
      );
      expect(ctx.run.stats.failed).toEqual([]);
      // Copied under a name of its own, not dropped as a duplicate.
      expect(new Journal(store.db).ofRun(1).map((r) => r.state)).toEqual(['done']);
      expect(readdirSync(space).sort()).toEqual(['x (graduated) (graduated).txt', 'x (graduated).txt']);
      expect(ctx.run.inFlight).toEqual(new Set(['x (graduated).txt']));
    } finally {
      store.close();
    }
  });

  it('skips files Samba has open', async () => {
    const { flux, space, db } = setup('open');
    writeFileSync(join(flux, 'open.docx'), 'busy');
    writeFileSync(join(flux, 'closed.docx'), 'idle');
    old(join(flux, 'open.docx'));
    old(join(flux, 'closed.docx'));
    const store = openStore(db);
    try {
      const s = await graduate({
        db: store.db,
        runId: 1,
        srcRoot: flux,
        dstRoot: space,
        policy,
        openFiles: async () => new Set([join(flux, 'open.docx')]),
      });
      expect(s.skipped.open).toBe(1);
      expect(existsSync(join(flux, 'open.docx'))).toBe(true);
      expect(existsSync(join(space, 'closed.docx'))).toBe(true);
    } finally {
      store.close();
    }
  });
});

describe('a file opened during the run', () => {
  it("keeps its place: the open files are read again before its batch's sources go, and its copy is removed", async () => {
    const { flux, space, db } = setup('opened-later');
    for (const f of ['opened.docx', 'idle.docx']) {
      writeFileSync(join(flux, f), f);
      old(join(flux, f));
    }
    let reads = 0;
    const openFiles = async () => (++reads === 1 ? new Set<string>() : new Set([join(flux, 'opened.docx')]));
    const store = openStore(db);
    try {
      const s = await graduate({
        db: store.db,
        runId: 1,
        srcRoot: flux,
        dstRoot: space,
        policy,
        openFiles,
        openFilesMaxAgeMs: 0,
      });
      expect(reads).toBeGreaterThanOrEqual(2);
      expect(s.failed).toEqual([]);
      expect(s.skipped.open).toBe(1);
      expect(s.moved).toBe(1);
      expect(readdirSync(flux)).toEqual(['opened.docx']);
      expect(readdirSync(space)).toEqual(['idle.docx']);
      expect(new Journal(store.db).unfinished()).toEqual([]);
    } finally {
      store.close();
    }
  });
});

describe('a batch of many small files (through the copy pool)', () => {
  it('moves 300 files with every byte exactly once', async () => {
    const { flux, space, db } = setup('many');
    for (let i = 0; i < 300; i++) {
      const dir = join(flux, `d${i % 7}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `f ${i}.txt`), Buffer.alloc(i * 13, i % 251));
      old(join(dir, `f ${i}.txt`));
    }
    const before = snapshot(flux);
    const store = openStore(db);
    try {
      const s = await graduate({ db: store.db, runId: 1, srcRoot: flux, dstRoot: space, policy });
      expect(s).toMatchObject({ moved: 300, failed: [] });
      expect(assertExactlyOnce(before, snapshot(flux), snapshot(space))).toEqual([]);
    } finally {
      store.close();
    }
  });
});

/** A mover context on one store, as graduate.ts builds it (no copy pool). */
function moverContext(
  journal: Journal,
  flux: string,
  space: string,
  extra: { syncs?: MoveSettings['syncs']; onStep?: (s: MoveStep, id: number) => void } = {},
): MoverContext {
  // Left open until the test file ends (a handful of fds); the staging folder stays, since tests read space.
  const ctx = openMoverContext({
    journal,
    runId: 1,
    srcRoot: flux,
    dstRoot: space,
    freeSpaceMargin: 0,
    hooks: { onStep: extra.onStep },
  });
  if (extra.syncs) ctx.settings.syncs = extra.syncs;
  return ctx;
}

describe('what a review found', () => {
  it('the same bytes with other xattrs (a resource fork), mode or owner are not a duplicate: both are kept', async () => {
    const { flux, space, db } = setup('dup-meta');
    for (const name of ['fork.txt', 'mode.txt', 'owner.txt', 'same.txt']) {
      for (const root of [flux, space]) {
        writeFileSync(join(root, name), 'identical bytes');
        chmodSync(join(root, name), 0o644);
        setAttributeSync(join(root, name), 'user.DOSATTRIB', Buffer.from('0x20'));
      }
      old(join(flux, name));
    }
    setAttributeSync(join(flux, 'fork.txt'), 'user.DosStream.AFP_Resource:$DATA', Buffer.from('resource fork'));
    chmodSync(join(flux, 'mode.txt'), 0o600);
    spawnSync('chown', ['1234:1234', join(flux, 'owner.txt')]);
    const store = openStore(db);
    try {
      const s = await graduate({ db: store.db, runId: 1, srcRoot: flux, dstRoot: space, policy });
      expect(s.failed).toEqual([]);
      expect(readdirSync(flux)).toEqual([]);
      expect(readdirSync(space).sort()).toEqual([
        'fork (graduated).txt',
        'fork.txt',
        'mode (graduated).txt',
        'mode.txt',
        'owner (graduated).txt',
        'owner.txt',
        'same.txt',
      ]);
      expect(
        getAttributeSync(join(space, 'fork (graduated).txt'), 'user.DosStream.AFP_Resource:$DATA')?.toString(),
      ).toBe('resource fork');
      expect(lstatSync(join(space, 'mode (graduated).txt')).mode & 0o777).toBe(0o600);
      expect(lstatSync(join(space, 'owner (graduated).txt')).uid).toBe(1234);
    } finally {
      store.close();
    }
  });

  it("a `._name` companion follows its file to a suffixed name, never onto the other file's", async () => {
    const { flux, space, db } = setup('companion-suffix');
    writeFileSync(join(space, 'report.pages'), 'archived version');
    writeFileSync(join(flux, 'report.pages'), 'new version');
    writeFileSync(join(flux, '._report.pages'), "new version's AppleDouble");
    for (const f of readdirSync(flux)) old(join(flux, f));
    const store = openStore(db);
    try {
      const s = await graduate({ db: store.db, runId: 1, srcRoot: flux, dstRoot: space, policy });
      expect(s.failed).toEqual([]);
      expect(readdirSync(flux)).toEqual([]);
      expect(readdirSync(space).sort()).toEqual([
        '._report (graduated).pages',
        'report (graduated).pages',
        'report.pages',
      ]);
      expect(readFileSync(join(space, '._report (graduated).pages'), 'utf8')).toBe("new version's AppleDouble");
    } finally {
      store.close();
    }
  });

  it('a source that cannot be removed (immutable) fails alone, keeps no copy in space, and the next run does the same', async () => {
    const { flux, space, db } = setup('immutable');
    for (let i = 0; i < 5; i++) writeFileSync(join(flux, `f${i}.txt`), `file ${i}`);
    writeFileSync(join(flux, 'locked.txt'), 'locked');
    // Already archived with the same bytes and metadata: the duplicate path meets the same refusal.
    writeFileSync(join(flux, 'locked-dup.txt'), 'dup');
    writeFileSync(join(space, 'locked-dup.txt'), 'dup');
    for (const f of readdirSync(flux)) old(join(flux, f));
    const lock = (flag: string) => {
      const r = spawnSync('chattr', [flag, join(flux, 'locked.txt'), join(flux, 'locked-dup.txt')], {
        encoding: 'utf8',
      });
      expect(r.status, `chattr ${flag} (e2fsprogs, on ext4): ${r.stderr}`).toBe(0);
    };
    lock('+i');
    const store = openStore(db);
    try {
      for (const runId of [1, 2]) {
        const s = await graduate({ db: store.db, runId, srcRoot: flux, dstRoot: space, policy });
        expect(s.failed.map((f) => f.path).sort()).toEqual(['locked-dup.txt', 'locked.txt']);
        expect(s.failed.every((f) => /EPERM|not permitted/.test(f.error))).toBe(true);
        expect(s.moved).toBe(runId === 1 ? 5 : 0);
        expect(readdirSync(flux).sort()).toEqual(['locked-dup.txt', 'locked.txt']);
        expect(readdirSync(space).sort()).toEqual(['f0.txt', 'f1.txt', 'f2.txt', 'f3.txt', 'f4.txt', 'locked-dup.txt']);
        expect(new Journal(store.db).unfinished()).toEqual([]);
      }
    } finally {
      lock('-i');
      store.close();
    }
  });

  it('a batch whose sync fails keeps its names from the batch planned meanwhile, which would take one as archived', async () => {
    const { flux, space, db } = setup('inflight-fail');
    writeFileSync(join(flux, 'a.txt'), 'the only data');
    writeFileSync(join(space, 'a.txt'), 'something else');
    // Literally the name the first copy gets, with the same bytes.
    writeFileSync(join(flux, 'a (graduated).txt'), 'the only data');
    const before = snapshot(flux);
    const store = openStore(db);
    try {
      const journal = new Journal(store.db);
      const failing = { sync: async () => Promise.reject(Object.assign(new Error('EIO: syncfs'), { code: 'EIO' })) };
      const ctx = moverContext(journal, flux, space, {
        syncs: {
          src: { sync: async () => {}, close() {} },
          dst: { ...failing, close() {} },
        } as unknown as MoveSettings['syncs'],
      });
      const item = (rel: string) => ({ kind: 'file' as const, srcs: [rel], stat: lstatSync(join(flux, rel)) });
      // As graduate.ts pipelines: batch 1 finishes (and fails) while batch 2 is planned.
      const finishing = finishBatch(ctx, await prepareBatch(ctx, [item('a.txt')]));
      finishing.catch(() => {});
      await new Promise((r) => setTimeout(r, 20));
      await prepareBatch(ctx, [item('a (graduated).txt')]);
      await expect(finishing).rejects.toThrow(/EIO/);
      await recoverJournal(journal);
      expect(assertExactlyOnce(before, snapshot(flux), snapshot(space, { ignore: (r) => r === 'a.txt' }))).toEqual([]);
      expect(tempFiles(space)).toEqual([]);
    } finally {
      store.close();
    }
  });

  it.each(['copied', 'linked-name'] as const)(
    'recovery keeps a copy whose source is gone since a crash at %s, under its own name (the user saw it in space and removed the original)',
    async (at) => {
      const { flux, space, db } = setup(`copied-gone-${at}`);
      writeFileSync(join(flux, 'only.txt'), 'precious');
      const store = openStore(db);
      try {
        const journal = new Journal(store.db);
        const crash = (s: MoveStep) => {
          if (s === at) throw new Error(`crash at ${at}`);
        };
        const ctx = moverContext(journal, flux, space, { onStep: crash });
        await expect(
          moveBatch(ctx, [{ kind: 'file', srcs: ['only.txt'], stat: lstatSync(join(flux, 'only.txt')) }]),
        ).rejects.toThrow(/crash/);
        expect(journal.unfinished().map((e) => e.state)).toEqual(['copied']);
        rmSync(join(flux, 'only.txt'));
        await recoverJournal(journal);
        expect(readdirSync(space)).toEqual(['only.txt']);
        expect(readFileSync(join(space, 'only.txt'), 'utf8')).toBe('precious');
        expect(journal.ofRun(1).map((e) => e.state)).toEqual(['failed']);
      } finally {
        store.close();
      }
    },
  );

  it("recovery completes a hard-link group cut off between its unlinks (each unlink moved the inode's ctime)", async () => {
    const { flux, space, db } = setup('group-cut');
    writeFileSync(join(flux, 'one.txt'), 'linked');
    linkSync(join(flux, 'one.txt'), join(flux, 'two.txt'));
    linkSync(join(flux, 'one.txt'), join(flux, 'three.txt'));
    const before = snapshot(flux);
    const store = openStore(db);
    try {
      const journal = new Journal(store.db);
      const crash = (s: MoveStep) => {
        if (s === 'linked') throw new Error('crash before the unlinks');
      };
      const ctx = moverContext(journal, flux, space, { onStep: crash });
      await expect(
        moveBatch(ctx, [
          { kind: 'file', srcs: ['one.txt', 'two.txt', 'three.txt'], stat: lstatSync(join(flux, 'one.txt')) },
        ]),
      ).rejects.toThrow(/crash/);
      rmSync(join(flux, 'one.txt')); // the first unlink of the group, then the crash
      await new Promise((r) => setTimeout(r, 20));
      expect((await recoverJournal(journal)).completed).toBe(1);
      expect(readdirSync(flux)).toEqual([]);
      expect(assertExactlyOnce(before, snapshot(flux), snapshot(space))).toEqual([]);
      expect(lstatSync(join(space, 'two.txt')).nlink).toBe(3);
    } finally {
      store.close();
    }
  });
});
