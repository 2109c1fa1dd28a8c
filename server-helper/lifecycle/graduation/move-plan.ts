/**
 * Step 1 of a move, planning: for each item, whether it may move (not open in Samba, its folder writable), the
 * destination names it gets (the same path, a suffixed one when taken, or none when space already holds the
 * same file), room under the free-space margin, its destination folders made, and its journal row written
 * before anything is copied.
 */
import { isDeepStrictEqual } from 'node:util';
import { isFileMode, isLinkMode, type EntryStat } from '../../system/root-dir.js';
import {
  dirOf,
  fail,
  goneSinceScan,
  isOpen,
  skip,
  type MoveItem,
  type MoverContext,
  type Planned,
} from './move-context.js';
import { spaceNeeded } from './margin.js';
import { ensureDirs, hashAt, suffixedName } from './safe-move.js';

/**
 * Largest file compared by content with an archived file of the same name and size. Planning runs on the main
 * thread inside a journal transaction, so hashing two files there must stay short: a member's two sparse 16 TiB
 * files of one name would otherwise freeze the helper for days. A larger same-named file is kept beside it,
 * suffixed, as any other file that differs.
 */
export const DEDUP_MAX_BYTES = 64 << 20;

/** What planning decided for one item. */
export type PlanOutcome =
  | { kind: 'move'; planned: Planned }
  | { kind: 'duplicate'; item: MoveItem; id: number; ino: number }
  | { kind: 'none' };

/** Caches of one planning pass, and its free-space account. */
export interface PlanPass {
  /** Destination folders looked up in this pass: true when missing (no name in one can be taken). */
  missingDirs: Map<string, boolean>;
  /** Source folders this process may (not) write, so it can remove sources from them. */
  writableDirs: Map<string, boolean>;
  /** Bytes free in the destination, less what this pass has planned. */
  free: number;
  /** Set when an item did not fit above the margin: the run stops after this batch. */
  marginReached: boolean;
  /** The room the first item that did not fit needed (for the message that says why the run stopped). */
  marginNeed?: number;
}

/** A new pass over one batch. */
export function newPlanPass(ctx: MoverContext): PlanPass {
  return { missingDirs: new Map(), writableDirs: new Map(), free: ctx.settings.dst.freeBytes(), marginReached: false };
}

/**
 * Plans one item: skipped (counted), already archived (a `dedup` row), or a move (a `copying` row with its
 * temp name, its destination folders made). `companion` is the planned move of the file a `._name` travels with.
 */
export function planItem(ctx: MoverContext, pass: PlanPass, item: MoveItem, companion?: Planned): PlanOutcome {
  const { stats } = ctx.run;
  if (isOpen(ctx, item)) return skipped(ctx, 'open');
  if (item.srcs.some((rel) => ctx.run.awaitingRecovery.has(rel))) return skipped(ctx, 'awaiting-recovery');
  if (!sourceRemovable(ctx, item, pass.writableDirs)) return skipped(ctx, 'read-only-folder');
  try {
    const { dsts, duplicate } = companion
      ? companionTargets(ctx, item, companion, pass.missingDirs)
      : chooseTargets(ctx, item, pass.missingDirs);
    if (duplicate) return { kind: 'duplicate', item, id: begin(ctx, item, dsts, null, 'dedup'), ino: duplicate.ino };
    const need = spaceNeeded(item);
    if (pass.free - need < ctx.settings.freeSpaceMargin) {
      pass.marginReached = true;
      pass.marginNeed ??= need;
      return skipped(ctx, 'destination-full');
    }
    // The destination folders exist before the row is journaled: recovery can then take a missing folder as one
    // moved away since (and wait), never as one the crash kept from being made.
    let dirInos: number[];
    try {
      dirInos = dsts.map((d) => ensureDirs(ctx.settings.src, ctx.settings.dst, dirOf(d), ctx.run.knownDirs));
    } catch (err) {
      if (goneSinceScan(err, item.srcs[0]!)) skip(stats, 'vanished');
      else fail(ctx, item.srcs[0]!, err);
      return { kind: 'none' };
    }
    pass.free -= need;
    // The copy is made in the run's private staging folder, and named from there into the checked folders.
    const tmpLeaf = `.fts-grad-${ctx.settings.runId}-${++ctx.run.seq}`;
    const tmp = `${ctx.settings.staging.rel}/${tmpLeaf}`;
    const id = begin(ctx, item, dsts, tmp, 'copying');
    return {
      kind: 'move',
      planned: { item, id, dsts, dirInos, tmp, tmpLeaf, tmpIno: null, hash: null, srcCtimeMs: null, ok: true },
    };
  } catch (err) {
    // Comparing with a file space holds opens the source: it may have been deleted or moved away since the scan.
    if (goneSinceScan(err, item.srcs[0]!)) skip(stats, 'vanished');
    else fail(ctx, item.srcs[0]!, err);
    return { kind: 'none' };
  }
}

function skipped(ctx: MoverContext, reason: string): PlanOutcome {
  skip(ctx.run.stats, reason);
  return { kind: 'none' };
}

/** Writes an item's journal row; returns its id. */
function begin(
  ctx: MoverContext,
  item: MoveItem,
  dsts: string[],
  tmp: string | null,
  state: 'dedup' | 'copying',
): number {
  const { journal, runId, srcRoot, dstRoot } = ctx.settings;
  const { stat } = item;
  return journal.begin({
    runId,
    kind: item.kind,
    srcRoot,
    dstRoot,
    srcs: item.srcs,
    dsts,
    tmp,
    size: stat.size,
    mtimeMs: stat.mtimeMs,
    srcIno: stat.ino,
    state,
    undoOf: item.undoOf,
    keepSource: item.keepSource,
  });
}

/**
 * Whether this process may take the item's names out of their source folders (access W_OK, once per folder
 * per batch). Without CAP_DAC_OVERRIDE a file in a read-only folder cannot be removed after its copy, so it is
 * left alone before anything, even a destination folder, is made for it. The service runs as root and passes.
 */
function sourceRemovable(ctx: MoverContext, item: MoveItem, writable: Map<string, boolean>): boolean {
  if (item.keepSource) return true;
  for (const rel of item.srcs) {
    const dir = dirOf(rel);
    let ok = writable.get(dir);
    if (ok === undefined) {
      ok = ctx.settings.src.writable(dir);
      writable.set(dir, ok);
    }
    if (!ok) return false;
  }
  return true;
}

/**
 * Picks destination names: the same path, or a suffixed one when the name is taken; `duplicate` for identical
 * content already there. `missingDirs` caches, for one planning pass, the destination folders that do not
 * exist: no name inside one can be taken, so its files need no lstat each. (A name someone takes before the
 * copy is named still meets EEXIST then, and gets a suffix.)
 */
function chooseTargets(
  ctx: MoverContext,
  item: MoveItem,
  missingDirs: Map<string, boolean>,
): { dsts: string[]; duplicate: { ino: number } | null } {
  const { src, dst } = ctx.settings;
  const wanted = item.targets ?? item.srcs;
  const dsts: string[] = [];
  for (const [i, rel] of wanted.entries()) {
    const unfinished = ctx.run.inFlight.has(rel);
    const existing = dirMissing(ctx, dirOf(rel), missingDirs) ? null : dst.lstat(rel);
    if (!existing && !unfinished) {
      dsts.push(rel);
      continue;
    }
    // Identical content already archived: only for a single name of the same kind, finished.
    if (
      existing &&
      !unfinished &&
      wanted.length === 1 &&
      i === 0 &&
      existing.size === item.stat.size &&
      existing.size <= DEDUP_MAX_BYTES
    ) {
      const sameKind = item.kind === 'symlink' ? isLinkMode(existing.mode) : isFileMode(existing.mode);
      if (
        sameKind &&
        hashAt(dst, rel, item.kind) === hashAt(src, item.srcs[0]!, item.kind) &&
        sameMetadata(ctx, item, existing, rel)
      ) {
        return { dsts: [rel], duplicate: { ino: existing.ino } };
      }
    }
    dsts.push(freeName(ctx, rel, dsts));
  }
  return { dsts, duplicate: null };
}

/**
 * Whether an archived file with the same bytes also has the source's mode, owner and xattrs: only then is the
 * source's removal lossless. A Mac's resource fork or Finder info lives in `user.DosStream.*` xattrs, so the
 * same bytes with other xattrs are another file, kept under a suffixed name.
 */
function sameMetadata(ctx: MoverContext, item: MoveItem, existing: EntryStat, dst: string): boolean {
  if (item.kind === 'symlink') return true;
  const s = item.stat;
  if (existing.mode !== s.mode || existing.uid !== s.uid || existing.gid !== s.gid) return false;
  return isDeepStrictEqual(ctx.settings.src.xattrs(item.srcs[0]!), ctx.settings.dst.xattrs(dst));
}

/**
 * A `._name` companion's name follows its file's: when the file graduates as `name (graduated)`, the
 * companion becomes `._name (graduated)`, never the `._name` of the other file space already holds.
 */
function companionTargets(
  ctx: MoverContext,
  item: MoveItem,
  file: Planned,
  missingDirs: Map<string, boolean>,
): { dsts: string[]; duplicate: { ino: number } | null } {
  const fileDst = file.dsts[0]!;
  const dir = dirOf(fileDst);
  const wanted = `${dir ? `${dir}/` : ''}._${fileDst.slice(dir ? dir.length + 1 : 0)}`;
  if (wanted === (item.targets ?? item.srcs)[0]) return chooseTargets(ctx, item, missingDirs);
  const taken = ctx.run.inFlight.has(wanted) || ctx.settings.dst.lstat(wanted) !== null;
  return { dsts: [taken ? freeName(ctx, wanted, []) : wanted], duplicate: null };
}

function dirMissing(ctx: MoverContext, dir: string, cache: Map<string, boolean>): boolean {
  if (dir === '') return false;
  let missing = cache.get(dir);
  if (missing === undefined) {
    missing = ctx.settings.dst.lstat(dir) === null;
    cache.set(dir, missing);
  }
  return missing;
}

/** The first suffixed alternative of rel that is free in the destination, in flight nowhere, and not in `taken`. */
export function freeName(ctx: MoverContext, rel: string, taken: readonly string[]): string {
  for (let n = 1; ; n++) {
    const candidate = suffixedName(rel, n);
    if (!taken.includes(candidate) && !ctx.run.inFlight.has(candidate) && !ctx.settings.dst.lstat(candidate))
      return candidate;
  }
}
