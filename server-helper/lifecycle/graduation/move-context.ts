/**
 * What every step of a move shares: the items and their planned moves, the mover's context (what the run was
 * asked to do, what it accumulates, and its hooks), and the small rules the steps apply alike: how a failure is
 * named, how a copy is given up, whether a source is still what was scanned.
 */
import type { EntryStat, RootDir } from '../../system/root-dir.js';
import { isUnsafePath } from '../../system/root-dir.js';
import type { FilesystemSync } from '../../system/syncfs.js';
import type { CopyPool } from './copy-pool.js';
import type { Journal, JournalState } from './journal.js';
import { sourceChanged } from './safe-move.js';
import type { Staging } from './staging.js';

/** One thing to move: a file, a symlink, or a hard-link group (several names of one inode). */
export interface MoveItem {
  kind: 'file' | 'symlink';
  /** Relative source paths (all names of the inode for a hard-link group). */
  srcs: string[];
  /** Relative destination paths; the same as srcs unless given (undo moves back to the original names). */
  targets?: string[];
  /** lstat of srcs[0] when it was chosen. */
  stat: EntryStat;
  /** Index of the item in the same batch this one travels with (a `._name` AppleDouble companion). */
  companionOf?: number;
  /** The journal row this move reverses (undo), marked `undone` when it is done. */
  undoOf?: number;
  /** Copy, do not move: the source stays (undo restoring a file graduation found already archived). */
  keepSource?: boolean;
}

/** Counts one run accumulates. */
export interface MoveStats {
  moved: number;
  bytesMoved: number;
  skipped: Record<string, number>;
  failed: { path: string; error: string }[];
  examples: string[];
}

/** Journal steps, for fault injection in tests (a hook may kill the process at any of them). */
export type MoveStep = 'journaled' | 'temp-written' | 'copied' | 'linked-name' | 'linked' | 'source-removed' | 'done';

/** What a run was asked to do: the mover reads these and never changes them. */
export interface MoveSettings {
  journal: Journal;
  runId: number;
  /** The roots' paths, for the journal, messages and Samba's open-file list; every file-system call goes through src and dst. */
  srcRoot: string;
  dstRoot: string;
  /** The roots held open for the run: every path is resolved beneath them. */
  src: RootDir;
  dst: RootDir;
  /** The run's private folder beneath dst where copies are made before they are named (staging.ts). */
  staging: Staging;
  /** Bytes the destination must keep free. */
  freeSpaceMargin: number;
  signal?: AbortSignal;
  /** Handles on both filesystems, opened before the run wrote anything (openSyncs); without them each sync opens its own. */
  syncs?: { src: FilesystemSync; dst: FilesystemSync };
  /** Small-file copies off this thread; without it every copy runs on this thread. */
  copier?: CopyPool;
  /** A batch with fewer small files than this copies them on this thread (default POOL_MIN_FILES). */
  poolMinFiles?: number;
}

/** What a run accumulates across its batches, and the flags the mover sets for its caller. */
export interface MoveRunState {
  stats: MoveStats;
  /** Absolute paths Samba has open; they are skipped. */
  openFiles: ReadonlySet<string>;
  /** Brings openFiles up to date before a batch removes its sources (a source opened since keeps its place). */
  recheckOpenFiles?: () => Promise<void>;
  /** Source names whose journal rows recovery left unfinished: they wait for it (skipped as awaiting-recovery). */
  awaitingRecovery: ReadonlySet<string>;
  /** Destination folders made or checked this run, by path, with their inode: a name is only given in that very folder. */
  knownDirs: Map<string, number>;
  /**
   * Destination names of batches prepared but not finished. Such a name may be undone yet (its source can
   * still change and the copy be removed), so it is never taken as proof that a file is already archived.
   */
  inFlight: Set<string>;
  /** A counter for unique temp names. */
  seq: number;
  /** Set by the mover when sources were removed and not yet synced; the caller syncs the source filesystem. */
  sourceDirty: boolean;
  /** Set by the mover when the destination is full; the caller stops. */
  destinationFull: boolean;
  /** Set with destinationFull when the free-space margin (not ENOSPC) stopped the run: the room the next file needed. */
  marginNeed?: number;
}

/** Progress and fault-injection hooks. */
export interface MoveHooks {
  /** Called as files are handled, for progress. */
  onFile?: (rel: string) => void;
  /** Called after each journaled step (tests kill the process at one). */
  onStep?: (step: MoveStep, journalId: number) => void;
}

/** What the mover needs for one run: its settings, its state, its hooks. */
export interface MoverContext {
  settings: MoveSettings;
  run: MoveRunState;
  hooks: MoveHooks;
}

/** One move of a batch as it goes through the steps. */
export interface Planned {
  item: MoveItem;
  id: number;
  dsts: string[];
  /** The inode of each destination's folder, as checked when it was planned. */
  dirInos: number[];
  /** The copy's path relative to the destination root (the journal's), in the staging folder. */
  tmp: string;
  /** The copy's name in the staging folder. */
  tmpLeaf: string;
  tmpIno: number | null;
  hash: string | null;
  /** The source's ctime at its copy (null until copied). */
  srcCtimeMs: number | null;
  ok: boolean;
}

/** A batch planned, journaled and copied to temp names; finishBatch names, syncs and removes it. */
export interface PreparedBatch {
  planned: Planned[];
  copied: Planned[];
}

/** The folder part of a relative path ('' at the root). */
export const dirOf = (rel: string): string => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');

/** Lets the event loop run (timers, the abort signal, the copy pool's answers). */
export const tick = (): Promise<void> => new Promise<void>((r) => setImmediate(r));

/** Counts a skip reason. */
export function skip(stats: MoveStats, reason: string, n = 1): void {
  stats.skipped[reason] = (stats.skipped[reason] ?? 0) + n;
}

/** What a failure says of a path that could not be resolved safely beneath its root. */
export const UNSAFE_PATH = 'unsafe-path';

/**
 * Whether an error says a folder went away under the run: mkdir, rename, a temp file's create and a source's
 * checked removal meet ENOENT only when a folder on their way was moved or removed (a user renaming it in Finder).
 */
function movedAway(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | undefined;
  return (
    e?.code === 'ENOENT' &&
    (e.syscall === 'mkdir' ||
      e.syscall === 'rename' ||
      e.syscall === 'unlink' ||
      (e.syscall === 'open' && /(^|\/)\.fts-grad-/.test(e.path ?? '')))
  );
}

/** Records one file's failure with a message a person can act on. */
export function fail(ctx: MoverContext, rel: string, err: unknown): void {
  const { srcRoot, dstRoot } = ctx.settings;
  const e = err as NodeJS.ErrnoException;
  let message = e?.message ?? String(err);
  if (e?.code === 'ENOSPC') {
    ctx.run.destinationFull = true;
    message = `the destination ${dstRoot} is full (ENOSPC); the file stays in ${srcRoot}`;
  } else if (isUnsafePath(err) || movedAway(err)) {
    // A folder or file on the way was swapped for a symlink or a mount, or moved away, during the run: the file stays.
    message = `${UNSAFE_PATH}: a folder on its way was replaced by a symlink or another mount, or moved away, during the run, so it was left where it is (${message})`;
  }
  ctx.run.stats.failed.push({ path: rel, error: message });
}

/** Whether an error says a source (or the folder holding it) was deleted or moved away since the scan. */
export function goneSinceScan(err: unknown, src: string): boolean {
  const e = err as NodeJS.ErrnoException | undefined;
  return (
    e?.code === 'ENOENT' &&
    e.syscall === 'open' &&
    e.path !== undefined &&
    (src === e.path || src.startsWith(`${e.path}/`))
  );
}

/**
 * Removes a destination name only while it is the copy this run made (its inode): a name someone else put
 * there is never removed. Returns false when the name could not be reached (a folder on its way swapped for a
 * symlink, or moved away): the copy may still be there.
 */
function removeOurs(root: RootDir, rel: string, ino: number | null): boolean {
  try {
    return root.unlinkIfIno(rel, ino) !== 'unreachable';
  } catch (err) {
    if (!isUnsafePath(err)) throw err;
    return false;
  }
}

/**
 * Gives up a move: its copy goes (every name and the temp name, only while they are ours), and the row ends in
 * `state`. When a name could not be reached, the row is `stranded` instead, so recovery removes the copy later
 * rather than leave it forever.
 */
export function discard(
  ctx: MoverContext,
  p: Planned,
  state: JournalState,
  error: string,
  which: { names: boolean; copy: boolean } = { names: true, copy: true },
): void {
  const { dst, staging } = ctx.settings;
  let reached = true;
  if (which.names) for (const d of p.dsts) if (!removeOurs(dst, d, p.tmpIno)) reached = false;
  if (which.copy && !removeOurs(staging.dir, p.tmpLeaf, p.tmpIno)) reached = false;
  ctx.settings.journal.set(p.id, reached ? state : 'stranded', { error });
}

/** Whether a source name is still there; one that cannot be resolved safely counts as not there (both sides are then kept). */
export function present(root: RootDir, rel: string): boolean {
  try {
    return root.lstat(rel) !== null;
  } catch {
    return false;
  }
}

/** Whether Samba has any of the item's source names open. */
export function isOpen(ctx: MoverContext, item: MoveItem): boolean {
  const open = ctx.run.openFiles;
  return open.size > 0 && item.srcs.some((rel) => open.has(`${ctx.settings.srcRoot}/${rel}`));
}

/** Whether each source is still what was scanned (and, given its ctime at the copy, has no new metadata). */
export function sourcesUnchanged(ctx: MoverContext, item: MoveItem, ctimeMs: number | null = null): boolean {
  return !item.srcs.some((rel) =>
    sourceChanged(ctx.settings.src, rel, item.stat.size, item.stat.mtimeMs, item.stat.ino, ctimeMs),
  );
}

/**
 * Advances the batch's rows still in `from` to `to` with one statement (the batch's ids are contiguous; rows
 * that failed a step already left `from`). The count must be the rows that passed the step: if it is not,
 * something else wrote this run's journal, and the batch stops here, where recovery can finish it.
 */
export function advanceAll(
  ctx: MoverContext,
  planned: readonly Planned[],
  expected: number,
  from: JournalState,
  to: JournalState,
): void {
  const changed = ctx.settings.journal.advance(
    ctx.settings.runId,
    planned[0]!.id,
    planned[planned.length - 1]!.id,
    from,
    to,
  );
  if (changed !== expected)
    throw new Error(
      `the journal moved ${changed} rows from ${from} to ${to}, expected ${expected}; run again to recover`,
    );
}

/** The journal's step hook, through the context. */
export function stepOf(ctx: MoverContext): (s: MoveStep, id: number) => void {
  return (s, id) => ctx.hooks.onStep?.(s, id);
}
