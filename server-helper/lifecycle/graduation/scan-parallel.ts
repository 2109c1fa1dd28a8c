/**
 * The parallel scan: worker threads read directories (synchronous readdir + lstat each) while the main
 * thread hands out folders and consumes results. Several directories are read at once, so a cold disk gets
 * queued requests and a warm cache gets every core. Output is bounded: no folder is handed out while more
 * than `highWater` entries wait for the consumer, so a million-file tree is never held in memory.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { globToRegExp, normalizeIncludes } from './policy.js';
import type { ScanEntry, SkipCounter } from './scan.js';

/** The stat fields a scan entry carries (what the mover needs). */
export type ScanStat = Pick<ScanEntry['stat'], 'dev' | 'ino' | 'mode' | 'nlink' | 'uid' | 'gid' | 'size' | 'blocks' | 'atimeMs' | 'mtimeMs'>;

interface WorkerResult {
  files: { rel: string; kind: 'file' | 'symlink'; stat: ScanStat; companion: string | null }[];
  dirs: string[];
  skips: Record<string, number>;
}

/** Options of a parallel walk. */
export interface ParallelWalkOptions {
  exclude: readonly string[];
  include: readonly string[];
  skip: SkipCounter;
  workers?: number;
  /** Most entries waiting for the consumer before folders stop being handed out. */
  highWater?: number;
}

/** Walks root with worker threads; yields batches of files and symlinks (symlinks never followed). */
export async function* walkParallel(root: string, opts: ParallelWalkOptions): AsyncGenerator<ScanEntry[]> {
  const exactExcludes = opts.exclude.filter((g) => !/[*?]/.test(g));
  const excludePatterns = opts.exclude.filter((g) => /[*?]/.test(g)).map((g) => globToRegExp(g).source);
  const include = normalizeIncludes(opts.include);
  const n = Math.max(1, opts.workers ?? Math.min(4, Math.max(2, availableParallelism())));
  const highWater = opts.highWater ?? 20_000;
  const workers = Array.from({ length: n }, () => new Worker(new URL('./scan-worker.mjs', import.meta.url), { workerData: { root, exactExcludes, excludePatterns, include } }));
  const queue: string[] = [''];
  const idle = [...workers];
  let busy = 0;
  let out: ScanEntry[] = [];
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const dispatch = () => {
    while (idle.length > 0 && queue.length > 0 && out.length < highWater) {
      const w = idle.pop()!;
      // Small folders go several at a time so a message carries real work.
      const take = Math.max(1, Math.min(16, Math.floor(queue.length / (idle.length + 1))));
      w.postMessage(queue.splice(queue.length - take, take));
      busy++;
    }
  };
  for (const w of workers) {
    w.on('message', (r: WorkerResult) => {
      busy--;
      idle.push(w);
      for (const d of r.dirs) queue.push(d);
      for (const [k, v] of Object.entries(r.skips)) opts.skip(k, v);
      for (const f of r.files) out.push(f as unknown as ScanEntry);
      dispatch();
      notify();
    });
    w.on('error', (err) => {
      failure = err;
      notify();
    });
  }
  try {
    dispatch();
    for (;;) {
      if (failure) throw failure;
      if (out.length > 0) {
        const batch = out;
        out = [];
        dispatch();
        yield batch;
        continue;
      }
      if (busy === 0 && queue.length === 0) return;
      await new Promise<void>((r) => (wake = r));
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
