/**
 * Moves a batch of files from one root to another with the journal, in steps a reader can follow one file at
 * a time:
 *
 *   1. plan       move-plan.ts    names (suffixed when taken), free space, folders made, a journal row each
 *   2. dedup      move-dedup.ts   files space already holds identically: the source goes, nothing is copied
 *   3. copy       move-copy.ts    to temp names beside the destination, hashed and read back
 *   4. name       move-name.ts    final names without ever replacing one (renameat2 NOREPLACE)
 *   5. sync       here            one syncfs makes the whole batch durable, then the rows are `linked`
 *   6. remove     move-remove.ts  each source still exactly what was copied goes
 *
 * Every state change is journaled before the next step starts, so recover.ts can finish or undo any step after
 * a crash. A batch is prepared (1–3) while the previous one finishes (4–6): graduate.ts pipelines them.
 */
import { syncFilesystem } from '../../system/syncfs.js';
import { CopyStep } from './move-copy.js';
import {
  advanceAll,
  discard,
  stepOf,
  tick,
  type MoveHooks,
  type MoveItem,
  type MoverContext,
  type MoveRunState,
  type MoveSettings,
  type Planned,
  type PreparedBatch,
} from './move-context.js';
import { dropDuplicates, type Duplicate } from './move-dedup.js';
import { nameCopies } from './move-name.js';
import { newPlanPass, planItem, type PlanPass } from './move-plan.js';
import { removeSources } from './move-remove.js';

export type {
  MoveHooks,
  MoveItem,
  MoverContext,
  MoveRunState,
  MoveSettings,
  MoveStats,
  MoveStep,
  Planned,
  PreparedBatch,
} from './move-context.js';
export { skip, UNSAFE_PATH } from './move-context.js';
export { POOL_MIN_FILES } from './move-copy.js';

/** A mover context for one run: the settings as given, a fresh run state (optionally with the open files), and hooks. */
export function newMoverContext(
  settings: MoveSettings,
  opts: Partial<Pick<MoveRunState, 'stats' | 'openFiles' | 'recheckOpenFiles' | 'inFlight' | 'awaitingRecovery'>> & {
    hooks?: MoveHooks;
  } = {},
): MoverContext {
  return {
    settings,
    run: {
      stats: opts.stats ?? { moved: 0, bytesMoved: 0, skipped: {}, failed: [], examples: [] },
      openFiles: opts.openFiles ?? new Set(),
      recheckOpenFiles: opts.recheckOpenFiles,
      awaitingRecovery: opts.awaitingRecovery ?? new Set(),
      knownDirs: new Map(),
      inFlight: opts.inFlight ?? new Set(),
      seq: 0,
      sourceDirty: false,
      destinationFull: false,
    },
    hooks: opts.hooks ?? {},
  };
}

/** Syncs the source filesystem when a batch removed files from it. */
export async function syncSources(ctx: MoverContext): Promise<void> {
  if (!ctx.run.sourceDirty) return;
  await (ctx.settings.syncs ? ctx.settings.syncs.src.sync() : syncFilesystem(ctx.settings.srcRoot));
  ctx.run.sourceDirty = false;
}

/** Moves one batch; updates the run's stats. Never throws for one file's problem; throws when a sync fails (nothing is removed then). */
export async function moveBatch(ctx: MoverContext, items: MoveItem[]): Promise<void> {
  await finishBatch(ctx, await prepareBatch(ctx, items));
}

/** Moves planned and journaled per transaction; each chunk's small files start copying while the next is planned. */
const PLAN_CHUNK = 128;

/**
 * The first half of a batch (steps 1–3): plan and journal each move, drop what is already archived, and copy
 * the rest to temp names. A caller may prepare the next batch while the previous one finishes: the halves
 * touch different rows and files.
 */
export async function prepareBatch(ctx: MoverContext, items: MoveItem[]): Promise<PreparedBatch> {
  const pass = newPlanPass(ctx);
  const copies = new CopyStep(ctx, items);
  const planned: Planned[] = [];
  const byIndex = new Map<number, Planned>();
  const dups: Duplicate[] = [];
  try {
    for (let from = 0; from < items.length && !stopped(ctx); from += PLAN_CHUNK) {
      // One transaction per chunk, committed before any of its copies starts.
      const fresh = ctx.settings.journal.transaction(() => planChunk(ctx, pass, items, from, byIndex, dups));
      for (const p of fresh) {
        planned.push(p);
        stepOf(ctx)('journaled', p.id);
        for (const d of p.dsts) ctx.run.inFlight.add(d);
      }
      copies.take(fresh);
      // The pool's answers are taken between chunks.
      await tick();
    }
    dropDuplicates(ctx, dups);
    await copies.copyHere();
  } finally {
    // Every copy handed out answers before the batch moves on.
    await copies.end();
    // The margin stops the run after this batch; what was planned within it still moves.
    if (pass.marginReached) {
      ctx.run.destinationFull = true;
      ctx.run.marginNeed ??= pass.marginNeed;
    }
  }
  dropLoneCompanions(ctx, planned, byIndex);
  return { planned, copied: planned.filter((p) => p.ok) };
}

const stopped = (ctx: MoverContext) => !!ctx.settings.signal?.aborted || ctx.run.destinationFull;

/** Plans items[from, from + PLAN_CHUNK); returns the moves planned (duplicates go to `dups`). */
function planChunk(
  ctx: MoverContext,
  pass: PlanPass,
  items: readonly MoveItem[],
  from: number,
  byIndex: Map<number, Planned>,
  dups: Duplicate[],
): Planned[] {
  const fresh: Planned[] = [];
  for (let index = from; index < Math.min(items.length, from + PLAN_CHUNK) && !stopped(ctx); index++) {
    const item = items[index]!;
    // A `._name` companion is planned only with its file, and named after it.
    const file = item.companionOf === undefined ? undefined : byIndex.get(item.companionOf);
    if (item.companionOf !== undefined && !file) continue;
    const outcome = planItem(ctx, pass, item, file);
    if (outcome.kind === 'duplicate') dups.push(outcome);
    else if (outcome.kind === 'move') {
      fresh.push(outcome.planned);
      byIndex.set(index, outcome.planned);
    }
  }
  return fresh;
}

/** A `._name` companion travels only with its file: when the file was not copied, the companion's copy goes. */
function dropLoneCompanions(
  ctx: MoverContext,
  planned: readonly Planned[],
  byIndex: ReadonlyMap<number, Planned>,
): void {
  for (const p of planned) {
    if (p.ok && p.item.companionOf !== undefined && !byIndex.get(p.item.companionOf)?.ok) {
      p.ok = false;
      discard(ctx, p, 'rolled_back', 'its file was not copied', { names: false, copy: true });
    }
  }
}

/** The second half of a batch (steps 4–6): name, sync, remove the sources. Throws only when a sync fails (nothing is removed then). */
export async function finishBatch(ctx: MoverContext, batch: PreparedBatch): Promise<void> {
  await finishSteps(ctx, batch);
  // Only after success: a batch that threw leaves named copies for recovery to undo, and a batch being
  // planned meanwhile must not take one of them for an archived duplicate and remove its own source.
  for (const p of batch.planned) for (const d of p.dsts) ctx.run.inFlight.delete(d);
}

async function finishSteps(ctx: MoverContext, { planned, copied }: PreparedBatch): Promise<void> {
  const { journal, syncs, dstRoot } = ctx.settings;
  const step = stepOf(ctx);
  if (copied.length === 0) return;
  // Journaled as copied, with each temp's inode, before any final name exists: recovery can then tell our
  // names from anyone else's. (Durability comes with the one sync after naming.)
  journal.transaction(() => {
    for (const p of copied)
      journal.set(p.id, 'copied', { hash: p.hash!, tmpIno: p.tmpIno!, srcCtimeMs: p.srcCtimeMs! });
  });
  for (const p of copied) step('copied', p.id);
  await nameCopies(ctx, copied);
  const linked = copied.filter((p) => p.ok);
  if (linked.length === 0) return;
  // Data and names durable (one syncfs covers every file and folder of the batch), then journaled as linked.
  await (syncs ? syncs.dst.sync() : syncFilesystem(dstRoot));
  journal.durably(() => advanceAll(ctx, planned, linked.length, 'copied', 'linked'));
  for (const p of linked) step('linked', p.id);
  const removed = await removeSources(ctx, linked);
  if (removed.length === 0) return;
  // The removals are synced once at the end of the run (sourceDirty): a removal lost to a power cut leaves a
  // file in both places, never in neither.
  ctx.run.sourceDirty = true;
  journal.transaction(() => {
    advanceAll(ctx, planned, removed.length, 'linked', 'done');
    for (const p of removed) if (p.item.undoOf !== undefined) journal.set(p.item.undoOf, 'undone');
  });
  recordDone(ctx, removed);
}

/** Counts the moves whose sources are gone. */
function recordDone(ctx: MoverContext, removed: readonly Planned[]): void {
  const { stats } = ctx.run;
  for (const p of removed) {
    stepOf(ctx)('done', p.id);
    stats.moved += p.item.srcs.length;
    stats.bytesMoved += p.item.stat.size;
    if (stats.examples.length < 10 && p.item.companionOf === undefined) stats.examples.push(p.dsts[0]!);
  }
}
