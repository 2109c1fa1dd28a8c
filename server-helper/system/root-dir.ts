/**
 * A root folder (flux, space) held open for a run: every path below it is resolved beneath its directory fd,
 * never from "/" again, following no symlink on the way and entering no other mount (fts-native's *At calls).
 * fts-helper runs as root over folders its users write, so any folder on a path may be swapped for a symlink
 * to /etc at any moment; through a RootDir such a path fails (ELOOP, EXDEV) instead of reaching /etc.
 */
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import {
  accessAt,
  freeBytes,
  linkAt,
  lstatAt,
  mkdirAt,
  openAt,
  readlinkAt,
  renameAt,
  rmdirAt,
  unlinkAt,
  xattrsOfFd,
} from '../native/index.mjs';

/** The lstat numbers of an entry beneath a root (a subset of Node's Stats, without its methods). */
export interface EntryStat {
  dev: number;
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  blocks: number;
  atimeMs: number;
  mtimeMs: number;
  /** Absent in what the scan sends (it does not need it). */
  ctimeMs?: number;
}

const { S_IFMT, S_IFREG, S_IFDIR, S_IFLNK } = constants;

/** Whether a mode is a regular file's. */
export const isFileMode = (mode: number): boolean => (mode & S_IFMT) === S_IFREG;
/** Whether a mode is a folder's. */
export const isDirMode = (mode: number): boolean => (mode & S_IFMT) === S_IFDIR;
/** Whether a mode is a symlink's. */
export const isLinkMode = (mode: number): boolean => (mode & S_IFMT) === S_IFLNK;

/** The entry stat of fts-native's FIELDS numbers at offset o. */
export function entryStatOf(n: ArrayLike<number>, o = 0): EntryStat {
  const st: EntryStat = statFieldsOf(n, o);
  st.ctimeMs = n[o + 10]!;
  return st;
}

/**
 * The ten numbers every fts-native stat starts with (dev … mtimeMs), at offset o: the scan's numbers carry flags
 * where lstatAt's carry ctime, so the eleventh is the caller's.
 */
export function statFieldsOf(n: ArrayLike<number>, o = 0): Omit<EntryStat, 'ctimeMs'> {
  return {
    dev: n[o]!,
    ino: n[o + 1]!,
    mode: n[o + 2]!,
    nlink: n[o + 3]!,
    uid: n[o + 4]!,
    gid: n[o + 5]!,
    size: n[o + 6]!,
    blocks: n[o + 7]!,
    atimeMs: n[o + 8]!,
    mtimeMs: n[o + 9]!,
  };
}

/**
 * Whether an error means a path could not be resolved safely beneath its root: a folder or file on the way was a
 * symlink (ELOOP), lay on another mount (EXDEV), or was not a folder when it was opened as one (ENOTDIR: a
 * symlink or a file swapped in, perhaps swapped back before it could be told which) — what a user swapping
 * entries during a run causes.
 */
export function isUnsafePath(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  // ESTALE: a folder checked earlier was replaced by another of the same name (a rename) since.
  return code === 'ELOOP' || code === 'EXDEV' || code === 'ENOTDIR' || code === 'ESTALE';
}

/** What a removal found: done, nothing (or another file) there, or no way to the name now (its folder is gone). */
export type Removal = 'removed' | 'absent' | 'unreachable';
const REMOVAL = { 1: 'removed', 0: 'absent', [-1]: 'unreachable' } as const satisfies Record<1 | 0 | -1, Removal>;

/** A root folder opened once; paths given to its methods are relative to it ('a/b.txt'). */
export class RootDir {
  /** The folder's fd, for fts-native's calls (and worker threads of this process). */
  readonly fd: number;
  /** The device the root is on: an entry on another is another mount. */
  readonly dev: number;
  /** The root folder's own inode (the folder of a name with no '/'). */
  readonly ino: number;
  private closed = false;

  /**
   * Opens the root folder itself (its own path is the configuration's, trusted; everything below it is not), or
   * takes an fd already open on a folder (a private folder made beneath a root: `path` then only names it).
   */
  constructor(
    readonly path: string,
    fd?: number,
  ) {
    this.fd = fd ?? openSync(path, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      const st = fstatSync(this.fd);
      this.dev = st.dev;
      this.ino = st.ino;
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  /** lstat of an entry; null when it (or a folder on its way) does not exist. Throws ELOOP/EXDEV for an unsafe path. */
  lstat(rel: string): EntryStat | null {
    const n = lstatAt(this.fd, rel);
    return n ? entryStatOf(n) : null;
  }

  /** Opens an entry (O_NOFOLLOW always); the caller closes the fd. */
  open(rel: string, flags: number, mode = 0): number {
    return openAt(this.fd, rel, flags, mode);
  }

  /** Makes a folder (mode 0700 until the caller sets its own) or finds it; returns its open fd and whether it was made. */
  mkdir(rel: string, mode = 0o700): { fd: number; created: boolean } {
    return mkdirAt(this.fd, rel, mode);
  }

  /** Removes a name: `removed`, `absent` (not there), or `unreachable` (the folder that would hold it is not there now: moved away). */
  unlink(rel: string): Removal {
    return REMOVAL[unlinkAt(this.fd, rel, Number.NaN)];
  }

  /** Removes a name only while it is this inode (a file someone else put there is never removed; `absent` then). */
  unlinkIfIno(rel: string, ino: number | null): Removal {
    if (ino === null) return 'absent';
    return REMOVAL[unlinkAt(this.fd, rel, ino)];
  }

  /** Renames without ever replacing (EEXIST when `to` exists). */
  rename(from: string, to: string): void {
    renameAt(this.fd, from, this.fd, to, Number.NaN);
  }

  /**
   * Renames `from` (beneath this root) to `to` beneath `target` without ever replacing, into the folder of inode
   * `toDirIno` only (ESTALE when a user has put another folder of that name in its place since it was checked).
   */
  renameInto(from: string, target: RootDir, to: string, toDirIno: number): void {
    renameAt(this.fd, from, target.fd, to, toDirIno);
  }

  /** A new hard link `to` of `from`. */
  link(from: string, to: string): void {
    linkAt(this.fd, from, this.fd, to, Number.NaN);
  }

  /** A new hard link `to` beneath `target` of `from`, into the folder of inode `toDirIno` only (as renameInto). */
  linkInto(from: string, target: RootDir, to: string, toDirIno: number): void {
    linkAt(this.fd, from, target.fd, to, toDirIno);
  }

  /** Removes an empty folder. */
  rmdir(rel: string): void {
    rmdirAt(this.fd, rel);
  }

  /** A symlink's target. */
  readlink(rel: string): string {
    return readlinkAt(this.fd, rel);
  }

  /** Whether this process may write in the folder relDir ('' = the root). */
  writable(relDir: string): boolean {
    return accessAt(this.fd, relDir, constants.W_OK);
  }

  /** The xattrs of an entry that is a regular file, by name (base64 values, sorted), for comparisons. */
  xattrs(rel: string): Record<string, string> {
    const fd = this.open(rel, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const raw = xattrsOfFd(fd);
      const out: Record<string, string> = {};
      for (const name of Object.keys(raw).sort()) out[name] = raw[name]!.toString('base64');
      return out;
    } finally {
      closeSync(fd);
    }
  }

  /** Bytes an unprivileged user may still write on the root's filesystem. */
  freeBytes(): number {
    return freeBytes(this.fd);
  }

  /** An absolute path for messages and Samba's open-file list (never for a file-system call). */
  display(rel: string): string {
    return rel ? `${this.path}/${rel}` : this.path;
  }

  /** Closes the root's fd (once). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
