/** Types of scan-dir.mjs (plain JavaScript so worker threads load it without a TypeScript loader). */

/** What the reader needs: the root's fd and device, the exclude/include rules, and the age test (minAgeMs null: no test). */
export interface DirReaderConfig {
  /** The root folder's fd (RootDir.fd): every folder is opened beneath it. */
  rootFd: number;
  /** The root's st_dev: an entry on another device is a mount below the root, and is left out. */
  rootDev: number;
  /** Exclude globs, matched against each name. */
  exclude: readonly string[];
  /** Normalised include paths (empty: everything). */
  include: readonly string[];
  now: number;
  minAgeMs: number | null;
}

/** Numbers per file in `nums`. */
export const STAT_FIELDS: number;
/** Flag: the entry is a symlink. */
export const FLAG_SYMLINK: number;
/** Flag: a `._name` AppleDouble companion lies beside it. */
export const FLAG_COMPANION: number;

/** What reading a handful of folders found. */
export interface DirReadResult {
  /** Relative paths of the files found, `\0`-joined. */
  names: string;
  /** STAT_FIELDS (11) numbers per file: dev, ino, mode, nlink, uid, gid, size, blocks, atimeMs, mtimeMs, flags. */
  nums: Float64Array;
  count: number;
  dirs: string[];
  /** The inode of each folder in `dirs`, as its parent's listing found it. */
  dirInos: number[];
  skips: Record<string, number>;
  /** Files seen but younger than minAgeMs (not in names). */
  tooNew: number;
}

/**
 * A reader of directories beneath config.rootFd. With `dirFd`, it reads the one folder that fd is open on (naming its
 * entries under relDirs[0]) rather than resolving the path again: what was checked on the fd is what is read.
 */
export function createDirReader(config: DirReaderConfig): (relDirs: string[], dirFd?: number) => DirReadResult;
