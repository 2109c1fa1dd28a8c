/**
 * Read-ahead of small files into the page cache. On a cold disk a small file's copy waits one disk round trip
 * for its data; reading ahead in other threads overlaps those waits with everything else the run does.
 */
import { Worker } from 'node:worker_threads';

/** Files this size or larger are not read ahead: their copy streams with reads in flight already. */
export const READ_AHEAD_MAX_FILE = 1 << 20;
/** Fewer files than this do not start the reader. */
const MIN_FILES = 64;

function startWorker(): Worker {
  // No execArgv: the worker is plain JavaScript and needs none of the parent's loaders (tsx would compile itself again).
  const w = new Worker(new URL('./prefetch-worker.mjs', import.meta.url), { execArgv: [] });
  w.on('error', () => {});
  return w;
}

/**
 * A read-ahead that runs beside a whole graduation: the scan feeds it the small files it will move, in the
 * order the mover will copy them, and one thread has the kernel read them ahead while the run scans, plans, names and syncs.
 * At most `budget` bytes are read ahead per batch, so a huge batch does not push its own first files out
 * of the page cache before they are copied.
 */
export class RunReadAhead {
  private worker: Worker | null = null;
  private pending: string[] = [];
  private bytes = 0;

  constructor(private readonly budget = 256 << 20) {}

  /** Offers one file the run is about to move. */
  add(path: string, size: number): void {
    if (size >= READ_AHEAD_MAX_FILE || this.bytes + size > this.budget) return;
    this.bytes += size;
    this.pending.push(path);
    if (this.pending.length >= 256) this.flush();
  }

  /** Hands what was offered to the reader; called before the mover starts on a batch, and every 256 files. */
  flush(): void {
    if (this.pending.length === 0) return;
    // A handful of files is not worth a thread: they are dropped (read-ahead is only a hint).
    if (!this.worker && this.pending.length < MIN_FILES) {
      this.pending = [];
      return;
    }
    this.worker ??= startWorker();
    this.worker.postMessage(this.pending);
    this.pending = [];
  }

  /** A batch went to the mover: the next one gets a fresh budget. */
  nextBatch(): void {
    this.flush();
    this.bytes = 0;
  }

  /** Ends the reader. */
  async stop(): Promise<void> {
    this.pending = [];
    await this.worker?.terminate();
    this.worker = null;
  }
}
