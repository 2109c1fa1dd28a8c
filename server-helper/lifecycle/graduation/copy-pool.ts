/**
 * Small-file copies off the main thread. A small file's copy is a dozen system calls; one thread making them
 * one after another leaves the other cores (and the disk's queue) idle. So a batch's copies go, 32 files at a
 * time, to fts-native's copyBatch on libuv's thread pool: each chunk asks for all its files' data at once,
 * then copies them with the same promises as copyFile. Results come back per file, in any order; the mover
 * journals them as before. (Worker threads did this before: each cost ~100 ms of CPU to start, more than
 * copying 5,000 files, and every job and result was cloned between threads.)
 */
import { copyBatchAt, type CopyBatchResult } from '../../native/index.mjs';
import type { RootDir } from '../../system/root-dir.js';
import { mayChown } from './copy-core.mjs';

/** One file to copy: the mover's index, its paths (relative to the pool's roots), and the stamp the scan saw. */
export interface CopyJob {
  i: number;
  src: string;
  tmp: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

/** What became of one job. `stopped`: not tried (abort, or the destination filled up). */
export type CopyResult =
  | { i: number; outcome: 'copied'; hash: string; tmpIno: number; srcCtimeMs: number }
  | { i: number; outcome: 'changed' | 'failed'; message: string; code?: string; syscall?: string; path?: string }
  | { i: number; outcome: 'stopped' };

/** A stream of copies (CopyPool.open). */
export interface CopySession {
  /** Queues more jobs; each answers once through the stream's onResult. */
  add(jobs: readonly CopyJob[]): void;
  /** No more jobs: resolves when every job added has answered; rejects when a chunk failed as a whole. */
  end(): Promise<void>;
}

/** Files per chunk: enough to put many reads in the disk's queue at once, few enough to spread over threads. */
const CHUNK = 32;

/** What copyBatch's outcome numbers mean (fts_native.c). */
const OUTCOMES = ['copied', 'changed', 'failed', 'stopped'] as const;

/** Answers of one chunk, as the mover takes them. */
function resultsOf(jobs: readonly CopyJob[], r: CopyBatchResult): CopyResult[] {
  return jobs.map((job, k): CopyResult => {
    const outcome = OUTCOMES[r.outcomes[k]!]!;
    if (outcome === 'copied')
      return {
        i: job.i,
        outcome,
        hash: r.hashes.slice(64 * k, 64 * k + 64),
        tmpIno: r.numbers[2 * k]!,
        srcCtimeMs: r.numbers[2 * k + 1]!,
      };
    if (outcome === 'stopped') return { i: job.i, outcome };
    const err = r.errors[k]! as NodeJS.ErrnoException;
    return { i: job.i, outcome, message: err.message, code: err.code, syscall: err.syscall, path: err.path };
  });
}

/** Copies for one run from one root to another: at most `parallel` chunks at once on libuv's pool. */
export class CopyPool {
  private readonly stopFlag = new Int32Array(new SharedArrayBuffer(4));
  private closed = false;

  /** `parallel`: chunks in flight at once (libuv runs four at a time by default; renames and syncs share them). */
  constructor(
    private readonly srcRoot: Pick<RootDir, 'fd'>,
    /** Where the temp copies go: the run's staging folder (read when the first copy starts). */
    private readonly dstRoot: Pick<RootDir, 'fd'>,
    private readonly parallel = 4,
  ) {}

  /** Stops the copies in flight between files (they report `stopped`). */
  stop(): void {
    Atomics.store(this.stopFlag, 0, 1);
  }

  /** Copies every job, calling onResult as each finishes; resolves when all have answered. */
  async copyAll(jobs: readonly CopyJob[], onResult: (r: CopyResult) => void): Promise<void> {
    const session = this.open(onResult);
    session.add(jobs);
    await session.end();
  }

  /**
   * Starts a stream of copies: add() jobs as they are ready (the mover plans and journals a batch a chunk at a
   * time, and each chunk copies while the next is planned), then end() resolves when every job has answered.
   * One stream at a time; opening one clears a stop().
   */
  open(onResult: (r: CopyResult) => void): CopySession {
    Atomics.store(this.stopFlag, 0, this.closed ? 1 : 0);
    let queue: CopyJob[] = [];
    let head = 0;
    let added = 0;
    let answered = 0;
    let running = 0;
    let ended = false;
    let finished = false;
    let settle!: (err?: Error) => void;
    const done = new Promise<void>((resolve, reject) => (settle = (err) => (err ? reject(err) : resolve())));
    // Taken by end(); until then a failure must not count as unhandled.
    done.catch(() => {});
    let failure: Error | undefined;
    // A failed stream stops its other chunks and settles only when none is running: a temp file written
    // after the caller gave up (and recovered the journal) would be left behind.
    const finish = (err?: Error) => {
      if (err && !failure) {
        failure = err;
        this.stop();
      }
      if (finished || running > 0) return;
      finished = true;
      settle(failure);
    };
    const take = (jobs: readonly CopyJob[], r: CopyBatchResult) => {
      if (failure) return finish();
      // A throw here (the journal's disk full) ends the stream.
      try {
        for (const result of resultsOf(jobs, r)) onResult(result);
      } catch (err) {
        return finish(err as Error);
      }
      answered += jobs.length;
      pump();
    };
    const pump = () => {
      while (!failure && running < this.parallel && head < queue.length) {
        const jobs = queue.slice(head, head + CHUNK);
        head += jobs.length;
        const stamps = new Float64Array(3 * jobs.length);
        const pairs: string[] = [];
        for (const [k, job] of jobs.entries()) {
          pairs.push(job.src, job.tmp);
          stamps[3 * k] = job.size;
          stamps[3 * k + 1] = job.mtimeMs;
          stamps[3 * k + 2] = job.ino;
        }
        running++;
        copyBatchAt(this.srcRoot.fd, this.dstRoot.fd, pairs.join('\0'), stamps, mayChown, this.stopFlag).then(
          (r) => {
            running--;
            take(jobs, r);
          },
          (err: Error) => {
            running--;
            finish(err);
          },
        );
      }
      if (head === queue.length) {
        queue = [];
        head = 0;
      }
      if (ended && answered >= added) finish();
    };
    return {
      add: (jobs) => {
        if (failure || finished || jobs.length === 0) return;
        added += jobs.length;
        for (const job of jobs) queue.push(job);
        pump();
      },
      end: () => {
        ended = true;
        pump();
        return done;
      },
    };
  }

  /** Ends the pool: copies still running stop between files. */
  async close(): Promise<void> {
    this.closed = true;
    this.stop();
  }
}
