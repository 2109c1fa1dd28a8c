/**
 * Step 6 of a move, removing sources: once the copies are durable under their names, each source that is still
 * exactly what was copied goes; one that changed, that a client opened meanwhile, or that cannot be removed
 * keeps its place, and its copy goes instead (the file stays in one place). Single sources are removed as one
 * batch off this thread; a hard-link group's names here, all checked first.
 */
import { CHANGED, errnoError, removeAllUnchanged } from './batch-ops.js';
import {
  discard,
  fail,
  isOpen,
  present,
  skip,
  sourcesUnchanged,
  stepOf,
  tick,
  type MoverContext,
  type Planned,
} from './move-context.js';

/** Removes the sources of the named copies; returns the moves whose sources are gone (or were to stay). */
export async function removeSources(ctx: MoverContext, linked: readonly Planned[]): Promise<Planned[]> {
  await ctx.run.recheckOpenFiles?.();
  const removable: Planned[] = [];
  for (const p of linked) {
    if (p.item.keepSource || !isOpen(ctx, p.item)) removable.push(p);
    else {
      discard(ctx, p, 'rolled_back', 'opened by a client during its copy', { names: true, copy: false });
      skip(ctx.run.stats, 'open');
    }
  }
  const single = (p: Planned) => !p.item.keepSource && p.item.srcs.length === 1;
  const removed = await removeSingles(ctx, removable.filter(single));
  removed.push(
    ...(await removeRest(
      ctx,
      removable.filter((q) => !single(q)),
    )),
  );
  return removed;
}

/** One source each, as one batch on libuv's pool (unlink only while size, mtime, inode and ctime are the copy's). */
async function removeSingles(ctx: MoverContext, moves: readonly Planned[]): Promise<Planned[]> {
  const sources = moves.map((p) => ({
    path: p.item.srcs[0]!,
    size: p.item.stat.size,
    mtimeMs: p.item.stat.mtimeMs,
    ino: p.item.stat.ino,
    ctimeMs: p.srcCtimeMs,
  }));
  const outcomes = await removeAllUnchanged(ctx.settings.src, sources);
  const removed: Planned[] = [];
  for (const [k, p] of moves.entries()) {
    const outcome = outcomes[k]!;
    if (outcome === 0) {
      stepOf(ctx)('source-removed', p.id);
      removed.push(p);
    } else if (outcome === CHANGED) changed(ctx, p);
    else notRemoved(ctx, p, errnoError(outcome, 'unlink', sources[k]!.path));
  }
  return removed;
}

/** The rest, in order: a copy-back's source is to stay; a hard-link group's names go one at a time, every name checked unchanged first. */
async function removeRest(ctx: MoverContext, moves: readonly Planned[]): Promise<Planned[]> {
  const removed: Planned[] = [];
  for (const [k, p] of moves.entries()) {
    if (p.item.keepSource) {
      removed.push(p);
      continue;
    }
    // Synchronous system calls: yielding now and then lets a batch being prepared meanwhile keep the pool fed.
    if (k % 256 === 255) await tick();
    try {
      if (!sourcesUnchanged(ctx, p.item, p.srcCtimeMs)) {
        changed(ctx, p);
        continue;
      }
      for (const rel of p.item.srcs) {
        // Only while it is the group's inode, on its folder's fd: a folder swapped in keeps its own files.
        if (ctx.settings.src.unlinkIfIno(rel, p.item.stat.ino) !== 'removed')
          throw Object.assign(new Error(`${rel} changed before its removal`), { code: 'ESTALE' });
      }
      stepOf(ctx)('source-removed', p.id);
      removed.push(p);
    } catch (err) {
      notRemoved(ctx, p, err);
    }
  }
  return removed;
}

function changed(ctx: MoverContext, p: Planned): void {
  discard(ctx, p, 'rolled_back', 'changed while it was copied', { names: true, copy: false });
  skip(ctx.run.stats, 'changed-during-copy');
}

/**
 * A source that could not be removed (immutable, a sticky folder): with every source name still there, the copy
 * goes, so the file stays in one place and the next run does not find it "already archived". A hard-link group
 * that lost some names keeps both sides.
 */
function notRemoved(ctx: MoverContext, p: Planned, err: unknown): void {
  fail(ctx, p.item.srcs[0]!, err);
  const message = (err as Error).message;
  if (p.item.srcs.every((rel) => present(ctx.settings.src, rel))) {
    discard(ctx, p, 'rolled_back', `the source could not be removed, so its copy was: ${message}`, {
      names: true,
      copy: false,
    });
  } else {
    ctx.settings.journal.set(p.id, 'failed', { error: `copied, but the source could not be removed: ${message}` });
  }
}
