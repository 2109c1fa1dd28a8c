/**
 * Reads Time Machine bundles on the server's disk: the share's root and one level of per-user folders, each
 * bundle's plists, its newest band and the blocks it takes. Only reads, and only beneath the share's folder
 * held open (RootDir): no symlink a user placed is followed anywhere on a path, no other mount is entered, and
 * no plist larger than 8 MiB is read.
 */
import { constants, readSync, closeSync, fstatSync } from 'node:fs';
import { FIELDS, readDirAt } from '../native/index.mjs';
import { isDirMode, type RootDir } from '../system/root-dir.js';
import {
  bundleNameOf,
  lastCompletion,
  MACHINE_ID_PLIST,
  parsePlist,
  readMachineId,
  SNAPSHOT_HISTORY_PLIST,
  type MachineId,
} from './bundle.js';

const MAX_PLIST_BYTES = 8 * 1024 * 1024;
/** Deepest folder inside a bundle that is counted (bands/ and mapped/ are one level down). */
const MAX_DEPTH = 3;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const F_MODE = 2;
const F_BLOCKS = 7;
const F_MTIME = 9;

/** One bundle found in the share. */
export interface FoundBundle {
  /** Path inside the share, e.g. `alice/count-zero.backupbundle`. */
  rel: string;
  /** The per-user folder it is in, or null at the root. */
  owner: string | null;
  folder: string;
  name: string;
  kind: 'sparsebundle' | 'backupbundle';
}

/** What one bundle shows from the outside. */
export interface BundleFacts {
  machineId: MachineId | null;
  /** Newest completion date in SnapshotHistory.plist; null when the file is missing or lists none. */
  lastCompleted: Date | null;
  hasSnapshotHistory: boolean;
  /** Newest mtime among the files in bands/. */
  lastWrite: Date | null;
  /** Blocks allocated to the bundle's files, in bytes. */
  allocatedBytes: number;
  /** Files that could not be read, with the reason (an unreadable plist is reported, not fatal). */
  problems: string[];
}

interface Entry {
  name: string;
  mode: number;
  blocks: number;
  mtimeMs: number;
}

/** A folder's entries beneath the root, with their lstat numbers (fts-native's readDirAt: no symlink followed on the way). */
function entries(root: RootDir, dir: string): Entry[] {
  const r = readDirAt(root.fd, dir);
  const names = r.count ? r.names.split('\0') : [];
  return names.map((name, i) => ({
    name,
    mode: r.nums[i * FIELDS + F_MODE]!,
    blocks: r.nums[i * FIELDS + F_BLOCKS]!,
    mtimeMs: r.nums[i * FIELDS + F_MTIME]!,
  }));
}

const isDir = (e: Entry) => (e.mode & S_IFMT) === S_IFDIR;
const isFile = (e: Entry) => (e.mode & S_IFMT) === S_IFREG;

/**
 * The bundles in a Time Machine share: at its root (one share for every Mac) and one level down (a per-user
 * share, `/time/<user>/NAME.sparsebundle`). Folders that are not bundles are not searched deeper.
 */
export function findBundles(root: RootDir): FoundBundle[] {
  const found: FoundBundle[] = [];
  const add = (owner: string | null, e: Entry) => {
    const b = bundleNameOf(e.name);
    if (!b || !isDir(e)) return false;
    const rel = owner ? `${owner}/${e.name}` : e.name;
    found.push({ rel, owner, folder: e.name, name: b.name, kind: b.kind });
    return true;
  };
  for (const e of entries(root, '')) {
    if (add(null, e) || !isDir(e) || e.name.startsWith('.')) continue;
    let inner: Entry[];
    try {
      inner = entries(root, e.name);
    } catch {
      continue; // a user's folder the helper cannot read (or swapped for a symlink) holds nothing it can report
    }
    for (const f of inner) add(e.name, f);
  }
  return found.sort((a, b) => a.rel.localeCompare(b.rel));
}

/** Whether rel is a real folder beneath the root (not a symlink to one). */
export function isRealDirAt(root: RootDir, rel: string): boolean {
  try {
    const st = root.lstat(rel);
    return st !== null && isDirMode(st.mode);
  } catch {
    return false;
  }
}

/** Reads a small file beneath the root without following a symlink; null when it does not exist. */
function readSmallFile(root: RootDir, rel: string): Buffer | null {
  let fd: number;
  try {
    fd = root.open(rel, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > MAX_PLIST_BYTES) throw new Error(`larger than ${MAX_PLIST_BYTES} bytes`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

/** Sums the allocated bytes of every file under dir (to MAX_DEPTH) and finds the newest file in its bands/. */
function measure(root: RootDir, dir: string): { allocatedBytes: number; lastWriteMs: number | null } {
  let allocatedBytes = 0;
  let lastWriteMs: number | null = null;
  const walk = (path: string, depth: number, inBands: boolean) => {
    for (const e of entries(root, path)) {
      if (isFile(e)) {
        allocatedBytes += e.blocks * 512;
        if (inBands && (lastWriteMs === null || e.mtimeMs > lastWriteMs)) lastWriteMs = e.mtimeMs;
      } else if (isDir(e) && depth < MAX_DEPTH) {
        walk(`${path}/${e.name}`, depth + 1, depth === 0 && e.name === 'bands');
      }
    }
  };
  walk(dir, 0, false);
  return { allocatedBytes, lastWriteMs };
}

/** Reads one bundle's plists, newest band and size (bundleDir relative to the share's root). Problems with one file are listed, not thrown. */
export function readBundleFacts(root: RootDir, bundleDir: string): BundleFacts {
  const problems: string[] = [];
  const plistAt = <T>(
    file: string,
    read: (doc: ReturnType<typeof parsePlist>) => T,
  ): { value: T | null; present: boolean } => {
    try {
      const data = readSmallFile(root, `${bundleDir}/${file}`);
      if (!data) return { value: null, present: false };
      return { value: read(parsePlist(data)), present: true };
    } catch (err) {
      problems.push(`${file}: ${(err as Error).message}`);
      return { value: null, present: true };
    }
  };
  const machineId = plistAt(MACHINE_ID_PLIST, readMachineId).value;
  const history = plistAt(SNAPSHOT_HISTORY_PLIST, lastCompletion);
  let size = { allocatedBytes: 0, lastWriteMs: null as number | null };
  try {
    size = measure(root, bundleDir);
  } catch (err) {
    problems.push(`${bundleDir}: ${(err as Error).message}`);
  }
  return {
    machineId,
    lastCompleted: history.value,
    hasSnapshotHistory: history.present && history.value !== null,
    lastWrite: size.lastWriteMs === null ? null : new Date(size.lastWriteMs),
    allocatedBytes: size.allocatedBytes,
    problems,
  };
}
