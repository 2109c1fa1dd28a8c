/**
 * Undo of a graduation run: its moved files go back to where they were, through the same safe move; files it
 * dropped because the archive already held them are copied back (the archive's copy was there before).
 */
import type { Db } from '../../store/db.js';
import { acquireMoverLock, Journal } from './journal.js';
import { moveBatch, skip, syncSources, type MoveItem, type MoveStats, type MoverContext } from './mover.js';
import { recoverJournal } from './recover.js';
import { closeMoverContext, openMoverContext } from './move-open.js';
import { isFileMode, isLinkMode, isUnsafePath } from '../../system/root-dir.js';
import { summaryOf, type GraduationProgress, type GraduationSummary } from './graduate.js';

/** Options of one undo. */
export interface UndoOptions {
  db: Db;
  /** The run being undone. */
  undoRunId: number;
  /** The run row of the undo itself. */
  runId: number;
  signal?: AbortSignal;
  onProgress?: (p: GraduationProgress) => void;
  batchSize?: number;
}

/** Moves every file run `undoRunId` graduated back to its original path (suffixed if that name is taken now). */
export async function undoRun(opts: UndoOptions): Promise<GraduationSummary> {
  const started = Date.now();
  const journal = new Journal(opts.db);
  const release = acquireMoverLock(opts.db, opts.runId);
  const contexts = new Map<string, MoverContext>();
  try {
    const recovered = await recoverJournal(journal);
    const stats: MoveStats = { moved: 0, bytesMoved: 0, skipped: {}, failed: [], examples: [] };
    /** The mover's context for one pair of roots (space → flux), opened once: both roots held for the undo. */
    const contextOf = (key: string, srcRoot: string, dstRoot: string): MoverContext => {
      let ctx = contexts.get(key);
      if (!ctx) {
        ctx = openMoverContext({
          journal,
          runId: opts.runId,
          srcRoot,
          dstRoot,
          freeSpaceMargin: 0,
          signal: opts.signal,
          run: { stats },
        });
        contexts.set(key, ctx);
      }
      return ctx;
    };
    let scanned = 0;
    let eligible = 0;
    let from = '';
    let to = '';
    let after = 0;
    const batchSize = opts.batchSize ?? 2000;
    for (;;) {
      if (opts.signal?.aborted) break;
      const rows = journal.movedOf(opts.undoRunId, after, batchSize);
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      // Rows of one run share roots, but group by them anyway: the journal allows anything.
      const groups = new Map<string, MoveItem[]>();
      for (const r of rows) {
        scanned += r.srcs.length;
        const key = `${r.dstRoot}\0${r.srcRoot}`;
        const ctx = contextOf(key, r.dstRoot, r.srcRoot);
        let st;
        try {
          st = ctx.settings.src.lstat(r.dsts[0]!);
        } catch (err) {
          if (!isUnsafePath(err)) throw err;
          stats.failed.push({
            path: r.dsts[0]!,
            error: `unsafe-path: a folder on its way is a symlink or another mount now, so it was left where it is (${(err as Error).message})`,
          });
          continue;
        }
        if (!st || (r.kind === 'file' ? !isFileMode(st.mode) : !isLinkMode(st.mode))) {
          skip(stats, 'no-longer-in-destination', r.srcs.length);
          continue;
        }
        // Only the very file the run put there (or found there): another file of that name now, perhaps one a
        // member renamed into place, is not moved into flux.
        if (r.tmpIno !== null && st.ino !== r.tmpIno) {
          skip(stats, 'changed-in-destination', r.srcs.length);
          continue;
        }
        eligible += r.srcs.length;
        if (!groups.has(key)) groups.set(key, []);
        // A file graduation dropped because the archive already held it comes back as a copy; the archive's stays.
        groups.get(key)!.push({
          kind: r.kind,
          srcs: r.dsts,
          targets: r.srcs,
          stat: st,
          undoOf: r.id,
          keepSource: r.state === 'duplicate',
        });
      }
      for (const [key, items] of groups) {
        const ctx = contexts.get(key)!;
        from = ctx.settings.srcRoot;
        to = ctx.settings.dstRoot;
        await moveBatch(ctx, items);
        await syncSources(ctx);
        opts.onProgress?.({ scanned, eligible, moved: stats.moved, bytesMoved: stats.bytesMoved, currentPath: null });
      }
    }
    return summaryOf({ runId: opts.runId, scanned, eligible, stats, started, from, to, dryRun: false, recovered });
  } finally {
    for (const ctx of contexts.values()) await closeMoverContext(ctx);
    release();
  }
}
