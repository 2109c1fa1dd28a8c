/**
 * One graduation run: recover the journal, stream the scan through the policy, and move eligible files in
 * batches. Memory stays bounded: the scan yields batches and only hard-linked files are remembered until
 * the end (their groups must be complete to move).
 */
import { realpathSync, statSync } from 'node:fs';
import type { Db } from '../../store/db.js';
import { isFileMode, RootDir } from '../../system/root-dir.js';
import { acquireMoverLock, Journal } from './journal.js';
import { CopyPool } from './copy-pool.js';
import { closeSyncs, finishBatch, openSyncs, prepareBatch, skip, syncSources, type MoveItem, type MoveStats, type MoveStep, type MoverContext } from './mover.js';
import { isOldEnough, normalizeIncludes, type Policy } from './policy.js';
import { recoverJournal } from './recover.js';
import { walk } from './scan.js';
import { walkParallel } from './scan-parallel.js';

/** Progress while a run goes. */
export interface GraduationProgress {
  scanned: number;
  eligible: number;
  moved: number;
  bytesMoved: number;
  currentPath: string | null;
}

/** The final summary of a run (the CLI prints it; `graduation.finished` carries it). */
export interface GraduationSummary {
  runId: number;
  scanned: number;
  eligible: number;
  moved: number;
  bytesMoved: number;
  skipped: Record<string, number>;
  failed: { path: string; error: string }[];
  durationMs: number;
  examples: string[];
  from: string;
  to: string;
  dryRun: boolean;
  /** Journal rows a previous crash left, and what became of them. */
  recovered: { rolledBack: number; completed: number; deferred: number };
}

/** The summary of a run (graduation or undo) from its counts and the mover's stats. */
export function summaryOf(r: { runId: number; scanned: number; eligible: number; stats: MoveStats; started: number; from: string; to: string; dryRun: boolean; recovered: GraduationSummary['recovered'] }): GraduationSummary {
  const { stats } = r;
  return {
    runId: r.runId,
    scanned: r.scanned,
    eligible: r.eligible,
    moved: stats.moved,
    bytesMoved: stats.bytesMoved,
    skipped: stats.skipped,
    failed: stats.failed,
    durationMs: Date.now() - r.started,
    examples: stats.examples,
    from: r.from,
    to: r.to,
    dryRun: r.dryRun,
    recovered: r.recovered,
  };
}

/** Options of one run. */
export interface GraduateOptions {
  db: Db;
  runId: number;
  srcRoot: string;
  dstRoot: string;
  policy: Policy;
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Files Samba has open now (absolute paths); read at the start and again before a batch's sources go. */
  openFiles?: () => Promise<ReadonlySet<string>>;
  /** How old the open-files list may be when a batch removes its sources (default 2 s). */
  openFilesMaxAgeMs?: number;
  onProgress?: (p: GraduationProgress) => void;
  /** Minimum interval between onProgress calls. */
  progressIntervalMs?: number;
  onStep?: (step: MoveStep, journalId: number) => void;
  /** `parallel` (default): directories read by worker threads; `sync`: one synchronous walk on this thread, yielding between batches. */
  scan?: 'parallel' | 'sync';
  /** Items per move batch (one syncfs per batch). */
  batchSize?: number;
  /** Fewest small files in a batch for the copy pool to be used (mover.ts POOL_MIN_FILES by default). */
  poolMinFiles?: number;
  now?: number;
}

/** Bad roots (missing, the same, one inside the other): nothing runs. */
export class RootsError extends Error {
  override readonly name = 'RootsError';
}

/** Checks the two roots are distinct existing folders, neither inside the other; returns their real paths. */
export function checkRoots(srcRoot: string, dstRoot: string): { src: string; dst: string } {
  for (const r of [srcRoot, dstRoot]) {
    let ok = false;
    try {
      ok = statSync(r).isDirectory();
    } catch {
      ok = false;
    }
    if (!ok) throw new RootsError(`${r} does not exist or is not a folder`);
  }
  const src = realpathSync(srcRoot);
  const dst = realpathSync(dstRoot);
  if (src === dst || dst.startsWith(`${src}/`) || src.startsWith(`${dst}/`)) {
    throw new RootsError(`the source ${src} and the destination ${dst} must be separate folders, neither inside the other`);
  }
  return { src, dst };
}

/** Opens both roots for a run (or an undo); closes the first when the second fails. */
export function openRoots(src: string, dst: string): { src: RootDir; dst: RootDir } {
  const s = new RootDir(src);
  try {
    return { src: s, dst: new RootDir(dst) };
  } catch (err) {
    s.close();
    throw err;
  }
}

/** The first batch's most items; each next one doubles, up to batchSize. */
const FIRST_BATCH = 256;

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

/** Runs graduation once; never throws for one file's problem (those are in `failed`). */
export async function graduate(opts: GraduateOptions): Promise<GraduationSummary> {
  const started = Date.now();
  const now = opts.now ?? started;
  const { src, dst } = checkRoots(opts.srcRoot, opts.dstRoot);
  const journal = new Journal(opts.db);
  const release = opts.dryRun ? () => {} : acquireMoverLock(opts.db, opts.runId);
  // Both roots are opened once, here: from now on every path below them is resolved beneath these fds.
  let roots: { src: RootDir; dst: RootDir } | undefined;
  let copier: CopyPool | undefined;
  let syncs: MoverContext['syncs'];
  /** The batch being finished while the next one is prepared. */
  let finishing: Promise<void> = Promise.resolve();
  try {
    const recovered = opts.dryRun ? { rolledBack: 0, completed: 0, deferred: 0 } : await recoverJournal(journal);
    const openFiles = opts.openFiles ? await opts.openFiles() : new Set<string>();
    let openFilesRead = Date.now();
    const stats: MoveStats = { moved: 0, bytesMoved: 0, skipped: {}, failed: [], examples: [] };
    roots = openRoots(src, dst);
    if (!opts.dryRun) syncs = openSyncs(src, dst);
    const ctx: MoverContext = {
      syncs,
      journal,
      runId: opts.runId,
      srcRoot: src,
      dstRoot: dst,
      src: roots.src,
      dst: roots.dst,
      freeSpaceMargin: opts.policy.freeSpaceMargin,
      openFiles,
      stats,
      signal: opts.signal,
      onStep: opts.onStep,
      knownDirs: new Set(),
      inFlight: new Set(),
      poolMinFiles: opts.poolMinFiles,
      seq: 0,
    };
    const readOpenFiles = opts.openFiles;
    if (readOpenFiles && !opts.dryRun) {
      // A client may open a file after the first look: removing it then would send its writes to a deleted
      // inode. So a batch about to remove sources looks again when the list is older than this.
      const maxAge = opts.openFilesMaxAgeMs ?? 2000;
      ctx.recheckOpenFiles = async () => {
        if (Date.now() - openFilesRead < maxAge) return;
        ctx.openFiles = await readOpenFiles();
        openFilesRead = Date.now();
      };
    }
    let scanned = 0;
    let eligible = 0;
    let current: string | null = null;
    let lastProgress = 0;
    const interval = opts.progressIntervalMs ?? 250;
    const progress = (force = false) => {
      const t = Date.now();
      if (!opts.onProgress || (!force && t - lastProgress < interval)) return;
      lastProgress = t;
      opts.onProgress({ scanned, eligible, moved: stats.moved, bytesMoved: stats.bytesMoved, currentPath: current });
    };
    ctx.onFile = (rel) => {
      current = rel;
      progress();
    };

    const include = normalizeIncludes(opts.policy.include);
    const hardLinks = new Map<string, { stat: MoveItem['stat']; paths: string[] }>();
    let pending: MoveItem[] = [];
    let pendingBytes = 0;
    const batchSize = opts.batchSize ?? 10_000;
    // The first batches are small so copying starts early (the next batch is copied while one finishes, and
    // nothing overlaps the first copy); then they double up to batchSize (each batch costs one syncfs).
    let limit = Math.min(batchSize, FIRST_BATCH);
    const flush = async () => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      limit = Math.min(batchSize, limit * 2);
      pendingBytes = 0;
      if (!opts.dryRun) {
        ctx.copier ??= copier = new CopyPool(ctx.src, ctx.dst);
        // Two batches in flight: this one is planned and copied while the previous one is named, synced and
        // its sources removed (their rows and files are disjoint). Then the previous must be done before this
        // one finishes, so batches still finish in order.
        const prepared = await prepareBatch(ctx, batch);
        await finishing;
        finishing = finishBatch(ctx, prepared);
        // Rejections are taken where finishing is awaited (next batch, or the end of the run).
        finishing.catch(() => {});
      }
      progress();
    };
    /** Queues an item (and its `._name` companion) for the next batch; true when the batch is full. Not async: it runs per file. */
    const add = (item: MoveItem, companion: string | null): boolean => {
      eligible += item.srcs.length + (companion ? 1 : 0);
      if (opts.dryRun) return false;
      const index = pending.length;
      pending.push(item);
      pendingBytes += item.stat.size;
      if (companion) {
        try {
          const st = ctx.src.lstat(companion);
          if (st && isFileMode(st.mode) && st.nlink === 1) pending.push({ kind: 'file', srcs: [companion], stat: st, companionOf: index });
        } catch {
          // The companion cannot be reached safely now; the file goes alone.
        }
      }
      return pending.length >= limit || pendingBytes >= BATCH_BYTES;
    };

    const countSkip = (reason: string, n?: number) => skip(stats, reason, n);
    // The parallel walk applies the age test in its workers and only counts the files it keeps back.
    const tooNew = (n: number) => {
      scanned += n;
      skip(stats, 'too-new', n);
    };
    const batches =
      opts.scan === 'sync'
        ? walk(ctx.src, { exclude: opts.policy.exclude, include, skip: countSkip })
        : walkParallel(ctx.src, { exclude: opts.policy.exclude, include, skip: countSkip, minAgeMs: opts.policy.minAgeMs, now, onTooNew: tooNew });
    for await (const batch of batches) {
      if (opts.signal?.aborted || ctx.destinationFull) break;
      for (const e of batch) {
        scanned++;
        if (!isOldEnough(e.stat.mtimeMs, now, opts.policy.minAgeMs)) {
          skip(stats, 'too-new');
          continue;
        }
        if (e.kind === 'file' && e.stat.nlink > 1) {
          const key = `${e.stat.dev}:${e.stat.ino}`;
          const g = hardLinks.get(key);
          if (g) g.paths.push(e.rel);
          else hardLinks.set(key, { stat: e.stat, paths: [e.rel] });
          continue;
        }
        if (add({ kind: e.kind, srcs: [e.rel], stat: e.stat }, e.companion)) await flush();
      }
      progress();
      // Let timers, the abort signal and the API breathe between scan batches.
      await new Promise<void>((r) => setImmediate(r));
    }
    // Hard-linked files graduate together, or not at all when a name lies outside what was scanned.
    for (const { stat, paths } of hardLinks.values()) {
      if (opts.signal?.aborted || ctx.destinationFull) break;
      if (paths.length !== stat.nlink) {
        skip(stats, 'hardlink-outside', paths.length);
        continue;
      }
      if (add({ kind: 'file', srcs: paths, stat }, null)) await flush();
    }
    hardLinks.clear();
    if (!opts.signal?.aborted) {
      // The last batch's naming, sync and removals overlap nothing: it goes as a large batch and a small one
      // (FIRST_BATCH), so the large one finishes while the small one copies.
      const tail = splitTail(pending, FIRST_BATCH);
      await flush();
      pending = tail;
      await flush();
    }
    await finishing;
    await syncSources(ctx);
    if (ctx.destinationFull && !stats.failed.some((f) => f.error.includes('ENOSPC'))) {
      stats.failed.push({ path: dst, error: `${dst} has less free space than the margin (${opts.policy.freeSpaceMargin} bytes); the remaining files stay in ${src}` });
    }
    current = null;
    progress(true);
    return summaryOf({ runId: opts.runId, scanned, eligible, stats, started, from: src, to: dst, dryRun: !!opts.dryRun, recovered });
  } catch (err) {
    // A run that stops on an error (a failed sync) may leave a batch copied but not finished: roll back or
    // complete it now, as the next run would, rather than leave full temp copies until then.
    await finishing.catch(() => {});
    if (!opts.dryRun) await recoverJournal(journal).catch(() => {});
    throw err;
  } finally {
    // Never leave a batch finishing behind the mover lock (its error, if any, was already taken).
    await finishing.catch(() => {});
    await copier?.close();
    closeSyncs(syncs);
    roots?.src.close();
    roots?.dst.close();
    release();
  }
}
