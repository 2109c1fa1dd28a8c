/**
 * Crash recovery: every journal row a crash left between steps is finished or rolled back, and its temp
 * file removed. Before `linked` the source is intact, so the copy is undone; from `linked` on the copy is
 * durable under its final name, so the move is completed (unless the source changed meanwhile).
 */
import { existsSync } from 'node:fs';
import { syncFilesystem } from '../../system/syncfs.js';
import type { Journal, JournalEntry } from './journal.js';
import { lstatOrNull, nameNoReplace, sourceChanged, suffixedName, unlinkIfOurs, unlinkQuiet } from './safe-move.js';

/** What recovery did, by outcome. */
export interface RecoveryReport {
  rolledBack: number;
  completed: number;
  /** Rows left alone because a root is not there (a disk not mounted). */
  deferred: number;
}

function sourcesState(e: JournalEntry, checkCtime = true): 'unchanged' | 'changed' {
  const ctime = checkCtime ? e.srcCtimeMs : null;
  return e.srcs.some((rel) => sourceChanged(`${e.srcRoot}/${rel}`, e.size, e.mtimeMs, e.srcIno, ctime)) ? 'changed' : 'unchanged';
}

function rollBack(journal: Journal, e: JournalEntry, why: string): void {
  for (const d of e.dsts) unlinkIfOurs(`${e.dstRoot}/${d}`, e.tmpIno);
  if (e.tmp) unlinkQuiet(`${e.dstRoot}/${e.tmp}`);
  journal.set(e.id, 'rolled_back', { error: why });
}

/**
 * Gives a verified copy whose source is gone every name it lacks (a taken name gets a suffix), so no temp
 * name is left. A copy not made by this row (another inode) is not touched.
 */
function keepCopy(e: JournalEntry): void {
  if (!e.tmp || e.tmpIno === null) return;
  const tmp = `${e.dstRoot}/${e.tmp}`;
  if (lstatOrNull(tmp)?.ino !== e.tmpIno) return;
  const missing = e.dsts.filter((d) => lstatOrNull(`${e.dstRoot}/${d}`)?.ino !== e.tmpIno);
  // Every name there already: the temp name is one link too many.
  if (missing.length === 0) unlinkQuiet(tmp);
  for (const [k, d] of missing.entries()) {
    for (let n = 0; ; n++) {
      try {
        nameNoReplace(tmp, `${e.dstRoot}/${n === 0 ? d : suffixedName(d, n)}`, k === missing.length - 1);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }
}

/** Finishes or rolls back every unfinished journal row; syncs what it touched. */
export async function recoverJournal(journal: Journal): Promise<RecoveryReport> {
  const report: RecoveryReport = { rolledBack: 0, completed: 0, deferred: 0 };
  const touched = new Set<string>();
  for (const e of journal.unfinished()) {
    if (!existsSync(e.srcRoot) || !existsSync(e.dstRoot)) {
      report.deferred++;
      continue;
    }
    touched.add(e.srcRoot).add(e.dstRoot);
    if (e.state === 'copied' && e.srcs.some((rel) => !lstatOrNull(`${e.srcRoot}/${rel}`))) {
      // Copied and verified, perhaps named, and a source is gone since (someone removed it, seeing the copy in
      // space): the copy may be all there is, so it stays, under its names.
      keepCopy(e);
      journal.set(e.id, 'failed', { error: 'interrupted while naming the copy, and the source is gone since; the copy is kept' });
      report.rolledBack++;
    } else if (e.state === 'copying' || e.state === 'copied') {
      // The temp copy may be partial or not yet named; the source is intact: undo the copy.
      rollBack(journal, e, `interrupted while ${e.state === 'copying' ? 'copying' : 'naming the copy'}; rolled back`);
      report.rolledBack++;
    } else if (e.state === 'dedup') {
      // A source meant to stay was never to be removed: the row is done as it stands.
      const gone = e.keepSource || e.srcs.every((rel) => !lstatOrNull(`${e.srcRoot}/${rel}`));
      journal.set(e.id, gone ? 'duplicate' : 'rolled_back', gone ? {} : { error: 'interrupted; left in place' });
      if (gone && e.undoOf !== null) journal.set(e.undoOf, 'undone');
      if (gone) report.completed++;
      else report.rolledBack++;
    } else if (e.state === 'linked') {
      if (e.tmp) unlinkQuiet(`${e.dstRoot}/${e.tmp}`);
      const allNamed = e.dsts.every((d) => lstatOrNull(`${e.dstRoot}/${d}`)?.ino === e.tmpIno);
      const anySourceGone = e.srcs.some((rel) => !lstatOrNull(`${e.srcRoot}/${rel}`));
      // A hard-link group cut off between its unlinks: each unlink moved the inode's ctime, so the names left
      // are held to size, mtime and inode only.
      if (sourcesState(e, !anySourceGone) === 'changed' || !allNamed) {
        if (anySourceGone) {
          // Some names already left the source: keep both sides, lose nothing.
          journal.set(e.id, 'failed', { error: 'interrupted, and the source changed meanwhile; both copies kept' });
        } else {
          rollBack(journal, e, 'the source changed after it was copied; left in place');
        }
        report.rolledBack++;
      } else {
        if (!e.keepSource) for (const rel of e.srcs) unlinkQuiet(`${e.srcRoot}/${rel}`);
        journal.set(e.id, 'done');
        if (e.undoOf !== null) journal.set(e.undoOf, 'undone');
        report.completed++;
      }
    }
  }
  for (const root of touched) await syncFilesystem(root);
  journal.closeFinishedRuns();
  return report;
}
