/**
 * Undo of a graduation run: its moved files go back to where they were, through the same safe move; files it
 * dropped because the archive already held them are copied back (the archive's copy was there before).
 */
import type { Db } from '../../store/db.js';
import { CopyPool } from './copy-pool.js';
import { acquireMoverLock, Journal } from './journal.js';
import { closeSyncs, moveBatch, openSyncs, skip, syncSources, type MoveItem, type MoveStats, type MoverContext } from './mover.js';
import { recoverJournal } from './recover.js';
import { lstatOrNull } from './safe-move.js';
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
  let copier: CopyPool | undefined;
  const contexts = new Map<string, MoverContext>();
  try {
    const recovered = await recoverJournal(journal);
    const stats: MoveStats = { moved: 0, bytesMoved: 0, skipped: {}, failed: [], examples: [] };
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
        const st = lstatOrNull(`${r.dstRoot}/${r.dsts[0]}`);
        if (!st || (r.kind === 'file' ? !st.isFile() : !st.isSymbolicLink())) {
          skip(stats, 'no-longer-in-destination', r.srcs.length);
          continue;
        }
        eligible += r.srcs.length;
        const key = `${r.dstRoot}\0${r.srcRoot}`;
        if (!groups.has(key)) groups.set(key, []);
        // A file graduation dropped because the archive already held it comes back as a copy; the archive's stays.
        groups.get(key)!.push({ kind: r.kind, srcs: r.dsts, targets: r.srcs, stat: st, undoOf: r.id, keepSource: r.state === 'duplicate' });
      }
      for (const [key, items] of groups) {
        const [srcRoot, dstRoot] = key.split('\0') as [string, string];
        from = srcRoot;
        to = dstRoot;
        let ctx = contexts.get(key);
        if (!ctx) {
          // Small files are copied off this thread by the copy pool, as in a graduation.
          copier ??= new CopyPool();
          ctx = { journal, runId: opts.runId, srcRoot, dstRoot, freeSpaceMargin: 0, openFiles: new Set(), stats, signal: opts.signal, knownDirs: new Set(), seq: 0, copier, syncs: openSyncs(srcRoot, dstRoot) };
          contexts.set(key, ctx);
        }
        await moveBatch(ctx, items);
        await syncSources(ctx);
        opts.onProgress?.({ scanned, eligible, moved: stats.moved, bytesMoved: stats.bytesMoved, currentPath: null });
      }
    }
    return summaryOf({ runId: opts.runId, scanned, eligible, stats, started, from, to, dryRun: false, recovered });
  } finally {
    await copier?.close();
    for (const ctx of contexts.values()) closeSyncs(ctx.syncs);
    release();
  }
}
