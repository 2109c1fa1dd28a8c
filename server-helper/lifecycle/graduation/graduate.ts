/**
 * One graduation run: recover the journal, stream the scan through the policy, and move eligible files in
 * batches. Memory stays bounded: the scan yields batches and only hard-linked files are remembered until
 * the end (their groups must be complete to move).
 */
import { realpathSync, statSync } from 'node:fs';
import { countOf, formatBinaryBytes } from '../../../contract/format.js';
import type { Db } from '../../store/db.js';
import { isFileMode, type RootDir } from '../../system/root-dir.js';
import { acquireMoverLock, Journal } from './journal.js';
import { Batcher } from './batcher.js';
import { skip, syncSources, type MoveItem, type MoverContext, type MoveStats, type MoveStep } from './mover.js';
import { closeMoverContext, openMoverContext } from './move-open.js';
import { marginStopMessage, spaceNeeded } from './margin.js';
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
  /** Bytes of the files the policy chose (a dry run's "would graduate 2 files, 12 MiB"). */
  eligibleBytes: number;
  moved: number;
  bytesMoved: number;
  skipped: Record<string, number>;
  failed: { path: string; error: string }[];
  durationMs: number;
  /** A few files moved; on a dry run, the first files it would move. */
  examples: string[];
  from: string;
  to: string;
  dryRun: boolean;
  /**
   * Why the run stopped before the end (the free-space margin), or on a dry run why the real run would; null when
   * it went through. Not a file's failure: the files not moved are counted in `skipped` or were never reached.
   */
  stopped: string | null;
  /** A dry run's every file it would move (the process that started it gets them; the run history keeps `examples`). */
  files?: string[];
  /** Journal rows a previous crash left, and what became of them. */
  recovered: { rolledBack: number; completed: number; deferred: number };
}

/** The summary of a run (graduation or undo) from its counts and the mover's stats. */
export function summaryOf(r: {
  runId: number;
  scanned: number;
  eligible: number;
  stats: MoveStats;
  started: number;
  from: string;
  to: string;
  dryRun: boolean;
  recovered: GraduationSummary['recovered'];
  eligibleBytes?: number;
  stopped?: string | null;
  files?: string[];
}): GraduationSummary {
  const { stats } = r;
  return {
    runId: r.runId,
    scanned: r.scanned,
    eligible: r.eligible,
    eligibleBytes: r.eligibleBytes ?? 0,
    moved: stats.moved,
    bytesMoved: stats.bytesMoved,
    skipped: stats.skipped,
    failed: stats.failed,
    durationMs: Date.now() - r.started,
    examples: r.files ? r.files.slice(0, 10) : stats.examples,
    from: r.from,
    to: r.to,
    dryRun: r.dryRun,
    stopped: r.stopped ?? null,
    ...(r.files ? { files: r.files } : {}),
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
  /** What the margin is called where it was set, for the message when it stops the run (default the config's key). */
  marginSetting?: string;
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
  /**
   * Files (paths relative to the source) to leave where they are this run: restored or brought back to flux lately,
   * they keep their old mtimes and would otherwise go straight back. Counted as skipped `kept-in-flux`.
   */
  held?: (rel: string) => boolean;
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
    throw new RootsError(
      `the source ${src} and the destination ${dst} must be separate folders, neither inside the other`,
    );
  }
  return { src, dst };
}

/**
 * Keeps the list of files Samba has open fresh for the step that removes sources: a client may open a file
 * after the first look, and removing it then would send its writes to a deleted inode. So a batch about to
 * remove sources looks again when the list is older than maxAgeMs.
 */
function recheckOpenFiles(ctx: MoverContext, read: () => Promise<ReadonlySet<string>>, maxAgeMs: number): void {
  let readAt = Date.now();
  ctx.run.recheckOpenFiles = async () => {
    if (Date.now() - readAt < maxAgeMs) return;
    ctx.run.openFiles = await read();
    readAt = Date.now();
  };
}

/** Counts of one run, and its progress reports (at most one per interval). */
class RunProgress {
  scanned = 0;
  eligible = 0;
  eligibleBytes = 0;
  current: string | null = null;
  private last = 0;

  constructor(
    private readonly stats: MoveStats,
    private readonly onProgress: GraduateOptions['onProgress'],
    private readonly intervalMs: number,
  ) {}

  /** Reports now when the interval has passed (or `force`). */
  report(force = false): void {
    const t = Date.now();
    if (!this.onProgress || (!force && t - this.last < this.intervalMs)) return;
    this.last = t;
    this.onProgress({
      scanned: this.scanned,
      eligible: this.eligible,
      moved: this.stats.moved,
      bytesMoved: this.stats.bytesMoved,
      currentPath: this.current,
    });
  }
}

/** Runs graduation once; never throws for one file's problem (those are in `failed`). */
export async function graduate(opts: GraduateOptions): Promise<GraduationSummary> {
  const started = Date.now();
  const { src, dst } = checkRoots(opts.srcRoot, opts.dstRoot);
  const journal = new Journal(opts.db);
  const release = opts.dryRun ? () => {} : acquireMoverLock(opts.db, opts.runId);
  let ctx: MoverContext | undefined;
  let batcher: Batcher | undefined;
  try {
    const recovered = opts.dryRun ? { rolledBack: 0, completed: 0, deferred: 0 } : await recoverJournal(journal);
    const openFiles = opts.openFiles ? await opts.openFiles() : new Set<string>();
    ctx = openMoverContext({
      journal,
      runId: opts.runId,
      srcRoot: src,
      dstRoot: dst,
      freeSpaceMargin: opts.policy.freeSpaceMargin,
      dryRun: opts.dryRun,
      signal: opts.signal,
      poolMinFiles: opts.poolMinFiles,
      run: { openFiles },
      hooks: { onStep: opts.onStep },
    });
    if (opts.openFiles && !opts.dryRun) recheckOpenFiles(ctx, opts.openFiles, opts.openFilesMaxAgeMs ?? 2000);
    const progress = new RunProgress(ctx.run.stats, opts.onProgress, opts.progressIntervalMs ?? 250);
    ctx.hooks.onFile = (rel) => {
      progress.current = rel;
      progress.report();
    };
    batcher = new Batcher(opts.dryRun ? null : ctx, opts.batchSize ?? 10_000, () => progress.report());
    const dry = opts.dryRun ? new DryRunPlan(ctx.settings.dst.freeBytes(), opts.policy.freeSpaceMargin) : null;
    await scanAndQueue(ctx, opts, batcher, progress, dry);
    if (!opts.signal?.aborted) await batcher.flushLast();
    await batcher.done();
    await syncSources(ctx);
    const { stats } = ctx.run;
    const margin = {
      to: dst,
      stays: src,
      margin: opts.policy.freeSpaceMargin,
      setting: opts.marginSetting ?? 'graduation.freeSpaceMargin',
    };
    let stopped: string | null = null;
    if (dry?.firstMisfit !== undefined) {
      const moves = `${countOf(dry.fitting, 'file')} (${formatBinaryBytes(dry.fittingBytes)})`;
      stopped = `the real run would stop on the free-space margin after ${moves}: ${marginStopMessage({ ...margin, freeBytes: dry.freeBefore, nextNeeds: dry.firstMisfit })}`;
    } else if (ctx.run.marginNeed !== undefined) {
      // The margin stopped the run (ENOSPC is a file's failure, said with that file).
      stopped = marginStopMessage({
        ...margin,
        freeBytes: ctx.settings.dst.freeBytes(),
        nextNeeds: ctx.run.marginNeed,
      });
    }
    progress.current = null;
    progress.report(true);
    return summaryOf({
      runId: opts.runId,
      scanned: progress.scanned,
      eligible: progress.eligible,
      stats,
      started,
      from: src,
      to: dst,
      dryRun: !!opts.dryRun,
      recovered,
      eligibleBytes: progress.eligibleBytes,
      stopped,
      files: dry?.files,
    });
  } catch (err) {
    // A run that stops on an error (a failed sync) may leave a batch copied but not finished: roll back or
    // complete it now, as the next run would, rather than leave full temp copies until then.
    await batcher?.done().catch(() => {});
    if (!opts.dryRun) await recoverJournal(journal).catch(() => {});
    throw err;
  } finally {
    // Never leave a batch finishing behind the mover lock (its error, if any, was already taken).
    await batcher?.done().catch(() => {});
    await closeMoverContext(ctx);
    release();
  }
}

/**
 * Streams the scan through the policy into batches: files old enough are queued with their `._name`
 * companion; hard-linked files wait until the scan ends, then graduate together, or not at all when a name
 * lies outside what was scanned.
 */
async function scanAndQueue(
  ctx: MoverContext,
  opts: GraduateOptions,
  batcher: Batcher,
  progress: RunProgress,
  dry: DryRunPlan | null,
): Promise<void> {
  const { stats } = ctx.run;
  const { src } = ctx.settings;
  const now = opts.now ?? Date.now();
  const stop = () => !!opts.signal?.aborted || ctx.run.destinationFull;
  const queue = async (item: MoveItem, companion: string | null) => {
    const extra = companion ? companionItem(src, companion) : null;
    progress.eligible += item.srcs.length + (companion ? 1 : 0);
    progress.eligibleBytes += item.stat.size + (extra?.stat.size ?? 0);
    if (dry) {
      dry.add(item);
      if (extra) dry.add(extra);
    } else if (batcher.add(item, extra)) await batcher.flush();
  };
  const hardLinks = new Map<string, { stat: MoveItem['stat']; paths: string[] }>();
  for await (const batch of scanOf(ctx, opts, now, progress)) {
    if (stop()) break;
    for (const e of batch) {
      progress.scanned++;
      if (!isOldEnough(e.stat.mtimeMs, now, opts.policy.minAgeMs)) skip(stats, 'too-new');
      else if (opts.held?.(e.rel)) skip(stats, 'kept-in-flux');
      else if (e.kind === 'file' && e.stat.nlink > 1) {
        const g = hardLinks.get(`${e.stat.dev}:${e.stat.ino}`);
        if (g) g.paths.push(e.rel);
        else hardLinks.set(`${e.stat.dev}:${e.stat.ino}`, { stat: e.stat, paths: [e.rel] });
      } else await queue({ kind: e.kind, srcs: [e.rel], stat: e.stat }, e.companion);
    }
    progress.report();
    // Let timers, the abort signal and the API breathe between scan batches.
    await new Promise<void>((r) => setImmediate(r));
  }
  for (const { stat, paths } of hardLinks.values()) {
    if (stop()) break;
    if (paths.length !== stat.nlink) skip(stats, 'hardlink-outside', paths.length);
    else await queue({ kind: 'file', srcs: paths, stat }, null);
  }
}

/** The scan of the source root: the parallel walk (the age test in its workers) or the walk on this thread. */
function scanOf(ctx: MoverContext, opts: GraduateOptions, now: number, progress: RunProgress) {
  const { stats } = ctx.run;
  const include = normalizeIncludes(opts.policy.include);
  // The helper's own names (staging folders, temp copies) are never graduated, whatever the policy's excludes.
  const exclude = [...new Set([...opts.policy.exclude, '.fts-*'])];
  const countSkip = (reason: string, n?: number) => skip(stats, reason, n);
  if (opts.scan === 'sync') return walk(ctx.settings.src, { exclude, include, skip: countSkip });
  // The parallel walk applies the age test in its workers and only counts the files it keeps back.
  const onTooNew = (n: number) => {
    progress.scanned += n;
    skip(stats, 'too-new', n);
  };
  return walkParallel(ctx.settings.src, {
    exclude,
    include,
    skip: countSkip,
    minAgeMs: opts.policy.minAgeMs,
    now,
    onTooNew,
  });
}

/**
 * What a dry run would move, in the order the real run would: every name, and how far the destination's free space
 * goes above the margin (the real run stops at the first item that does not fit).
 */
class DryRunPlan {
  readonly files: string[] = [];
  fitting = 0;
  fittingBytes = 0;
  /** The room the first item that did not fit needs; undefined while all fit. */
  firstMisfit: number | undefined;
  private free: number;

  constructor(
    readonly freeBefore: number,
    private readonly margin: number,
  ) {
    this.free = freeBefore;
  }

  add(item: MoveItem): void {
    this.files.push(...item.srcs);
    if (this.firstMisfit !== undefined) return;
    const need = spaceNeeded(item);
    if (this.free - need < this.margin) {
      this.firstMisfit = need;
      return;
    }
    this.free -= need;
    this.fitting += item.srcs.length;
    this.fittingBytes += item.stat.size;
  }
}

/** A `._name` companion as an item of its own, when it is a plain file with one name (else the file goes alone). */
function companionItem(src: RootDir, companion: string): MoveItem | null {
  try {
    const st = src.lstat(companion);
    return st && isFileMode(st.mode) && st.nlink === 1 ? { kind: 'file', srcs: [companion], stat: st } : null;
  } catch {
    // It cannot be reached safely now; the file goes alone.
    return null;
  }
}
