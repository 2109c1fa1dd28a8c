// Reads whole directories for scan-parallel.ts in its worker threads (scan-worker.mjs) and for the synchronous
// walk of scan.ts on the calling thread, each with one call to the native readDirAt (getdents + fstatat on the
// directory's fd, as find does): Node's lstatSync costs several times that per file. Every folder is opened
// beneath the root's fd (the worker gets its number: fds are the process's), following no symlink and entering
// no other mount: a folder swapped for a symlink during the scan is not read, and a mount below the root is
// left out. Plain JavaScript so a worker loads it without a TypeScript loader; the name and path rules come
// from matchers.mjs, the same module policy.ts uses.
//
// Results travel compactly, because cloning one object per file cost more than the lstat calls: the stat
// numbers go in a transferable Float64Array (STAT_FIELDS per file), and the names in one `\0`-joined string
// (NUL cannot occur in a file name). Files younger than `minAgeMs` are only counted, not sent.
import { constants } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { FIELDS, readDirAt } from '../../native/index.mjs';
import { appleDoubleOf, excludeMatcher, isIncluded, isOldEnough, mayContainIncluded } from './matchers.mjs';

const { S_IFMT, S_IFDIR, S_IFREG, S_IFLNK } = constants;
const { ENOENT, ELOOP, EXDEV } = osConstants.errno;
/** Where dev, mode, nlink and mtimeMs sit in a native entry (fts_native.c). */
const DEV = 0;
const INO = 1;
const MODE = 2;
const NLINK = 3;
const MTIME = 9;

/** Per file: dev, ino, mode, nlink, uid, gid, size, blocks, atimeMs, mtimeMs, flags. */
export const STAT_FIELDS = 11;
/** Flag: the entry is a symlink. */
export const FLAG_SYMLINK = 1;
/** Flag: a `._name` AppleDouble companion lies beside it. */
export const FLAG_COMPANION = 2;

class Out {
  constructor() {
    this.names = [];
    this.nums = new Float64Array(STAT_FIELDS * 256);
    this.count = 0;
    this.dirs = [];
    this.dirInos = [];
    this.skips = {};
    this.tooNew = 0;
  }
  skip(reason) {
    this.skips[reason] = (this.skips[reason] ?? 0) + 1;
  }
  /** Appends one file: the first STAT_FIELDS - 1 numbers of the native entry at `from`, then its flags. */
  push(rel, src, from, flags) {
    if ((this.count + 1) * STAT_FIELDS > this.nums.length) {
      const bigger = new Float64Array(this.nums.length * 2);
      bigger.set(this.nums);
      this.nums = bigger;
    }
    const o = this.count * STAT_FIELDS;
    for (let k = 0; k < STAT_FIELDS - 1; k++) this.nums[o + k] = src[from + k];
    this.nums[o + STAT_FIELDS - 1] = flags;
    this.names.push(rel);
    this.count++;
  }
}

/** A reader of directories beneath config.rootFd: (relDirs) → one compact result. */
export function createDirReader({ rootFd, rootDev, exclude, include, now, minAgeMs }) {
  const excluded = excludeMatcher(exclude);

  /** Reads one folder: `relDir` beneath the root, or (dirFd given) the folder dirFd is open on, named relDir. */
  function readDir(relDir, out, dirFd) {
    let r;
    try {
      r = dirFd === undefined ? readDirAt(rootFd, relDir) : readDirAt(dirFd, '');
    } catch (err) {
      // ELOOP: the folder was swapped for a symlink since its parent was read; EXDEV: a mount below the root.
      const errno = -(err?.errno ?? 0);
      out.skip(
        errno === ELOOP
          ? 'unsafe-path'
          : errno === EXDEV
            ? 'other-mount'
            : errno === ENOENT
              ? 'vanished'
              : 'unreadable-dir',
      );
      return;
    }
    if (r.count === 0) return;
    const entries = r.names.split('\0');
    const nums = r.nums;
    let names = null;
    for (const name of entries) {
      if (name.startsWith('._')) {
        names = new Set(entries);
        break;
      }
    }
    const prefix = relDir === '' ? '' : `${relDir}/`;
    for (let i = 0; i < entries.length; i++) {
      const name = entries[i];
      if (excluded(name)) {
        out.skip('excluded');
        continue;
      }
      const rel = prefix + name;
      if (!mayContainIncluded(rel, include)) continue;
      const o = i * FIELDS;
      const type = nums[o + MODE] & S_IFMT;
      if (type === 0) {
        // readDirAt puts the stat's errno in nlink: gone since the listing, or a folder we may list but not search.
        out.skip(nums[o + NLINK] === ENOENT ? 'vanished' : 'unreadable');
        continue;
      }
      if (nums[o + DEV] !== rootDev) {
        // A mount below the root (a user's FUSE mount in flux): never entered, nothing in it moves.
        out.skip('other-mount');
        continue;
      }
      if (type === S_IFDIR) {
        out.dirs.push(rel);
        out.dirInos.push(nums[o + INO]);
        continue;
      }
      if (!isIncluded(rel, include)) continue;
      const isLink = type === S_IFLNK;
      if (type !== S_IFREG && !isLink) {
        out.skip('special-file');
        continue;
      }
      if (names && name.startsWith('._') && names.has(name.slice(2))) continue;
      if (minAgeMs !== null && !isOldEnough(nums[o + MTIME], now, minAgeMs)) {
        out.tooNew++;
        continue;
      }
      out.push(
        rel,
        nums,
        o,
        (isLink ? FLAG_SYMLINK : 0) | (names && names.has(appleDoubleOf(name)) ? FLAG_COMPANION : 0),
      );
    }
  }

  return (relDirs, dirFd) => {
    const out = new Out();
    if (dirFd !== undefined) readDir(relDirs[0], out, dirFd);
    else for (const relDir of relDirs) readDir(relDir, out);
    const nums = out.nums.slice(0, out.count * STAT_FIELDS);
    return {
      names: out.names.join('\0'),
      nums,
      count: out.count,
      dirs: out.dirs,
      dirInos: out.dirInos,
      skips: out.skips,
      tooNew: out.tooNew,
    };
  };
}
