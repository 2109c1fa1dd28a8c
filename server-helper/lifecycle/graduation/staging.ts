/**
 * Where a run's copies are made before they are named: a folder beneath the destination root that only the
 * helper may enter (its own, mode 0700), held open by fd for the run. A copy made beside its destination, in a
 * folder a member can write, could be swapped for the member's own file between its check and its naming, and
 * root would then name the member's file and remove the original; in the staging folder nobody else can touch
 * it, and each copy is renamed from there into a destination folder checked by inode (RootDir.renameInto).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync } from 'node:fs';
import { isDirMode, RootDir } from '../../system/root-dir.js';

/** The names staging folders have: `.fts-` names are never graduated, and recovery knows them. */
export const STAGING_PREFIX = '.fts-staging-';

/** A run's staging folder, made the first time a copy needs it (a dry run makes none), removed when empty. */
export class Staging {
  private opened: { dir: RootDir; rel: string } | null = null;

  constructor(
    private readonly dst: RootDir,
    private readonly runId: number,
  ) {}

  /** The folder, held open by fd. */
  get dir(): RootDir {
    return this.open().dir;
  }

  /** Its path relative to the destination root (for the journal). */
  get rel(): string {
    return this.open().rel;
  }

  /**
   * Makes the run's staging folder under a name nobody can guess (`.fts-staging-RUN-<random>`): run ids are
   * sequential and visible to clients, so a member could otherwise make every name of the next run first and
   * block it. Recovery finds the folder through the journal, which records each copy's path.
   */
  private open(): { dir: RootDir; rel: string } {
    if (this.opened) return this.opened;
    for (let n = 1; n <= 4; n++) {
      const rel = `${STAGING_PREFIX}${this.runId}-${randomBytes(8).toString('hex')}`;
      const { fd, created } = this.dst.mkdir(rel, 0o700);
      // Only a folder of ours that no one else may enter, and one this call made.
      if (created && isPrivateFolder(fstatSync(fd)))
        return (this.opened = { dir: new RootDir(this.dst.display(rel), fd), rel });
      closeSync(fd);
    }
    throw Object.assign(
      new Error(`could not make a private staging folder in ${this.dst.path}: four random names were all taken`),
      { code: 'EEXIST' },
    );
  }

  /** Closes the folder and removes it when it is empty (copies a crash left behind keep it for recovery). */
  close(): void {
    if (!this.opened) return;
    this.opened.dir.close();
    try {
      this.dst.rmdir(this.opened.rel);
    } catch {
      // Not empty (a copy recovery will finish), or gone: left as it is.
    }
    this.opened = null;
  }
}

/**
 * Whether a journaled copy's staging folder is still the helper's own (its user's, entered by nobody else). A
 * member may rename the real one away and make a folder of that name: what is in theirs is never removed.
 */
export function stagingIsOurs(dst: RootDir, tmp: string): boolean {
  const dir = tmp.includes('/') ? tmp.slice(0, tmp.indexOf('/')) : '';
  const st = dir ? dst.lstat(dir) : null;
  return st !== null && isPrivateFolder(st);
}

/** A folder of this process's user that nobody else may enter: what a staging folder is. */
function isPrivateFolder(st: { mode: number; uid: number }): boolean {
  return isDirMode(st.mode) && st.uid === (process.geteuid?.() ?? 0) && (st.mode & 0o077) === 0;
}
