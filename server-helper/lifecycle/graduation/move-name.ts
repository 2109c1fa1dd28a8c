/**
 * Step 4 of a move, naming: each copy gets its final name(s) without ever replacing one (renameat2
 * RENAME_NOREPLACE; the other names of a hard-link group are links). Single names are given as one batch off
 * this thread; a hard-link group, or a name someone took meanwhile (which gets a suffix), one at a time here.
 */
import { constants } from 'node:os';
import { errnoError, renameAllNoReplace } from './batch-ops.js';
import { discard, fail, stepOf, tick, type MoverContext, type Planned } from './move-context.js';
import { freeName } from './move-plan.js';
import { nameNoReplace } from './safe-move.js';

const { EEXIST } = constants.errno;

/** Names every copy; one that cannot be named fails alone and its copy goes (p.ok false). */
export async function nameCopies(ctx: MoverContext, copied: readonly Planned[]): Promise<void> {
  const step = stepOf(ctx);
  const { staging, dst } = ctx.settings;
  const single = copied.filter((p) => p.dsts.length === 1);
  const from = single.map((p) => p.tmpLeaf);
  const to = single.map((p) => p.dsts[0]!);
  const named = await renameAllNoReplace(
    staging.dir,
    dst,
    from,
    to,
    single.map((p) => p.dirInos[0]!),
  );
  const oneByOne: Planned[] = copied.filter((p) => p.dsts.length !== 1);
  for (const [k, p] of single.entries()) {
    const errno = named[k]!;
    if (errno === 0) step('linked-name', p.id);
    else if (errno === EEXIST) oneByOne.push(p);
    else notNamed(ctx, p, errnoError(errno, 'rename', single[k]!.tmp, to[k]));
  }
  // Synchronous system calls: yielding now and then lets a batch being prepared meanwhile keep the pool fed.
  for (const [k, p] of oneByOne.entries()) {
    if (k % 256 === 255) await tick();
    try {
      nameOneByOne(ctx, p);
    } catch (err) {
      notNamed(ctx, p, err);
    }
  }
}

function notNamed(ctx: MoverContext, p: Planned, err: unknown): void {
  p.ok = false;
  fail(ctx, p.item.srcs[0]!, err);
  discard(ctx, p, 'failed', (err as Error).message);
}

/** Gives one planned move its final names one call at a time; a name taken meanwhile gets a suffix. Throws on any other failure. */
function nameOneByOne(ctx: MoverContext, p: Planned): void {
  const { inFlight } = ctx.run;
  for (let i = 0; i < p.dsts.length; i++) {
    for (;;) {
      try {
        nameNoReplace(
          ctx.settings.staging.dir,
          p.tmpLeaf,
          ctx.settings.dst,
          p.dsts[i]!,
          p.dirInos[i]!,
          i === p.dsts.length - 1,
        );
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        // The name taken was someone else's: this batch now holds the new one instead.
        inFlight.delete(p.dsts[i]!);
        p.dsts[i] = freeName(ctx, (p.item.targets ?? p.item.srcs)[i]!, p.dsts);
        inFlight.add(p.dsts[i]!);
        ctx.settings.journal.set(p.id, 'copied', { dsts: p.dsts });
      }
    }
    stepOf(ctx)('linked-name', p.id);
  }
}
