/**
 * Gathers what the scan finds into batches and moves each one while the next is gathered: two batches are in
 * flight, one planned and copied (prepareBatch) while the previous one is named, synced and its sources removed
 * (finishBatch). Batches start small, so copying starts early, and double up to a limit (each costs one
 * syncfs); the last one is split so that little waits at the end.
 */
import { finishBatch, prepareBatch, type MoveItem, type MoverContext } from './mover.js';

/** The first batch's most items; each next one doubles, up to the batch size. */
export const FIRST_BATCH = 256;

/** A batch ends at this many bytes or items: each batch costs one syncfs of the destination. */
const BATCH_BYTES = 1024 * 1024 * 1024;

/**
 * Cuts about `size` items off the end of a batch when it is at least twice that, and returns them as a batch of
 * their own. The cut never falls between a file and its `._name` companion (they travel together), and the
 * tail's companion indexes are made relative to it.
 */
export function splitTail(items: MoveItem[], size: number): MoveItem[] {
  if (items.length < 2 * size) return [];
  let at = items.length - size;
  while (at < items.length && items[at]!.companionOf !== undefined) at++;
  const tail = items.splice(at);
  return tail.map((item) => (item.companionOf === undefined ? item : { ...item, companionOf: item.companionOf - at }));
}

/** The batches of one run. A dry run (no context) counts and moves nothing. */
export class Batcher {
  private pending: MoveItem[] = [];
  private pendingBytes = 0;
  private limit: number;
  /** The batch being finished while the next one is prepared. */
  private finishing: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: MoverContext | null,
    private readonly batchSize: number,
    private readonly onFlushed: () => void,
  ) {
    this.limit = Math.min(batchSize, FIRST_BATCH);
  }

  /** Queues an item and its `._name` companion; true when the batch is full (flush it). Not async: it runs per file. */
  add(item: MoveItem, companion: MoveItem | null): boolean {
    if (!this.ctx) return false;
    const index = this.pending.length;
    this.pending.push(item);
    this.pendingBytes += item.stat.size;
    if (companion) this.pending.push({ ...companion, companionOf: index });
    return this.pending.length >= this.limit || this.pendingBytes >= BATCH_BYTES;
  }

  /** Moves what is queued: prepared now, finished after the batch before it. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.limit = Math.min(this.batchSize, this.limit * 2);
    if (this.ctx) {
      const prepared = await prepareBatch(this.ctx, batch);
      // The previous batch finishes before this one does, so batches still finish in order.
      await this.finishing;
      this.finishing = finishBatch(this.ctx, prepared);
      // Rejections are taken where finishing is awaited (the next batch, or done()).
      this.finishing.catch(() => {});
    }
    this.onFlushed();
  }

  /** Moves the rest: the last batch's naming, sync and removals overlap nothing, so it goes as a large batch and a small one. */
  async flushLast(): Promise<void> {
    const tail = splitTail(this.pending, FIRST_BATCH);
    await this.flush();
    this.pending = tail;
    await this.flush();
  }

  /** Waits for the batch being finished; rejects with its error. */
  done(): Promise<void> {
    return this.finishing;
  }
}
