/**
 * Crash recovery: every journal row a crash left between steps is finished or rolled back, and its temp
 * file removed. Before `linked` the source is intact, so the copy is undone; from `linked` on the copy is
 * durable under its final name, so the move is completed (unless the source changed meanwhile). Each root is
 * opened once and every path of a row is resolved beneath it, as in a run: a folder a user swapped for a
 * symlink since the crash fails that row's step (it is left for the next recovery), never reaches outside.
 */
import { existsSync } from 'node:fs';
import { isDirMode, isUnsafePath, RootDir } from '../../system/root-dir.js';
import { syncFilesystem } from '../../system/syncfs.js';
import type { Journal, JournalEntry } from './journal.js';
import { nameNoReplace, sourceChanged, suffixedName } from './safe-move.js';
import { STAGING_PREFIX, stagingIsOurs } from './staging.js';

/** What recovery did, by outcome. */
export interface RecoveryReport {
  rolledBack: number;
  completed: number;
  /** Rows left alone because a root is not there (a disk not mounted), or a path on the way is not safe now. */
  deferred: number;
}

/** A row that must wait for a later recovery: a folder on its way moved away while it was being finished. */
class Deferred extends Error {}

/** Throws Deferred when a removal could not reach its name (its folder moved away meanwhile). */
function reached(outcome: 'removed' | 'absent' | 'unreachable'): void {
  if (outcome === 'unreachable') throw new Deferred('a folder on the way is not there now');
}

/**
 * Removes a row's temp copy. One in a run's staging folder (which only the helper enters) is gone with that
 * folder; one beside its destination (an older journal's) may be in a folder moved away, and then waits.
 */
function removeTemp(roots: Roots, tmp: string): void {
  if (tmp.startsWith(STAGING_PREFIX)) {
    // A staging folder renamed away by a member keeps the copy out of everyone's reach; a folder of theirs now
    // under its name holds nothing of ours.
    if (stagingIsOurs(roots.dst, tmp)) roots.dst.unlink(tmp);
    return;
  }
  reached(roots.dst.unlink(tmp));
}

/** One row's two roots, held open. */
interface Roots {
  src: RootDir;
  dst: RootDir;
}

function sourcesState(e: JournalEntry, roots: Roots, checkCtime = true): 'unchanged' | 'changed' {
  const ctime = checkCtime ? e.srcCtimeMs : null;
  return e.srcs.some((rel) => sourceChanged(roots.src, rel, e.size, e.mtimeMs, e.srcIno, ctime))
    ? 'changed'
    : 'unchanged';
}

function rollBack(journal: Journal, e: JournalEntry, roots: Roots, why: string): void {
  for (const d of e.dsts) reached(roots.dst.unlinkIfIno(d, e.tmpIno));
  // The temp name holds a partial copy of ours (its inode may not be journaled yet: `copying`), never anyone else's file.
  if (e.tmp) removeTemp(roots, e.tmp);
  journal.set(e.id, 'rolled_back', { error: why });
}

/**
 * Gives a verified copy whose source is gone every name it lacks (a taken name gets a suffix), so no temp
 * name is left. A copy not made by this row (another inode) is not touched.
 */
function keepCopy(e: JournalEntry, roots: Roots): void {
  if (!e.tmp || e.tmpIno === null) return;
  if (roots.dst.lstat(e.tmp)?.ino !== e.tmpIno) {
    // Not there: named already, or its folder moved away since the check (then it waits).
    if (!foldersThere(e, roots)) throw new Deferred('a folder on the way is not there now');
    return;
  }
  const missing = e.dsts.filter((d) => roots.dst.lstat(d)?.ino !== e.tmpIno);
  // Every name there already: the temp name is one link too many.
  if (missing.length === 0) removeTemp(roots, e.tmp);
  const copyOwner = roots.dst.lstat(e.tmp)!.uid;
  for (const [k, d] of missing.entries()) {
    // Named only in a folder of the copy's owner (or root's), and in that very folder (checked by inode).
    const dir = dirOf(d) === '' ? null : roots.dst.lstat(dirOf(d));
    if (dir && (!isDirMode(dir.mode) || (dir.uid !== copyOwner && dir.uid !== 0)))
      throw new Deferred(`${dirOf(d)} is not a folder of the file's owner now`);
    const dirIno = dir ? dir.ino : roots.dst.ino;
    for (let n = 0; ; n++) {
      try {
        nameNoReplace(roots.dst, e.tmp, roots.dst, n === 0 ? d : suffixedName(d, n), dirIno, k === missing.length - 1);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }
}

const dirOf = (rel: string) => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');

/**
 * Whether every destination folder the row's names live in is there. The mover makes them before it journals a
 * row, so a missing one was moved away since (a user renaming it, or a swap): its copy is out of reach, and
 * deciding now would leave a temp file in the moved folder for good. Such a row waits for a later recovery.
 * (A source folder moved away makes its file look gone, and the copy is then kept: a duplicate, never a loss.)
 */
function foldersThere(e: JournalEntry, roots: Roots): boolean {
  const isDir = (dir: string) => {
    if (dir === '') return true;
    const st = roots.dst.lstat(dir);
    return st !== null && isDirMode(st.mode);
  };
  // The copy itself is in the run's staging folder, which only the helper enters: when that is gone, so is the copy.
  return e.dsts.every((rel) => isDir(dirOf(rel)));
}

/** Finishes or rolls back one row; false when it must wait (a folder on its way is not there now). */
function recoverRow(journal: Journal, e: JournalEntry, roots: Roots, report: RecoveryReport): boolean {
  if (!foldersThere(e, roots)) return false;
  const present = (rel: string) => roots.src.lstat(rel) !== null;
  // A stranded row gave up its move during the run; its copy is where a `copied` row's would be.
  const copied = e.state === 'copied' || e.state === 'stranded';
  if (copied && !e.srcs.every(present)) {
    // Copied and verified, perhaps named, and a source is gone since (someone removed it, seeing the copy in
    // space): the copy may be all there is, so it stays, under its names.
    keepCopy(e, roots);
    journal.set(e.id, 'failed', {
      error: 'interrupted while naming the copy, and the source is gone since; the copy is kept',
    });
    report.rolledBack++;
  } else if (e.state === 'copying' || copied) {
    // The temp copy may be partial or not yet named; the source is intact: undo the copy.
    rollBack(
      journal,
      e,
      roots,
      e.state === 'stranded'
        ? (e.error ?? 'given up during the run')
        : `interrupted while ${e.state === 'copying' ? 'copying' : 'naming the copy'}; rolled back`,
    );
    report.rolledBack++;
  } else if (e.state === 'dedup') {
    // A source meant to stay was never to be removed: the row is done as it stands.
    const gone = e.keepSource || !e.srcs.some(present);
    journal.set(e.id, gone ? 'duplicate' : 'rolled_back', gone ? {} : { error: 'interrupted; left in place' });
    if (gone && e.undoOf !== null) journal.set(e.undoOf, 'undone');
    if (gone) report.completed++;
    else report.rolledBack++;
  } else if (e.state === 'linked') {
    if (e.tmp) roots.dst.unlinkIfIno(e.tmp, e.tmpIno);
    const allNamed = e.dsts.every((d) => roots.dst.lstat(d)?.ino === e.tmpIno);
    const anySourceGone = !e.srcs.every(present);
    // A hard-link group cut off between its unlinks: each unlink moved the inode's ctime, so the names left
    // are held to size, mtime and inode only.
    if (sourcesState(e, roots, !anySourceGone) === 'changed' || !allNamed) {
      if (anySourceGone) {
        // Some names already left the source: keep both sides, lose nothing.
        journal.set(e.id, 'failed', { error: 'interrupted, and the source changed meanwhile; both copies kept' });
      } else {
        rollBack(journal, e, roots, 'the source changed after it was copied; left in place');
      }
      report.rolledBack++;
    } else {
      if (!e.keepSource) for (const rel of e.srcs) reached(roots.src.unlinkIfIno(rel, e.srcIno));
      journal.set(e.id, 'done');
      if (e.undoOf !== null) journal.set(e.undoOf, 'undone');
      report.completed++;
    }
  }
  return true;
}

/** Removes the staging folders of finished rows that a crash left behind, once empty (a non-empty one stays). */
function removeEmptyStaging(rows: readonly JournalEntry[], opened: ReadonlyMap<string, RootDir>): void {
  for (const e of rows) {
    const dir = e.tmp ? dirOf(e.tmp) : '';
    const root = opened.get(e.dstRoot);
    if (!root || !dir.startsWith(STAGING_PREFIX) || dir.includes('/')) continue;
    try {
      root.rmdir(dir);
    } catch {
      // Not empty (a row still waiting), or already gone.
    }
  }
}

/** Finishes or rolls back every unfinished journal row; syncs what it touched. */
export async function recoverJournal(journal: Journal): Promise<RecoveryReport> {
  const report: RecoveryReport = { rolledBack: 0, completed: 0, deferred: 0 };
  const opened = new Map<string, RootDir>();
  const rootAt = (path: string) => {
    let r = opened.get(path);
    if (!r) opened.set(path, (r = new RootDir(path)));
    return r;
  };
  try {
    const rows = journal.unfinished();
    for (const e of rows) {
      if (!existsSync(e.srcRoot) || !existsSync(e.dstRoot)) {
        report.deferred++;
        continue;
      }
      try {
        if (!recoverRow(journal, e, { src: rootAt(e.srcRoot), dst: rootAt(e.dstRoot) }, report)) report.deferred++;
      } catch (err) {
        // A folder on the row's way is a symlink or a mount now, or moved away: the row stays unfinished, for the next recovery.
        if (!isUnsafePath(err) && !(err instanceof Deferred)) throw err;
        report.deferred++;
      }
    }
    for (const root of opened.keys()) await syncFilesystem(root);
    removeEmptyStaging(rows, opened);
  } finally {
    for (const r of opened.values()) r.close();
  }
  journal.closeFinishedRuns();
  return report;
}
