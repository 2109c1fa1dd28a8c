/**
 * Moves a batch of files from one root to another with the journal: plan (conflicts, free space) →
 * copy to temp names (hashed, read back) → journal → name without replacing (renameat2 NOREPLACE) → sync → journal → remove sources. Every state change
 * is journaled before the next step starts, so recover.ts can finish or undo any step after a crash.
 * One syncfs per batch makes thousands of small files durable for the price of one fsync.
 */
import { constants } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { isFileMode, isLinkMode, isUnsafePath, type EntryStat, type RootDir } from '../../system/root-dir.js';
import { FilesystemSync, syncFilesystem } from '../../system/syncfs.js';
import type { Journal, JournalState } from './journal.js';
import { CHANGED, errnoError, removeAllUnchanged, renameAllNoReplace } from './batch-ops.js';
import type { CopyJob, CopyPool } from './copy-pool.js';
import { ChangedError, copyToTemp, ensureDirs, hashAt, LARGE_FILE, nameNoReplace, sourceChanged, suffixedName, type TempCopy } from './safe-move.js';

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

/** Syncs the source filesystem when a batch removed files from it. */
export async function syncSources(ctx: MoverContext): Promise<void> {
  if (!ctx.sourceDirty) return;
  await (ctx.syncs ? ctx.syncs.src.sync() : syncFilesystem(ctx.srcRoot));
  ctx.sourceDirty = false;
}

/** Opens the handles a run syncs through, before it writes anything: a write-back error is then never missed. */
export function openSyncs(srcRoot: string, dstRoot: string): NonNullable<MoverContext['syncs']> {
  const src = new FilesystemSync(srcRoot);
  try {
    return { src, dst: new FilesystemSync(dstRoot) };
  } catch (err) {
    src.close();
    throw err;
  }
}

/** Closes what openSyncs opened. */
export function closeSyncs(syncs: MoverContext['syncs']): void {
  syncs?.src.close();
  syncs?.dst.close();
}

/** What the mover needs for one run. */
export interface MoverContext {
  journal: Journal;
  runId: number;
  /** The roots' paths, for the journal, messages and Samba's open-file list; every file-system call goes through src and dst. */
  srcRoot: string;
  dstRoot: string;
  /** The roots held open for the run: every path is resolved beneath them. */
  src: RootDir;
  dst: RootDir;
  freeSpaceMargin: number;
  /** Absolute paths Samba has open; they are skipped. */
  openFiles: ReadonlySet<string>;
  /** Brings openFiles up to date before a batch removes its sources (a source opened since keeps its place). */
  recheckOpenFiles?: () => Promise<void>;
  stats: MoveStats;
  signal?: AbortSignal;
  /** Called as files are handled, for progress. */
  onFile?: (rel: string) => void;
  /** Test hook: called after each journaled step. */
  onStep?: (step: MoveStep, journalId: number) => void;
  /** Handles on both filesystems, opened before the run wrote anything (openSyncs); without them each sync opens its own. */
  syncs?: { src: FilesystemSync; dst: FilesystemSync };
  /** Set when sources were removed and not yet synced; the caller syncs the source filesystem. */
  sourceDirty?: boolean;
  /** Set when the destination is full; the caller stops. */
  destinationFull?: boolean;
  /** Folders known to exist in the destination. */
  knownDirs: Set<string>;
  /**
   * Destination names of batches prepared but not finished. Such a name may be undone yet (its source can
   * still change and the copy be removed), so it is never taken as proof that a file is already archived.
   */
  inFlight?: Set<string>;
  /** A counter for unique temp names. */
  seq: number;
  /** Workers for small-file copies; without them every copy runs on this thread. */
  copier?: CopyPool;
  /** A batch with fewer small files than this copies them on this thread (default POOL_MIN_FILES). */
  poolMinFiles?: number;
}

/** One move of a batch as it goes through the phases. */
export interface Planned {
  item: MoveItem;
  id: number;
  dsts: string[];
  tmp: string;
  tmpIno: number | null;
  hash: string | null;
  /** The source's ctime at its copy (null until copied). */
  srcCtimeMs: number | null;
  ok: boolean;
}

const { EEXIST } = constants.errno;

const dirOf = (rel: string) => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');

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
      ok = ctx.src.writable(dir);
      writable.set(dir, ok);
    }
    if (!ok) return false;
  }
  return true;
}

/** Counts a skip reason. */
export function skip(stats: MoveStats, reason: string, n = 1): void {
  stats.skipped[reason] = (stats.skipped[reason] ?? 0) + n;
}

/**
 * Whether an error says a folder went away under the run: mkdir, rename, a temp file's create and a source's
 * checked removal meet ENOENT only when a folder on their way was moved or removed (a user renaming it in Finder).
 */
function movedAway(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | undefined;
  return e?.code === 'ENOENT' && (e.syscall === 'mkdir' || e.syscall === 'rename' || e.syscall === 'unlink' || (e.syscall === 'open' && /(^|\/)\.fts-grad-/.test(e.path ?? '')));
}

/** What a failure says of a path that could not be resolved safely beneath its root. */
export const UNSAFE_PATH = 'unsafe-path';

function fail(ctx: MoverContext, rel: string, err: unknown): void {
  const e = err as NodeJS.ErrnoException;
  let message = e?.message ?? String(err);
  if (e?.code === 'ENOSPC') {
    ctx.destinationFull = true;
    message = `the destination ${ctx.dstRoot} is full (ENOSPC); the file stays in ${ctx.srcRoot}`;
  } else if (isUnsafePath(err) || movedAway(err)) {
    // A folder or file on the way was swapped for a symlink or a mount, or moved away, during the run: the file stays.
    message = `${UNSAFE_PATH}: a folder on its way was replaced by a symlink or another mount, or moved away, during the run, so it was left where it is (${message})`;
  }
  ctx.stats.failed.push({ path: rel, error: message });
}

/**
 * Picks destination names: the same path, or a suffixed one when the name is taken; `duplicate` for identical
 * content already there. `missingDirs` caches, for one planning pass, the destination folders that do not
 * exist: no name inside one can be taken, so its files need no lstat each. (A name someone takes before the
 * copy is named still meets EEXIST then, and gets a suffix.)
 */
function chooseTargets(ctx: MoverContext, item: MoveItem, missingDirs: Map<string, boolean>): { dsts: string[]; duplicate: boolean } {
  const wanted = item.targets ?? item.srcs;
  const dsts: string[] = [];
  for (const [i, rel] of wanted.entries()) {
    const unfinished = ctx.inFlight?.has(rel) ?? false;
    const existing = dirMissing(ctx, dirOf(rel), missingDirs) ? null : ctx.dst.lstat(rel);
    if (!existing && !unfinished) {
      dsts.push(rel);
      continue;
    }
    // Identical content already archived: only for a single name of the same kind, finished.
    if (existing && !unfinished && wanted.length === 1 && i === 0 && existing.size === item.stat.size) {
      const sameKind = item.kind === 'symlink' ? isLinkMode(existing.mode) : isFileMode(existing.mode);
      if (sameKind && hashAt(ctx.dst, rel, item.kind) === hashAt(ctx.src, item.srcs[0]!, item.kind) && sameMetadata(ctx, item, existing, rel)) {
        return { dsts: [rel], duplicate: true };
      }
    }
    dsts.push(freeName(ctx, rel, dsts));
  }
  return { dsts, duplicate: false };
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
  return isDeepStrictEqual(ctx.src.xattrs(item.srcs[0]!), ctx.dst.xattrs(dst));
}

/**
 * A `._name` companion's name follows its file's: when the file graduates as `name (graduated)`, the
 * companion becomes `._name (graduated)`, never the `._name` of the other file space already holds.
 */
function companionTargets(ctx: MoverContext, item: MoveItem, file: Planned, missingDirs: Map<string, boolean>): { dsts: string[]; duplicate: boolean } {
  const fileDst = file.dsts[0]!;
  const dir = dirOf(fileDst);
  const wanted = `${dir ? `${dir}/` : ''}._${fileDst.slice(dir ? dir.length + 1 : 0)}`;
  if (wanted === (item.targets ?? item.srcs)[0]) return chooseTargets(ctx, item, missingDirs);
  const taken = ctx.inFlight?.has(wanted) || ctx.dst.lstat(wanted) !== null;
  return { dsts: [taken ? freeName(ctx, wanted, []) : wanted], duplicate: false };
}

function dirMissing(ctx: MoverContext, dir: string, cache: Map<string, boolean>): boolean {
  if (dir === '') return false;
  let missing = cache.get(dir);
  if (missing === undefined) {
    missing = ctx.dst.lstat(dir) === null;
    cache.set(dir, missing);
  }
  return missing;
}

function freeName(ctx: MoverContext, rel: string, taken: readonly string[]): string {
  for (let n = 1; ; n++) {
    const candidate = suffixedName(rel, n);
    if (!taken.includes(candidate) && !ctx.inFlight?.has(candidate) && !ctx.dst.lstat(candidate)) return candidate;
  }
}

/**
 * Removes a destination name only while it is the copy this run made (its inode): a name someone else put
 * there is never removed. Returns false when the name could not be reached (a folder on its way swapped for a
 * symlink, or moved away): the copy may still be there.
 */
function removeOurs(ctx: MoverContext, rel: string, ino: number | null): boolean {
  try {
    return ctx.dst.unlinkIfIno(rel, ino) !== 'unreachable';
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
function discard(ctx: MoverContext, p: Planned, state: JournalState, error: string, names: readonly string[] = [...p.dsts, p.tmp]): void {
  let reached = true;
  for (const d of names) if (!removeOurs(ctx, d, p.tmpIno)) reached = false;
  ctx.journal.set(p.id, reached ? state : 'stranded', { error });
}

/** Whether a source name is still there; one that cannot be resolved safely counts as not there (both sides are then kept). */
function present(root: RootDir, rel: string): boolean {
  try {
    return root.lstat(rel) !== null;
  } catch {
    return false;
  }
}

/** Whether an error says a source (or the folder holding it) was deleted or moved away since the scan. */
function goneSinceScan(err: unknown, src: string): boolean {
  const e = err as NodeJS.ErrnoException | undefined;
  return e?.code === 'ENOENT' && e.syscall === 'open' && e.path !== undefined && (src === e.path || src.startsWith(`${e.path}/`));
}

/** Whether Samba has any of the item's source names open. */
function isOpen(ctx: MoverContext, item: MoveItem): boolean {
  return ctx.openFiles.size > 0 && item.srcs.some((rel) => ctx.openFiles.has(`${ctx.srcRoot}/${rel}`));
}

/** Whether each source is still what was scanned (and, given its ctime at the copy, has no new metadata). */
function sourcesUnchanged(ctx: MoverContext, item: MoveItem, ctimeMs: number | null = null): boolean {
  return !item.srcs.some((rel) => sourceChanged(ctx.src, rel, item.stat.size, item.stat.mtimeMs, item.stat.ino, ctimeMs));
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/** By default, fewer small files than this in a batch are copied on this thread, not in the pool. */
export const POOL_MIN_FILES = 64;

/**
 * Advances the batch's rows still in `from` to `to` with one statement (the batch's ids are contiguous; rows
 * that failed a step already left `from`). The count must be the rows that passed the step: if it is not,
 * something else wrote this run's journal, and the batch stops here, where recovery can finish it.
 */
function advanceAll(ctx: MoverContext, planned: readonly Planned[], expected: number, from: JournalState, to: JournalState): void {
  const changed = ctx.journal.advance(ctx.runId, planned[0]!.id, planned[planned.length - 1]!.id, from, to);
  if (changed !== expected) throw new Error(`the journal moved ${changed} rows from ${from} to ${to}, expected ${expected}; run again to recover`);
}

/** Moves one batch; updates ctx.stats. Never throws for one file's problem; throws when a sync fails (nothing is removed then). */
export async function moveBatch(ctx: MoverContext, items: MoveItem[]): Promise<void> {
  await finishBatch(ctx, await prepareBatch(ctx, items));
}

/** A batch planned, journaled and copied to temp names; finishBatch names, syncs and removes it. */
export interface PreparedBatch {
  planned: Planned[];
  copied: Planned[];
}

/**
 * The first half of a batch: plan and journal each move, then copy to temp names. A caller may prepare the
 * next batch while the previous one finishes (graduate.ts does): the halves touch different rows and files.
 */
export async function prepareBatch(ctx: MoverContext, items: MoveItem[]): Promise<PreparedBatch> {
  const margin = { reached: false };
  try {
    return await prepareInner(ctx, items, margin);
  } finally {
    // The margin stops the run after this batch; what was planned within it still moves.
    if (margin.reached) ctx.destinationFull = true;
  }
}

/** Moves planned and journaled per transaction; each chunk's small files start copying while the next is planned. */
const PLAN_CHUNK = 128;

const isSmallFile = (item: MoveItem) => item.kind === 'file' && item.stat.size < LARGE_FILE;

async function prepareInner(ctx: MoverContext, items: MoveItem[], margin: { reached: boolean }): Promise<PreparedBatch> {
  const { journal, stats } = ctx;
  const step = (s: MoveStep, id: number) => ctx.onStep?.(s, id);
  const planned: Planned[] = [];
  const byIndex = new Map<number, Planned>();
  const dups: { item: MoveItem; id: number }[] = [];
  let free = ctx.dst.freeBytes();
  const missingDirs = new Map<string, boolean>();
  const writableDirs = new Map<string, boolean>();

  const copiedOne = (p: Planned, copy: TempCopy) => {
    p.tmpIno = copy.tmpIno;
    p.hash = copy.hash;
    p.srcCtimeMs = copy.srcCtimeMs;
    step('temp-written', p.id);
    ctx.onFile?.(p.item.srcs[0]!);
  };
  const notCopied = (p: Planned, err: unknown) => {
    p.ok = false;
    if (err instanceof ChangedError) {
      skip(stats, 'changed-during-copy');
      journal.set(p.id, 'rolled_back', { error: err.message });
    } else if (goneSinceScan(err, p.item.srcs[0]!)) {
      // Deleted, or moved away with its folder, since the scan: nothing to move.
      skip(stats, 'vanished');
      journal.set(p.id, 'rolled_back', { error: 'gone since the scan' });
    } else {
      fail(ctx, p.item.srcs[0]!, err);
      journal.set(p.id, 'failed', { error: (err as Error).message });
    }
    ctx.onFile?.(p.item.srcs[0]!);
  };
  const notTried = (p: Planned) => {
    p.ok = false;
    journal.set(p.id, 'rolled_back', { error: 'not copied' });
  };

  // Small files are copied by the pool (libuv's threads) while this thread plans, and copies large files and
  // symlinks; a batch of a few small files copies them here too (the pool's round trips bring them nothing).
  let smallCount = 0;
  for (const item of items) if (isSmallFile(item)) smallCount++;
  const pool = ctx.copier && smallCount >= (ctx.poolMinFiles ?? POOL_MIN_FILES) ? ctx.copier : null;
  const pooled: Planned[] = [];
  const session = pool?.open((r) => {
    const p = pooled[r.i]!;
    if (r.outcome === 'copied') copiedOne(p, r);
    else if (r.outcome === 'stopped') notTried(p);
    else notCopied(p, r.outcome === 'changed' ? new ChangedError(r.message) : Object.assign(new Error(r.message), { code: r.code, syscall: r.syscall, path: r.path }));
  });
  const onAbort = () => pool?.stop();
  ctx.signal?.addEventListener('abort', onAbort);
  const here: Planned[] = [];

  /** Plans items[from, to): picks names, checks space, journals each move before anything is written. */
  const planRange = (from: number, to: number, fresh: Planned[]) => {
    for (let index = from; index < to; index++) {
      const item = items[index]!;
      if (ctx.signal?.aborted || ctx.destinationFull) break;
      if (item.companionOf !== undefined && !byIndex.has(item.companionOf)) continue;
      if (isOpen(ctx, item)) {
        skip(stats, 'open');
        continue;
      }
      if (!sourceRemovable(ctx, item, writableDirs)) {
        skip(stats, 'read-only-folder');
        continue;
      }
      try {
        const file = item.companionOf === undefined ? undefined : byIndex.get(item.companionOf);
        const { dsts, duplicate } = file ? companionTargets(ctx, item, file, missingDirs) : chooseTargets(ctx, item, missingDirs);
        if (duplicate) {
          const id = journal.begin({ runId: ctx.runId, kind: item.kind, srcRoot: ctx.srcRoot, dstRoot: ctx.dstRoot, srcs: item.srcs, dsts, tmp: null, size: item.stat.size, mtimeMs: item.stat.mtimeMs, srcIno: item.stat.ino, state: 'dedup', undoOf: item.undoOf, keepSource: item.keepSource });
          dups.push({ item, id });
          continue;
        }
        const need = item.kind === 'file' ? item.stat.blocks * 512 + 4096 : 4096;
        if (free - need < ctx.freeSpaceMargin) {
          margin.reached = true;
          skip(stats, 'destination-full');
          continue;
        }
        // The destination folders exist before the row is journaled: recovery can then take a missing folder
        // as one moved away since (and wait), never as one the crash kept from being made.
        try {
          for (const d of dsts) ensureDirs(ctx.src, ctx.dst, dirOf(d), ctx.knownDirs);
        } catch (err) {
          if (goneSinceScan(err, item.srcs[0]!)) skip(stats, 'vanished');
          else fail(ctx, item.srcs[0]!, err);
          continue;
        }
        free -= need;
        const tmp = `${dirOf(dsts[0]!) ? `${dirOf(dsts[0]!)}/` : ''}.fts-grad-${ctx.runId}-${++ctx.seq}`;
        const id = journal.begin({ runId: ctx.runId, kind: item.kind, srcRoot: ctx.srcRoot, dstRoot: ctx.dstRoot, srcs: item.srcs, dsts, tmp, size: item.stat.size, mtimeMs: item.stat.mtimeMs, srcIno: item.stat.ino, state: 'copying', undoOf: item.undoOf, keepSource: item.keepSource });
        const p: Planned = { item, id, dsts, tmp, tmpIno: null, hash: null, srcCtimeMs: null, ok: true };
        fresh.push(p);
        byIndex.set(index, p);
      } catch (err) {
        fail(ctx, item.srcs[0]!, err);
      }
    }
  };

  try {
    // 1. Plan and journal a chunk (one transaction, committed before any of its copies starts), then 2. hand
    // its small files to the copy pool at once; a changed source or a failure rolls that one back.
    for (let from = 0; from < items.length && !ctx.signal?.aborted && !ctx.destinationFull; from += PLAN_CHUNK) {
      const fresh: Planned[] = [];
      journal.transaction(() => planRange(from, Math.min(items.length, from + PLAN_CHUNK), fresh));
      const jobs: CopyJob[] = [];
      for (const p of fresh) {
        planned.push(p);
        step('journaled', p.id);
        for (const d of p.dsts) ctx.inFlight?.add(d);
        if (!session || !isSmallFile(p.item)) {
          here.push(p);
          continue;
        }
        jobs.push({ i: pooled.length, src: p.item.srcs[0]!, tmp: p.tmp, size: p.item.stat.size, mtimeMs: p.item.stat.mtimeMs, ino: p.item.stat.ino });
        pooled.push(p);
      }
      session?.add(jobs);
      // The pool's answers are taken between chunks.
      await tick();
    }

    // Already archived with identical content: the source goes (unless it is to stay), nothing is copied.
    for (const { item, id } of dups) {
      try {
        if (!sourcesUnchanged(ctx, item)) {
          journal.set(id, 'rolled_back', { error: 'changed before removal' });
          skip(stats, 'changed-during-copy');
          continue;
        }
        if (!item.keepSource) for (const rel of item.srcs) ctx.src.unlink(rel);
      } catch (err) {
        // EPERM in a sticky folder, an immutable file: the archived copy stays, and so does this one.
        fail(ctx, item.srcs[0]!, err);
        journal.set(id, 'failed', { error: `already archived, but the source could not be removed: ${(err as Error).message}` });
        continue;
      }
      journal.transaction(() => {
        journal.set(id, 'duplicate');
        if (item.undoOf !== undefined) journal.set(item.undoOf, 'undone');
      });
      stats.moved++;
      ctx.onFile?.(item.srcs[0]!);
    }

    // Large files and symlinks (and every file when there is no pool) are copied on this thread meanwhile.
    let sinceTick = 0;
    for (const p of here) {
      if (ctx.signal?.aborted || ctx.destinationFull) {
        notTried(p);
        continue;
      }
      try {
        copiedOne(p, await copyToTemp(ctx.src, p.item.srcs[0]!, ctx.dst, p.tmp, p.item.stat, p.item.kind));
      } catch (err) {
        notCopied(p, err);
      }
      sinceTick += 1 + (p.item.stat.size >> 20);
      if (sinceTick >= 64) {
        sinceTick = 0;
        await tick();
      }
    }
  } finally {
    // Every job handed out answers before the batch moves on (a chunk that failed as a whole rejects here, after the rest).
    try {
      await session?.end();
    } finally {
      ctx.signal?.removeEventListener('abort', onAbort);
    }
  }
  // A `._name` companion travels only with its file: when the file was not copied, the companion's copy goes.
  for (const p of planned) {
    if (p.ok && p.item.companionOf !== undefined && !byIndex.get(p.item.companionOf)?.ok) {
      p.ok = false;
      discard(ctx, p, 'rolled_back', 'its file was not copied', [p.tmp]);
    }
  }
  return { planned, copied: planned.filter((p) => p.ok) };
}

/** Gives one planned move its final names one call at a time; a name taken meanwhile gets a suffix. Throws on any other failure. */
function nameOneByOne(ctx: MoverContext, p: Planned, step: (s: MoveStep, id: number) => void): void {
  for (let i = 0; i < p.dsts.length; i++) {
    for (;;) {
      try {
        nameNoReplace(ctx.dst, p.tmp, p.dsts[i]!, i === p.dsts.length - 1);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        // The name taken was someone else's: this batch now holds the new one instead.
        ctx.inFlight?.delete(p.dsts[i]!);
        p.dsts[i] = freeName(ctx, (p.item.targets ?? p.item.srcs)[i]!, p.dsts);
        ctx.inFlight?.add(p.dsts[i]!);
        ctx.journal.set(p.id, 'copied', { dsts: p.dsts });
      }
    }
    step('linked-name', p.id);
  }
}

/** The second half of a batch: journal the copies, name them, sync, and remove the sources. Throws only when a sync fails (nothing is removed then). */
export async function finishBatch(ctx: MoverContext, batch: PreparedBatch): Promise<void> {
  await finishInner(ctx, batch);
  // Only after success: a batch that threw leaves named copies for recovery to undo, and a batch being
  // planned meanwhile must not take one of them for an archived duplicate and remove its own source.
  for (const p of batch.planned) for (const d of p.dsts) ctx.inFlight?.delete(d);
}

async function finishInner(ctx: MoverContext, batch: PreparedBatch): Promise<void> {
  const { journal, stats } = ctx;
  const step = (s: MoveStep, id: number) => ctx.onStep?.(s, id);
  const { planned, copied } = batch;
  if (copied.length === 0) return;
  // The one-by-one loops below are synchronous system calls; yielding now and then lets a batch being
  // prepared meanwhile keep the copy pool fed.
  let sinceTick = 0;
  const breathe = async () => {
    if (++sinceTick < 256) return;
    sinceTick = 0;
    await tick();
  };

  // 3. Journaled as copied, with each temp's inode, before any final name exists: recovery can then tell
  // our names from anyone else's. (Durability comes with the one sync after naming, below.)
  journal.transaction(() => {
    for (const p of copied) journal.set(p.id, 'copied', { hash: p.hash!, tmpIno: p.tmpIno!, srcCtimeMs: p.srcCtimeMs! });
  });
  for (const p of copied) step('copied', p.id);

  // 4. Give each its final name(s) without replacing anything; a name taken meanwhile gets a suffix. Single
  // names are given in one batch off this thread; a hard-link group, or a name found taken, one at a time here.
  const naming = (p: Planned, err: unknown) => {
    p.ok = false;
    fail(ctx, p.item.srcs[0]!, err);
    discard(ctx, p, 'failed', (err as Error).message);
  };
  const single = copied.filter((p) => p.dsts.length === 1);
  const from = single.map((p) => p.tmp);
  const to = single.map((p) => p.dsts[0]!);
  const named = await renameAllNoReplace(ctx.dst, from, to);
  const oneByOne: Planned[] = copied.filter((p) => p.dsts.length !== 1);
  for (const [k, p] of single.entries()) {
    const errno = named[k]!;
    if (errno === 0) step('linked-name', p.id);
    else if (errno === EEXIST) oneByOne.push(p);
    else naming(p, errnoError(errno, 'rename', from[k]!, to[k]));
  }
  for (const p of oneByOne) {
    await breathe();
    try {
      nameOneByOne(ctx, p, step);
    } catch (err) {
      naming(p, err);
    }
  }
  const linked = copied.filter((p) => p.ok);
  if (linked.length === 0) return;

  // 5. Data and names durable (one syncfs covers every file and directory of the batch), then journaled as linked.
  await (ctx.syncs ? ctx.syncs.dst.sync() : syncFilesystem(ctx.dstRoot));
  journal.durably(() => advanceAll(ctx, planned, linked.length, 'copied', 'linked'));
  for (const p of linked) step('linked', p.id);

  // 6. Remove each source that is still exactly what was copied; a changed one keeps its place. Single
  // sources are removed in one batch off this thread; a hard-link group's names here, all checked first.
  const removed: Planned[] = [];
  const changed = (p: Planned) => {
    discard(ctx, p, 'rolled_back', 'changed while it was copied', p.dsts);
    skip(stats, 'changed-during-copy');
  };
  const notRemoved = (p: Planned, err: unknown) => {
    fail(ctx, p.item.srcs[0]!, err);
    // With every source name still there, the copy goes: the file stays in one place, and the next run does
    // not find it "already archived". A hard-link group that lost some names keeps both sides.
    if (p.item.srcs.every((rel) => present(ctx.src, rel))) {
      discard(ctx, p, 'rolled_back', `the source could not be removed, so its copy was: ${(err as Error).message}`, p.dsts);
    } else {
      journal.set(p.id, 'failed', { error: `copied, but the source could not be removed: ${(err as Error).message}` });
    }
  };
  const opened = (p: Planned) => {
    discard(ctx, p, 'rolled_back', 'opened by a client during its copy', p.dsts);
    skip(stats, 'open');
  };
  await ctx.recheckOpenFiles?.();
  const removable: Planned[] = [];
  for (const p of linked) {
    if (!p.item.keepSource && isOpen(ctx, p.item)) opened(p);
    else removable.push(p);
  }
  const batchable = removable.filter((p) => !p.item.keepSource && p.item.srcs.length === 1);
  const sources = batchable.map((p) => ({ path: p.item.srcs[0]!, size: p.item.stat.size, mtimeMs: p.item.stat.mtimeMs, ino: p.item.stat.ino, ctimeMs: p.srcCtimeMs }));
  const outcomes = await removeAllUnchanged(ctx.src, sources);
  for (const [k, p] of batchable.entries()) {
    const outcome = outcomes[k]!;
    if (outcome === 0) {
      step('source-removed', p.id);
      removed.push(p);
    } else if (outcome === CHANGED) changed(p);
    else notRemoved(p, errnoError(outcome, 'unlink', sources[k]!.path));
  }
  for (const p of removable) {
    if (p.item.keepSource) {
      removed.push(p);
      continue;
    }
    if (p.item.srcs.length === 1) continue;
    await breathe();
    try {
      if (!sourcesUnchanged(ctx, p.item, p.srcCtimeMs)) {
        changed(p);
        continue;
      }
      for (const rel of p.item.srcs) ctx.src.unlink(rel);
      step('source-removed', p.id);
      removed.push(p);
    } catch (err) {
      notRemoved(p, err);
    }
  }
  if (removed.length === 0) return;
  // The removals are synced once at the end of the run (ctx.sourceDirty): a removal lost to a power cut
  // leaves a file in both places, never in neither.
  ctx.sourceDirty = true;
  journal.transaction(() => {
    advanceAll(ctx, planned, removed.length, 'linked', 'done');
    for (const p of removed) if (p.item.undoOf !== undefined) journal.set(p.item.undoOf, 'undone');
  });
  for (const p of removed) {
    step('done', p.id);
    stats.moved += p.item.srcs.length;
    stats.bytesMoved += p.item.stat.size;
    if (stats.examples.length < 10 && p.item.companionOf === undefined) stats.examples.push(p.dsts[0]!);
  }
}
