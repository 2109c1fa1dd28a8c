// @ts-check
// Loads the addon built from fts_native.c (node-gyp, at `npm install`). Plain JavaScript so worker threads
// load it without a TypeScript loader. A missing build is an error that says how to make it.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function load() {
  try {
    return require('./build/Release/fts_native.node');
  } catch (err) {
    const why = /** @type {Error} */ (err).message;
    throw new Error(`fts-native is not built (${why}); build it with: npm rebuild fts-native (needs python3, make and a C compiler: apt-get install -y build-essential python3)`);
  }
}

const addon = load();

/** Numbers per entry of readDir: dev, ino, mode, nlink, uid, gid, size, blocks, atimeMs, mtimeMs, ctimeMs. */
export const FIELDS = addon.FIELDS;
/** One directory's entries (not `.` and `..`) and their lstat numbers; an entry it could not stat has mode 0 and the errno in its nlink field (ENOENT: gone since the read). */
export const readDir = addon.readDir;
/** Renames without ever replacing: throws EEXIST when `to` exists. */
export const renameNoReplace = addon.renameNoReplace;
/** The verified copy of one small file (see copy-core.mjs); a source not as expected throws code FTS_CHANGED. */
export const copyFile = addon.copyFile;
/** Copies every xattr from one open file to another, then the checked times of the first to the nanosecond (FTS_CHANGED when they moved). */
export const copyXattrsAndTimes = addon.copyXattrsAndTimes;
/** Copies many small files as one job off the main thread (see index.d.mts); resolves to each file's outcome. */
export const copyBatch = addon.copyBatch;
/** renameNoReplace for each from\0to pair (all `\0`-joined), off the main thread; resolves to each pair's errno (0 = named). */
export const renameBatch = addon.renameBatch;
/** Unlinks each path (`\0`-joined) whose size, mtimeMs, ino and ctimeMs (4 stamp numbers each; ctime NaN = unchecked) are unchanged, off the main thread; resolves to 0 removed or gone, -1 changed, else errno. */
export const removeUnchanged = addon.removeUnchanged;
/** Makes every write to the filesystem of an open fd durable (syncfs), off the main thread; `path` names it in errors. */
export const syncfs = addon.syncfs;
