/** The small-file copy pool: results per file, a changed source, a stop flag, and an abort in a real run. */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getAttributeSync, setAttributeSync } from '@napi-rs/xattr';
import { afterAll, describe, expect, it } from 'vitest';
import { CopyPool, type CopyJob, type CopyResult } from '../../server-helper/lifecycle/graduation/copy-pool.js';
import { graduate } from '../../server-helper/lifecycle/graduation/graduate.js';
import { Journal } from '../../server-helper/lifecycle/graduation/journal.js';
import { openStore } from '../../server-helper/store/index.js';
import { RootDir } from '../../server-helper/system/root-dir.js';
import { assertExactlyOnce, fluxAndSpace, snapshot, tempDir, tempFiles } from './helpers.js';

const DAY = 86400e3;
const POLICY = { minAgeMs: DAY, exclude: [], include: [], freeSpaceMargin: 0 };
const made: string[] = [];
const roots: RootDir[] = [];
afterAll(() => {
  for (const r of roots) r.close();
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** n source files in a temp folder, and jobs copying each to out/ (paths relative to that folder, which is both roots). */
function sources(n: number): {
  dir: string;
  out: string;
  jobs: CopyJob[];
  root: RootDir;
  abs: (rel: string) => string;
} {
  const dir = tempDir('pool');
  made.push(dir);
  const out = join(dir, 'out');
  mkdirSync(out);
  const jobs: CopyJob[] = [];
  for (let i = 0; i < n; i++) {
    const src = join(dir, `f${i}`);
    writeFileSync(src, `content of file ${i}\n`.repeat(i % 7));
    setAttributeSync(src, 'user.DosStream.AFP_AfpInfo:$DATA', Buffer.from(`info ${i}`));
    const st = lstatSync(src);
    jobs.push({ i, src: `f${i}`, tmp: `out/.fts-grad-test-${i}`, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
  }
  const root = new RootDir(dir);
  roots.push(root);
  return { dir, out, jobs, root, abs: (rel) => join(dir, rel) };
}

describe('copy pool', () => {
  it('copies every file once, with the hash of what was read, its inode, and its xattrs', async () => {
    const { jobs, root, abs } = sources(150);
    const pool = new CopyPool(root, root, 3);
    const results: CopyResult[] = [];
    try {
      await pool.copyAll(jobs, (r) => results.push(r));
    } finally {
      await pool.close();
    }
    expect(results.map((r) => r.i).sort((a, b) => a - b)).toEqual(jobs.map((j) => j.i));
    for (const r of results) {
      const job = jobs[r.i]!;
      expect(r.outcome, job.src).toBe('copied');
      if (r.outcome !== 'copied') continue;
      const [src, tmp] = [abs(job.src), abs(job.tmp)];
      expect(r.hash).toBe(createHash('sha256').update(readFileSync(src)).digest('hex'));
      expect(readFileSync(tmp)).toEqual(readFileSync(src));
      expect(r.tmpIno).toBe(lstatSync(tmp).ino);
      expect(getAttributeSync(tmp, 'user.DosStream.AFP_AfpInfo:$DATA')?.toString()).toBe(`info ${r.i}`);
      // To the nanosecond.
      expect(lstatSync(tmp, { bigint: true }).mtimeNs).toBe(lstatSync(src, { bigint: true }).mtimeNs);
    }
  });

  it('reports a source that changed since the scan as changed, and leaves no temp file', async () => {
    const { jobs, root, abs } = sources(3);
    jobs[1] = { ...jobs[1]!, mtimeMs: jobs[1]!.mtimeMs - 1000 };
    const pool = new CopyPool(root, root, 2);
    const results: CopyResult[] = [];
    try {
      await pool.copyAll(jobs, (r) => results.push(r));
    } finally {
      await pool.close();
    }
    const changed = results.find((r) => r.i === 1)!;
    expect(changed.outcome).toBe('changed');
    expect(existsSync(abs(jobs[1]!.tmp))).toBe(false);
    expect(results.filter((r) => r.outcome === 'copied')).toHaveLength(2);
  });

  it('stops between files once stopped, and starts afresh on the next call', async () => {
    const { jobs, root, abs } = sources(400);
    const pool = new CopyPool(root, root, 2);
    const results: CopyResult[] = [];
    try {
      await pool.copyAll(jobs, (r) => {
        results.push(r);
        pool.stop();
      });
      const stopped = results.filter((r) => r.outcome === 'stopped');
      expect(stopped.length).toBeGreaterThan(0);
      for (const r of stopped) expect(existsSync(abs(jobs[r.i]!.tmp))).toBe(false);
      const again: CopyResult[] = [];
      await pool.copyAll(
        stopped.map((r) => jobs[r.i]!),
        (r) => again.push(r),
      );
      expect(again.every((r) => r.outcome === 'copied')).toBe(true);
    } finally {
      await pool.close();
    }
  });
});

describe('graduation runs through the pool', () => {
  it('an abort stops the copies in flight and loses nothing', async () => {
    const { base, flux, space } = fluxAndSpace('abort');
    made.push(base);
    for (let d = 0; d < 10; d++) {
      mkdirSync(join(flux, `d${d}`));
      for (let i = 0; i < 100; i++) {
        const p = join(flux, `d${d}`, `f${i}.txt`);
        writeFileSync(p, `${d}/${i}\n`.repeat(50));
        utimesSync(p, (Date.now() - 40 * DAY) / 1000, (Date.now() - 40 * DAY) / 1000);
      }
    }
    const before = snapshot(flux);
    const store = openStore(':memory:');
    const ac = new AbortController();
    let written = 0;
    try {
      const s = await graduate({
        db: store.db,
        runId: 1,
        srcRoot: flux,
        dstRoot: space,
        policy: POLICY,
        signal: ac.signal,
        onStep: (step) => {
          if (step === 'temp-written' && ++written === 20) ac.abort();
        },
      });
      expect(s.failed).toEqual([]);
      // What was copied before the abort is finished; the rest was never tried and stays.
      expect(s.moved).toBeGreaterThanOrEqual(20);
      expect(s.moved).toBeLessThan(1000);
      expect(assertExactlyOnce(before, snapshot(flux), snapshot(space))).toEqual([]);
      expect(tempFiles(space)).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('gives a copy a suffixed name when its name is taken between copy and naming, through the pool', async () => {
    const { base, flux, space } = fluxAndSpace('taken');
    made.push(base);
    for (let i = 0; i < 100; i++) {
      writeFileSync(join(flux, `f${i}.txt`), `file ${i}`);
      utimesSync(join(flux, `f${i}.txt`), (Date.now() - 40 * DAY) / 1000, (Date.now() - 40 * DAY) / 1000);
    }
    const before = snapshot(flux);
    const store = openStore(':memory:');
    const journal = new Journal(store.db);
    const squatted: string[] = [];
    try {
      const s = await graduate({
        db: store.db,
        runId: 1,
        srcRoot: flux,
        dstRoot: space,
        policy: POLICY,
        onStep: (step, id) => {
          if (step !== 'temp-written' || squatted.length >= 3) return;
          const rel = journal.get(id)!.dsts[0]!;
          writeFileSync(join(space, rel), 'a file someone else put there');
          squatted.push(rel);
        },
      });
      expect(s.failed).toEqual([]);
      expect(s.moved).toBe(100);
      for (const rel of squatted) {
        expect(readFileSync(join(space, rel), 'utf8')).toBe('a file someone else put there');
        const suffixed = rel.replace(/\.txt$/, ' (graduated).txt');
        expect(readFileSync(join(space, suffixed), 'utf8')).toBe(`file ${rel.slice(1, -4)}`);
        rmSync(join(space, rel));
        renameSync(join(space, suffixed), join(space, rel));
      }
      expect(assertExactlyOnce(before, snapshot(flux), snapshot(space))).toEqual([]);
      expect(tempFiles(space)).toEqual([]);
    } finally {
      store.close();
    }
  });
});
