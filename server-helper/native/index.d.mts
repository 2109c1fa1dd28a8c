// Every path argument is RELATIVE to a root's directory fd (`rootFd`, opened once when a run starts) and is
// resolved beneath it: no symlink is followed anywhere on the way or at the end, and no other mount is entered.
// Such a path fails with ELOOP (a symlink) or EXDEV (another mount); a malformed one ('..', '.', '' components,
// a leading '/') with EINVAL. Errors are Node-style: code, errno, syscall, path (the relative path).

/** Numbers per entry of readDirAt and lstatAt: dev, ino, mode, nlink, uid, gid, size, blocks, atimeMs, mtimeMs, ctimeMs. */
export declare const FIELDS: 11;
/**
 * One folder's entries (`rel` '' = the root) as `\0`-joined names and their lstat numbers (FIELDS each); an entry it
 * could not stat has mode 0 and the errno in its nlink field. With maxEntries (a whole number), it stops after that
 * many (in the folder's own order) and `more` says whether the folder held another. With foldersOnly, only real
 * folders are given and counted: other entries are passed over by the type the kernel lists, without a stat.
 * maxNamesRead bounds the names read, passed-over ones included (`more` then too): a listing's cost, not its result.
 */
export declare function readDirAt(
  rootFd: number,
  rel: string,
  maxEntries?: number,
  foldersOnly?: boolean,
  maxNamesRead?: number,
): { names: string; nums: Float64Array; count: number; more: boolean };
/** An entry's lstat numbers (FIELDS), or null when it (or a folder on its way) does not exist. */
export declare function lstatAt(rootFd: number, rel: string): Float64Array | null;
/** open(2) of `rel` with these flags (O_NOFOLLOW and O_CLOEXEC added) and mode; returns the fd. */
export declare function openAt(rootFd: number, rel: string, flags: number, mode: number): number;
/** Makes the folder `rel` (mode before umask) or finds it, and opens it: only a real folder on the root's filesystem; the caller closes fd. */
export declare function mkdirAt(rootFd: number, rel: string, mode: number): { fd: number; created: boolean };
/** Removes the name `rel` — only while it is inode `ino` when ino is a number (NaN: any): 1 removed, 0 not there or another inode (left alone), -1 the folder that would hold it is not there (moved away). */
export declare function unlinkAt(rootFd: number, rel: string, ino: number): 1 | 0 | -1;
/**
 * renameat2(RENAME_NOREPLACE) from a name beneath one root to a name beneath another (or the same): throws EEXIST
 * when `to` exists, ESTALE when `to`'s folder is not inode toDirIno (NaN: not checked) — the folder the caller
 * made or checked, not one a user put in its place since.
 */
export declare function renameAt(
  fromRootFd: number,
  from: string,
  toRootFd: number,
  to: string,
  toDirIno: number,
): void;
/** link(2) from → to (a symlink is linked itself, never its target), `to`'s folder checked as renameAt does. */
export declare function linkAt(fromRootFd: number, from: string, toRootFd: number, to: string, toDirIno: number): void;
/** Removes an empty folder. */
export declare function rmdirAt(rootFd: number, rel: string): void;
/** readlink(2). */
export declare function readlinkAt(rootFd: number, rel: string): string;
/** access(2) with `mode` (fs.constants.W_OK, …) on the folder `relDir`; false when it is refused or cannot be resolved. */
export declare function accessAt(rootFd: number, relDir: string, mode: number): boolean;
/**
 * Copies src (beneath srcRootFd) to a new tmp (beneath dstRootFd, O_EXCL) with sha256 of what was read, a
 * read-back compare of what was written, holes kept for a sparse source, then owner (when chown), xattrs, mode
 * and nanosecond times. Throws code FTS_CHANGED when the source is not what the scan saw, or changed (size,
 * mtime, ino, ctime) during the copy; on any failure the temp file is removed.
 */
export declare function copyFileAt(
  srcRootFd: number,
  src: string,
  dstRootFd: number,
  tmp: string,
  size: number,
  mtimeMs: number,
  ino: number,
  chown: boolean,
): { hash: string; tmpIno: number; srcCtimeMs: number };
/** Copies a symlink (its target, owner when chown, times to the nanosecond) to a new tmp; the hash is the sha256 of its target. FTS_CHANGED when it is not what the scan saw. */
export declare function copySymlinkAt(
  srcRootFd: number,
  src: string,
  dstRootFd: number,
  tmp: string,
  size: number,
  mtimeMs: number,
  ino: number,
  chown: boolean,
): { hash: string; tmpIno: number; srcCtimeMs: number };
/**
 * Copies every xattr of fromFd to toFd, then fromFd's times to the nanosecond. The times given are the ones the
 * caller checked: a source whose mtime or ctime differs now throws code FTS_CHANGED; an atime moved since (a
 * read without O_NOATIME) is replaced by the one given. The names are for error messages.
 */
export declare function copyXattrsAndTimes(
  fromFd: number,
  toFd: number,
  fromName: string,
  toName: string,
  atimeMs: number,
  mtimeMs: number,
  ctimeMs: number,
): void;
/** Copies every xattr of fromFd to toFd. */
export declare function copyXattrsFd(fromFd: number, toFd: number): void;
/** The xattrs of an open file, by name. */
export declare function xattrsOfFd(fd: number): Record<string, Buffer>;
/** The bytes an unprivileged user may still write on fd's filesystem (f_bavail × f_bsize). */
export declare function freeBytes(fd: number): number;
/** Whether resolution uses the kernel's openat2 (Linux ≥ 5.6), else a per-component walk checked with fstat (FTS_NATIVE_NO_OPENAT2=1 forces it). */
export declare function usesOpenat2(): boolean;
/**
 * Makes every write to the filesystem of `fd` durable (syncfs), off the main thread; `path` names it in errors.
 * Open the fd before the writes it must vouch for: Linux reports a write-back error to the fds open when it
 * happened.
 */
export declare function syncfs(fd: number, path: string): Promise<void>;
/**
 * For each `from\0to` pair (pairs `\0`-joined too), from beneath fromRootFd to beneath toRootFd, on libuv's
 * thread pool: renameat2 RENAME_NOREPLACE, each destination's folder checked to be inode toDirInos[i] (NaN: any).
 * Resolves to each pair's errno: 0 when it was named, EEXIST when the name was taken, ELOOP when a folder on the
 * way is a symlink, ESTALE when the destination folder is not the one checked, and so on.
 */
export declare function renameBatchAt(
  fromRootFd: number,
  toRootFd: number,
  pairs: string,
  toDirInos: Float64Array,
): Promise<Int32Array>;
/**
 * For each path (`\0`-joined) beneath rootFd, on libuv's thread pool: lstat, and unlink it when its size,
 * mtimeMs, ino and ctimeMs are still the stamp's (4 numbers per path in `stamps`; a NaN ctime is not checked).
 * Resolves to each path's outcome: 0 removed or already gone, -1 changed (left in place), else the errno
 * (ENOENT: the folder holding it is not there, so it cannot be known gone; ELOOP: a folder on the way is a symlink).
 */
export declare function removeUnchangedAt(rootFd: number, paths: string, stamps: Float64Array): Promise<Int32Array>;
/** What copyBatchAt answers: per file an outcome (0 copied, 1 changed, 2 failed, 3 stopped), and for a copied one its temp's inode, the source's ctime at the copy (numbers: 2 per file) and the sha256 (hashes: 64 hex digits per file); errors holds the Error of each changed or failed file. */
export interface CopyBatchResult {
  outcomes: Int32Array;
  numbers: Float64Array;
  hashes: string;
  errors: (Error & { code?: string })[];
}
/**
 * copyFileAt for many small files, as one job on libuv's thread pool: the sources are opened and their
 * read-ahead asked for first (files under 1 MiB), then each is copied (pairs: `src\0tmp`, `\0`-joined; stamps:
 * size, mtimeMs, ino per file). A non-zero stop[0] stops it between files (the rest answer stopped); a copy that
 * meets ENOSPC sets it.
 */
export declare function copyBatchAt(
  srcRootFd: number,
  dstRootFd: number,
  pairs: string,
  stamps: Float64Array,
  chown: boolean,
  stop: Int32Array,
): Promise<CopyBatchResult>;
