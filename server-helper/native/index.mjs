// @ts-check
// Loads the addon built from fts_native.c and its parts (node-gyp, at `npm install`). Plain JavaScript so worker
// threads load it without a TypeScript loader. A missing build is an error that says how to make it.
//
// Every call that takes a path takes it relative to a root's directory fd and resolves it beneath that fd:
// no symlink followed anywhere on the way, no other mount entered (ELOOP, EXDEV otherwise). See index.d.mts.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function load() {
  try {
    return require('./build/Release/fts_native.node');
  } catch (err) {
    const why = /** @type {Error} */ (err).message;
    throw new Error(
      `fts-native is not built (${why}); build it with: npm rebuild fts-native (needs python3, make and a C compiler: apt-get install -y build-essential python3)`,
    );
  }
}

const addon = load();

/** Numbers per entry of readDirAt and lstatAt: dev, ino, mode, nlink, uid, gid, size, blocks, atimeMs, mtimeMs, ctimeMs. */
export const FIELDS = addon.FIELDS;
/** One folder's entries beneath a root, and their lstat numbers. */
export const readDirAt = addon.readDirAt;
/** An entry's lstat numbers beneath a root, or null when it does not exist. */
export const lstatAt = addon.lstatAt;
/** open(2) beneath a root (O_NOFOLLOW always). */
export const openAt = addon.openAt;
/** A folder made or found beneath a root: { fd, created }. */
export const mkdirAt = addon.mkdirAt;
/** Removes a name beneath a root (only while it is inode `ino`, unless NaN): 1 removed, 0 not there, -1 its folder is not there. */
export const unlinkAt = addon.unlinkAt;
/** renameat2(RENAME_NOREPLACE) between names beneath two roots, the destination folder checked by inode. */
export const renameAt = addon.renameAt;
/** A hard link between names beneath two roots, the destination folder checked by inode. */
export const linkAt = addon.linkAt;
/** Removes an empty folder beneath a root. */
export const rmdirAt = addon.rmdirAt;
/** A symlink's target beneath a root. */
export const readlinkAt = addon.readlinkAt;
/** access(2) on a folder beneath a root. */
export const accessAt = addon.accessAt;
/** The verified copy of one small file between two roots. */
export const copyFileAt = addon.copyFileAt;
/** The copy of one symlink between two roots. */
export const copySymlinkAt = addon.copySymlinkAt;
/** Many small files' copies as one job off the main thread. */
export const copyBatchAt = addon.copyBatchAt;
/** Many renames without replacing, off the main thread. */
export const renameBatchAt = addon.renameBatchAt;
/** Many checked removals, off the main thread. */
export const removeUnchangedAt = addon.removeUnchangedAt;
/** syncfs(2) of an open fd's filesystem, off the main thread. */
export const syncfs = addon.syncfs;
/** The end of a large file's copy: xattrs fd to fd and the checked times to the nanosecond. */
export const copyXattrsAndTimes = addon.copyXattrsAndTimes;
/** Every xattr from one fd to another. */
export const copyXattrsFd = addon.copyXattrsFd;
/** An open file's xattrs as { name: Buffer }. */
export const xattrsOfFd = addon.xattrsOfFd;
/** Free bytes for an unprivileged user on an fd's filesystem. */
export const freeBytes = addon.freeBytes;
/** Whether paths are resolved by the kernel's openat2 (else by the checked per-component walk). */
export const usesOpenat2 = addon.usesOpenat2;
