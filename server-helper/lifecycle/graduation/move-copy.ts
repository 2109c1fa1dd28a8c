/**
 * Step 3 of a move, copying: each planned move is copied to its temp name beside its destination (hashed, read
 * back, with owner, mode, xattrs and times). Small files go to the copy pool (fts-native on libuv's threads) as
 * soon as their chunk is planned; large files and symlinks are copied on this thread meanwhile. A source that
 * changed or vanished since the scan is left where it is; a failure fails that file alone.
 */
import type { CopyJob, CopyResult, CopySession } from './copy-pool.js';
import { ChangedError, copyToTemp, LARGE_FILE, type TempCopy } from './safe-move.js';
import {
  fail,
  goneSinceScan,
  skip,
  stepOf,
  tick,
  type MoveItem,
  type MoverContext,
  type Planned,
} from './move-context.js';

/** By default, fewer small files than this in a batch are copied on this thread, not in the pool. */
export const POOL_MIN_FILES = 64;

const isSmallFile = (item: MoveItem) => item.kind === 'file' && item.stat.size < LARGE_FILE;

/** The copies of one batch: handed out chunk by chunk while the batch is planned, then finished together. */
export class CopyStep {
  private readonly pooled: Planned[] = [];
  private readonly here: Planned[] = [];
  private readonly session: CopySession | undefined;
  private readonly onAbort = () => this.ctx.settings.copier?.stop();

  /** Opens a pool session when the batch has enough small files for the pool's round trips to pay. */
  constructor(
    private readonly ctx: MoverContext,
    items: readonly MoveItem[],
  ) {
    const { copier, poolMinFiles, signal } = ctx.settings;
    let small = 0;
    for (const item of items) if (isSmallFile(item)) small++;
    if (copier && small >= (poolMinFiles ?? POOL_MIN_FILES)) this.session = copier.open((r) => this.pooledResult(r));
    signal?.addEventListener('abort', this.onAbort);
  }

  /** Hands a chunk of freshly journaled moves to their copier: small files to the pool now, the rest to finish(). */
  take(fresh: readonly Planned[]): void {
    const jobs: CopyJob[] = [];
    for (const p of fresh) {
      if (!this.session || !isSmallFile(p.item)) {
        this.here.push(p);
        continue;
      }
      const { stat } = p.item;
      jobs.push({
        i: this.pooled.length,
        src: p.item.srcs[0]!,
        tmp: p.tmpLeaf,
        size: stat.size,
        mtimeMs: stat.mtimeMs,
        ino: stat.ino,
      });
      this.pooled.push(p);
    }
    this.session?.add(jobs);
  }

  /** Waits until every pooled copy has answered (a chunk that failed as a whole rejects here, after the rest). */
  async end(): Promise<void> {
    try {
      await this.session?.end();
    } finally {
      this.ctx.settings.signal?.removeEventListener('abort', this.onAbort);
    }
  }

  /** Copies this thread's share, large files and symlinks (and every file without a pool), yielding now and then. */
  async copyHere(): Promise<void> {
    const { src, staging, signal } = this.ctx.settings;
    let sinceTick = 0;
    for (const p of this.here) {
      if (signal?.aborted || this.ctx.run.destinationFull) {
        this.notTried(p);
        continue;
      }
      try {
        this.copied(p, await copyToTemp(src, p.item.srcs[0]!, staging.dir, p.tmpLeaf, p.item.stat, p.item.kind));
      } catch (err) {
        this.notCopied(p, err);
      }
      sinceTick += 1 + (p.item.stat.size >> 20);
      if (sinceTick >= 64) {
        sinceTick = 0;
        await tick();
      }
    }
  }

  private pooledResult(r: CopyResult): void {
    const p = this.pooled[r.i]!;
    if (r.outcome === 'copied') this.copied(p, r);
    else if (r.outcome === 'stopped') this.notTried(p);
    else
      this.notCopied(
        p,
        r.outcome === 'changed'
          ? new ChangedError(r.message)
          : Object.assign(new Error(r.message), { code: r.code, syscall: r.syscall, path: r.path }),
      );
  }

  private copied(p: Planned, copy: TempCopy): void {
    p.tmpIno = copy.tmpIno;
    p.hash = copy.hash;
    p.srcCtimeMs = copy.srcCtimeMs;
    stepOf(this.ctx)('temp-written', p.id);
    this.ctx.hooks.onFile?.(p.item.srcs[0]!);
  }

  private notCopied(p: Planned, err: unknown): void {
    const { journal } = this.ctx.settings;
    p.ok = false;
    if (err instanceof ChangedError) {
      skip(this.ctx.run.stats, 'changed-during-copy');
      journal.set(p.id, 'rolled_back', { error: err.message });
    } else if (goneSinceScan(err, p.item.srcs[0]!)) {
      // Deleted, or moved away with its folder, since the scan: nothing to move.
      skip(this.ctx.run.stats, 'vanished');
      journal.set(p.id, 'rolled_back', { error: 'gone since the scan' });
    } else {
      fail(this.ctx, p.item.srcs[0]!, err);
      journal.set(p.id, 'failed', { error: (err as Error).message });
    }
    this.ctx.hooks.onFile?.(p.item.srcs[0]!);
  }

  private notTried(p: Planned): void {
    p.ok = false;
    this.ctx.settings.journal.set(p.id, 'rolled_back', { error: 'not copied' });
  }
}
