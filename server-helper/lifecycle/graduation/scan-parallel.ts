/**
 * The parallel scan: worker threads read directories (scan-dir.mjs: one native readDir each) while the main
 * thread hands out folders and consumes results (and reads the first few itself while its first worker starts). Several directories are read at once, so a cold disk gets
 * queued requests and a warm cache gets every core. Output is bounded: no folder is handed out while more
 * than `highWater` entries wait for the consumer, so a million-file tree is never held in memory.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { EntryStat, RootDir } from '../../system/root-dir.js';
import { normalizeIncludes } from './policy.js';
import { entriesOf, type ScanEntry, type SkipCounter } from './scan.js';
import { createDirReader, type DirReadResult } from './scan-dir.mjs';

/** The stat fields a scan entry carries (what the mover needs). */
export type ScanStat = Omit<EntryStat, 'ctimeMs'>;

/** Consumer's wait on unread folders, in total, after which more workers start. */
const GROW_AFTER_MS = 20;

/** Options of a parallel walk. */
export interface ParallelWalkOptions {
  exclude: readonly string[];
  include: readonly string[];
  skip: SkipCounter;
  /** Most worker threads: one starts, and the rest once the consumer has waited on folders none was free to read. */
  workers?: number;
  /** Most entries waiting for the consumer before folders stop being handed out. */
  highWater?: number;
  /** When set, only files at least this old (by mtime, against `now`) are yielded; younger ones are counted by onTooNew. */
  minAgeMs?: number;
  now?: number;
  onTooNew?: (n: number) => void;
}

/** Walks root (beneath its fd) with worker threads; yields batches of files and symlinks (symlinks never followed, other mounts never entered). */
export async function* walkParallel(root: RootDir, opts: ParallelWalkOptions): AsyncGenerator<ScanEntry[]> {
  const include = normalizeIncludes(opts.include);
  // Up to at least four: on a cold cache the walk waits on the disk, and four reads in flight beat two even on two cores.
  const n = Math.max(1, opts.workers ?? Math.max(4, Math.min(8, availableParallelism())));
  const highWater = opts.highWater ?? 20_000;
  const config = {
    rootFd: root.fd,
    rootDev: root.dev,
    exclude: [...opts.exclude],
    include,
    now: opts.now ?? Date.now(),
    minAgeMs: opts.minAgeMs ?? null,
  };
  const workers: Worker[] = [];
  const queue: string[] = [''];
  const idle: Worker[] = [];
  let busy = 0;
  let starting = 0;
  let out: ScanEntry[] = [];
  let failure: Error | null = null;
  let done = false;
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
  const absorb = (r: DirReadResult) => {
    for (const d of r.dirs) queue.push(d);
    for (const [k, v] of Object.entries(r.skips)) opts.skip(k, v);
    if (r.tooNew > 0) opts.onTooNew?.(r.tooNew);
    entriesOf(r.names, r.nums, r.count, out);
  };
  const startWorker = () => {
    const w = new Worker(new URL('./scan-worker.mjs', import.meta.url), { execArgv: [], workerData: config });
    workers.push(w);
    starting++;
    w.once('online', () => {
      starting--;
      idle.push(w);
      dispatch();
      notify();
    });
    w.on('message', (r: DirReadResult) => {
      busy--;
      idle.push(w);
      absorb(r);
      dispatch();
      notify();
    });
    w.on('error', (err) => {
      failure = err;
      notify();
    });
    // A worker that ends on its own (not by the terminate below) would leave its folders unanswered forever.
    w.on('exit', (code) => {
      if (done) return;
      failure ??= new Error(`a scan worker exited (code ${code})`);
      notify();
    });
  };
  // One worker to begin with: a thread costs ~100 ms of CPU to start, more than reading 20,000 entries.
  // The rest (up to n) start once the consumer has waited GROW_AFTER_MS on folders that no worker was free
  // to read: a big or cold tree gets them within its first folders; a small tree, or a consumer busy moving
  // what it was given, never does.
  let waited = 0;
  let readHere: ((relDirs: string[]) => DirReadResult) | null = null;
  const grow = () => {
    if (starting > 0 || queue.length === 0 || workers.length >= n) return;
    while (workers.length < n) startWorker();
  };
  startWorker();
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
      // No worker is up yet (the first takes ~80 ms to start): read a few folders here rather than wait, and
      // let the event loop run after each read so the worker's 'online' is seen as soon as it comes.
      if (workers.length === starting && queue.length > 0) {
        absorb((readHere ??= createDirReader(config))(queue.splice(queue.length - Math.min(4, queue.length))));
        await new Promise<void>((r) => setImmediate(r));
        continue;
      }
      const unread = queue.length > 0;
      const since = performance.now();
      await new Promise<void>((r) => (wake = r));
      if (unread) {
        waited += performance.now() - since;
        if (waited >= GROW_AFTER_MS) {
          waited = 0;
          grow();
        }
      }
    }
  } finally {
    done = true;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
