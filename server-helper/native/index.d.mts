/** Numbers per entry of readDir: dev, ino, mode, nlink, uid, gid, size, blocks, atimeMs, mtimeMs, ctimeMs. */
export declare const FIELDS: 11;
/** One directory's entries (not `.` and `..`) as `\0`-joined names, and their lstat numbers (FIELDS each); an entry it could not stat has mode 0 and the errno in its nlink field (ENOENT: gone since the read). */
export declare function readDir(path: string): { names: string; nums: Float64Array; count: number };
/** Renames without ever replacing: throws EEXIST when `to` exists. */
export declare function renameNoReplace(from: string, to: string): void;
/**
 * Makes every write to the filesystem of `fd` durable (syncfs), off the main thread; `path` names it in errors.
 * Open the fd before the writes it must vouch for: Linux reports a write-back error to the fds open when it
 * happened.
 */
export declare function syncfs(fd: number, path: string): Promise<void>;
/**
 * Copies src to a new tmp (O_EXCL) with sha256 of what was read, a read-back compare of what was written,
 * holes kept for a sparse source, then owner (when chown), mode, xattrs and nanosecond times. Throws code
 * FTS_CHANGED when the source is not what the scan saw, or changed (size, mtime, ino, ctime) during the
 * copy; on any failure the temp file is removed.
 */
export declare function copyFile(src: string, tmp: string, size: number, mtimeMs: number, ino: number, chown: boolean): { hash: string; tmpIno: number; srcCtimeMs: number };
/**
 * Copies every xattr of fromFd to toFd, then fromFd's times to the nanosecond. The times given are the ones the
 * caller checked: a source whose mtime or ctime differs now throws code FTS_CHANGED; an atime moved since (a
 * read without O_NOATIME) is replaced by the one given. The paths name the files in errors.
 */
export declare function copyXattrsAndTimes(fromFd: number, toFd: number, fromPath: string, toPath: string, atimeMs: number, mtimeMs: number, ctimeMs: number): void;
/**
 * renameNoReplace for each `from\0to` pair (pairs `\0`-joined too), run on libuv's thread pool. Resolves to
 * each pair's errno: 0 when it was named, EEXIST when the name was taken, and so on.
 */
export declare function renameBatch(pairs: string): Promise<Int32Array>;
/**
 * For each path (`\0`-joined), run on libuv's thread pool: lstat, and unlink it when its size, mtimeMs, ino and
 * ctimeMs are still the stamp's (4 numbers per path in `stamps`; a NaN ctime is not checked). Resolves to each
 * path's outcome: 0 removed or already gone, -1 changed (left in place), else the errno that stopped it.
 */
export declare function removeUnchanged(paths: string, stamps: Float64Array): Promise<Int32Array>;
/** What copyBatch answers: per file an outcome (0 copied, 1 changed, 2 failed, 3 stopped), and for a copied one its temp's inode, the source's ctime at the copy (numbers: 2 per file) and the sha256 (hashes: 64 hex digits per file); errors holds the Error of each changed or failed file. */
export interface CopyBatchResult {
  outcomes: Int32Array;
  numbers: Float64Array;
  hashes: string;
  errors: (Error & { code?: string })[];
}
/**
 * copyFile for many small files, as one job on libuv's thread pool: the sources are opened and their read-ahead
 * asked for first (files under 1 MiB), then each is copied with the promises of copyFile (pairs: `src\0tmp`,
 * `\0`-joined; stamps: size, mtimeMs, ino per file). A non-zero stop[0] stops it between files (the rest answer
 * stopped); a copy that meets ENOSPC sets it.
 */
export declare function copyBatch(pairs: string, stamps: Float64Array, chown: boolean, stop: Int32Array): Promise<CopyBatchResult>;
