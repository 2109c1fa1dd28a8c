/**
 * Small-file copies in worker threads. A small file's copy is a dozen system calls; one thread making them
 * one after another leaves the other cores (and the disk's queue) idle, so a batch's copies are spread over
 * a few workers, each running the same copy-core.mjs the main thread runs. Results come back per file, in
 * any order; the mover journals them as before.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** One file to copy: the mover's index, its paths, and the stamp the scan saw. */
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
  | { i: number; outcome: 'changed' | 'failed'; message: string; code?: string }
  | { i: number; outcome: 'stopped' };

/** A stream of copies (CopyPool.open). */
export interface CopySession {
  /** Queues more jobs; each answers once through the stream's onResult. */
  add(jobs: readonly CopyJob[]): void;
  /** No more jobs: resolves when every job added has answered; rejects when a worker failed. */
  end(): Promise<void>;
}

/** Jobs per message: enough to make a message worth sending, few enough to balance the workers. */
const CHUNK = 32;

/** A fixed set of copy workers for one run; close() ends them. */
export class CopyPool {
  private workers: Worker[] = [];
  private readonly stopFlag = new Int32Array(new SharedArrayBuffer(4));
  private failure: Error | null = null;

  /** The workers start with the first copies, so a run that never needs them starts no threads. */
  constructor(private readonly size = Math.max(2, Math.min(4, availableParallelism()))) {}

  private start(): void {
    if (this.workers.length > 0) return;
    // No execArgv: the worker is plain JavaScript and needs none of the parent's loaders.
    this.workers = Array.from({ length: this.size }, () => {
      const w = new Worker(new URL('./copy-worker.mjs', import.meta.url), { execArgv: [], workerData: { stop: this.stopFlag.buffer } });
      w.on('error', (err) => (this.failure ??= err));
      // A worker gone between batches must fail the next one, not leave it waiting for an answer forever.
      w.on('exit', (code) => (this.failure ??= new Error(`a copy worker exited (code ${code})`)));
      return w;
    });
  }

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
    if (!this.failure) this.start();
    Atomics.store(this.stopFlag, 0, 0);
    let queue: CopyJob[] = [];
    let head = 0;
    let added = 0;
    let answered = 0;
    let ended = false;
    let finished = false;
    const inFlight = new Map<Worker, number>();
    let settle!: (err?: Error) => void;
    const done = new Promise<void>((resolve, reject) => (settle = (err) => (err ? reject(err) : resolve())));
    // Taken by end(); until then a failure must not count as unhandled.
    done.catch(() => {});
    // Two chunks in flight per worker: the next is already waiting while the main thread, busy planning or
    // naming, gets round to the answer.
    const feed = (w: Worker) => {
      while (!finished && (inFlight.get(w) ?? 0) < 2 && head < queue.length) {
        const chunk = queue.slice(head, head + CHUNK);
        head += chunk.length;
        inFlight.set(w, (inFlight.get(w) ?? 0) + 1);
        w.postMessage(chunk);
      }
      if (head === queue.length) {
        queue = [];
        head = 0;
      }
    };
    const finish = (err?: Error) => {
      if (finished) return;
      finished = true;
      for (const { w, onMessage, onError, onExit } of listeners) w.off('message', onMessage).off('error', onError).off('exit', onExit);
      settle(err);
    };
    const listeners = this.workers.map((w) => {
      const onMessage = (results: CopyResult[]) => {
        inFlight.set(w, inFlight.get(w)! - 1);
        // A throw here (the journal's disk full) would be uncaught inside a worker's event: end the stream instead.
        try {
          for (const r of results) onResult(r);
        } catch (err) {
          return finish(err as Error);
        }
        answered += results.length;
        if (ended && answered >= added) return finish();
        feed(w);
      };
      const onError = (err: Error) => finish(err);
      const onExit = (code: number) => finish(new Error(`a copy worker exited (code ${code})`));
      w.on('message', onMessage).on('error', onError).on('exit', onExit);
      return { w, onMessage, onError, onExit };
    });
    if (this.failure) finish(this.failure);
    return {
      add: (jobs) => {
        if (finished || jobs.length === 0) return;
        added += jobs.length;
        for (const job of jobs) queue.push(job);
        for (const w of this.workers) feed(w);
      },
      end: () => {
        ended = true;
        if (answered >= added) finish();
        return done;
      },
    };
  }

  /** Ends the workers. */
  async close(): Promise<void> {
    this.failure ??= new Error('the copy pool is closed');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
