/**
 * Reads Time Machine bundles on the server's disk: the share's root and one level of per-user folders, each
 * bundle's plists, its newest band and the blocks it takes. Only reads, and only beneath the share's folder
 * held open (RootDir): no symlink a user placed is followed anywhere on a path, no other mount is entered, and
 * no plist larger than MAX_PLIST_BYTES is read. Anyone on the share can make folders and files in it, so every
 * count is bounded: bundles per folder and in all, folders looked into, entries walked per bundle.
 */
import { constants, readSync, closeSync, fstatSync } from 'node:fs';
import { FIELDS, readDirAt } from '../native/index.mjs';
import { isDirMode, type RootDir } from '../system/root-dir.js';
import type { PlistValue } from 'plist';
import {
  bundleNameOf,
  lastCompletion,
  MACHINE_ID_PLIST,
  MAX_PLIST_BYTES,
  readMachineId,
  SNAPSHOT_HISTORY_PLIST,
  type MachineId,
} from './bundle.js';

/** How much of the share one reading looks at. */
export interface ReadBounds {
  /** Bundles read in one folder (the root or one user's): a Mac has one, a member rarely more than two. */
  bundlesPerFolder: number;
  /** Bundles read in all. */
  bundles: number;
  /** Users' folders looked into for bundles. */
  folders: number;
  /** Entries counted in one bundle: 1,000,000 bands of 8 MiB are 8 TB of backup. */
  entriesPerBundle: number;
  /** Folders listed in the share's root: its bundles (a share for every Mac) or its members' folders. */
  entriesPerFolder: number;
  /** Folders listed in one member's folder: it holds that member's bundles, one per Mac. */
  foldersPerUserFolder: number;
  /** Names read while listing one folder, files passed over included: what a folder of junk may cost. */
  namesPerFolder: number;
}

/** The daemon's bounds. */
export const READ_BOUNDS: ReadBounds = {
  bundlesPerFolder: 8,
  bundles: 64,
  folders: 1000,
  entriesPerBundle: 1_000_000,
  entriesPerFolder: 100_000,
  foldersPerUserFolder: 1_000,
  namesPerFolder: 1_000_000,
};
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

/**
 * Up to max of a folder's entries beneath the root, with their lstat numbers (fts-native's readDirAt: no symlink
 * followed on the way, and it stops reading at max, so a folder of millions of names costs no more than max);
 * `more` says the folder held more.
 */
function entries(
  root: RootDir,
  dir: string,
  max: number,
  foldersOnly = false,
  maxNamesRead?: number,
): { list: Entry[]; more: boolean } {
  const r = readDirAt(root.fd, dir, max, foldersOnly, maxNamesRead);
  const names = r.count ? r.names.split('\0') : [];
  const list = names.map((name, i) => ({
    name,
    mode: r.nums[i * FIELDS + F_MODE]!,
    blocks: r.nums[i * FIELDS + F_BLOCKS]!,
    mtimeMs: r.nums[i * FIELDS + F_MTIME]!,
  }));
  return { list, more: r.more };
}

const isDir = (e: Entry) => (e.mode & S_IFMT) === S_IFDIR;
const isFile = (e: Entry) => (e.mode & S_IFMT) === S_IFREG;

/** The bundles a reading reads, and what it left out. */
export interface FoundBundles {
  bundles: FoundBundle[];
  /** Why some bundles or folders were not read, in words for the household's admin, e.g. `The folder “alice” in the Time Machine share holds 1,000 backups; only 8 are read …`. */
  warnings: string[];
}

/**
 * The bundles in a Time Machine share: at its root (one share for every Mac) and one level down (a per-user
 * share, `/time/<user>/NAME.sparsebundle`). Folders that are not bundles are not searched deeper. Only folders are
 * listed (a member's junk files are passed over, up to `namesPerFolder` names read), at most `entriesPerFolder`
 * at the root and `foldersPerUserFolder` in a member's folder, so one member's folder cannot use up another's
 * reading. At most `bundlesPerFolder` of one folder's bundles and `bundles` in all are read, a registered Mac's
 * first (one per registered computer: `registeredKey` gives a bundle name's host key when a client is registered
 * under it), then by name. The event loop runs between two folders.
 */
export async function findBundles(
  root: RootDir,
  bounds: ReadBounds = READ_BOUNDS,
  registeredKey: (bundleName: string) => string | null = () => null,
): Promise<FoundBundles> {
  const warnings: string[] = [];
  const folders = (dir: string, where: string, max: number): Entry[] => {
    const { list, more } = entries(root, dir, max, true, bounds.namesPerFolder);
    if (more) {
      // Which bound stopped the listing: the folders it may give, or the names it may read.
      const what = list.length >= max ? `${count(max)} folders` : `${count(bounds.namesPerFolder)} files and folders`;
      warnings.push(
        `${where} holds more than ${what}; only those were checked, so a Mac's backup in it may be missing here. Move what is not a Time Machine backup out of it.`,
      );
    }
    return list;
  };
  const bundlesIn = (owner: string | null, list: Entry[]): FoundBundle[] => {
    const here: FoundBundle[] = [];
    for (const e of list) {
      const b = bundleNameOf(e.name);
      if (!b || !isDir(e)) continue;
      const rel = owner ? `${owner}/${e.name}` : e.name;
      here.push({ rel, owner, folder: e.name, name: b.name, kind: b.kind });
    }
    const ranked = rankBundles(here, registeredKey);
    if (ranked.length > bounds.bundlesPerFolder) {
      warnings.push(
        `${placeOf(owner)} holds ${count(ranked.length)} backups; only ${count(bounds.bundlesPerFolder)} are read (registered Macs first, then by name). A Mac makes one: remove the others.`,
      );
    }
    return ranked.slice(0, bounds.bundlesPerFolder);
  };
  const top = folders('', placeOf(null), bounds.entriesPerFolder);
  const found = bundlesIn(null, top);
  const users = top
    .filter((e) => isDir(e) && !e.name.startsWith('.') && !bundleNameOf(e.name))
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b));
  if (users.length > bounds.folders)
    warnings.push(
      `The Time Machine share holds ${count(users.length)} folders; only the first ${count(bounds.folders)} by name are looked into for backups.`,
    );
  for (const name of users.slice(0, bounds.folders)) {
    await yieldToEventLoop();
    let inner: Entry[];
    try {
      inner = folders(name, placeOf(name), bounds.foldersPerUserFolder);
    } catch {
      continue; // a user's folder the helper cannot read (or swapped for a symlink) holds nothing it can report
    }
    found.push(...bundlesIn(name, inner));
  }
  const ranked = rankBundles(found, registeredKey);
  if (ranked.length > bounds.bundles) {
    warnings.push(
      `The Time Machine share holds ${count(ranked.length)} backups; only ${count(bounds.bundles)} are read (registered Macs first, then by name).`,
    );
  }
  // Chosen by rank, reported by path.
  const chosen = ranked.slice(0, bounds.bundles).sort((a, b) => a.rel.localeCompare(b.rel));
  return { bundles: chosen, warnings };
}

/**
 * Bundles in reading order: for each registered computer, the first of its bundles by path; then the rest by path.
 * One per computer, so a member who names a crowd of bundle folders after a registered Mac gets one of them read
 * early, not all.
 */
function rankBundles(list: FoundBundle[], registeredKey: (bundleName: string) => string | null): FoundBundle[] {
  const byPath = [...list].sort((a, b) => a.rel.localeCompare(b.rel));
  const seen = new Set<string>();
  const first: FoundBundle[] = [];
  const rest: FoundBundle[] = [];
  for (const b of byPath) {
    const key = registeredKey(b.name);
    if (key !== null && !seen.has(key)) {
      seen.add(key);
      first.push(b);
    } else rest.push(b);
  }
  return [...first, ...rest];
}

/** A number as the warnings write it: 100,000. */
const count = (n: number) => n.toLocaleString('en-US');

/** Where a warning is, as the household's admin names it: the share's top folder, or a member's folder in it. */
const placeOf = (folder: string | null) =>
  folder === null ? 'The Time Machine share’s top folder' : `The folder “${folder}” in the Time Machine share`;

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

/** Lets the event loop run (requests, timers) between two pieces of a reading. */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Sums the allocated bytes of every file under dir (to MAX_DEPTH) and finds the newest file in its bands/.
 * Stops with an error once more than maxEntries entries are counted, and lets the event loop run after each folder.
 */
async function measure(
  root: RootDir,
  dir: string,
  maxEntries: number,
): Promise<{ allocatedBytes: number; lastWriteMs: number | null }> {
  let allocatedBytes = 0;
  let lastWriteMs: number | null = null;
  let counted = 0;
  const walk = async (path: string, depth: number, inBands: boolean): Promise<void> => {
    const { list, more } = entries(root, path, maxEntries - counted);
    counted += list.length;
    if (more) throw new Error(`too many entries (over ${maxEntries}); size and last write not known`);
    await yieldToEventLoop();
    for (const e of list) {
      if (isFile(e)) {
        allocatedBytes += e.blocks * 512;
        if (inBands && (lastWriteMs === null || e.mtimeMs > lastWriteMs)) lastWriteMs = e.mtimeMs;
      } else if (isDir(e) && depth < MAX_DEPTH) {
        await walk(`${path}/${e.name}`, depth + 1, depth === 0 && e.name === 'bands');
      }
    }
  };
  await walk(dir, 0, false);
  return { allocatedBytes, lastWriteMs };
}

/** How a reading parses a plist: plist-parser.ts's worker in the daemon. */
export type ParsePlist = (data: Uint8Array) => Promise<PlistValue>;

/**
 * Reads one bundle's plists, newest band and size (bundleDir relative to the share's root). Problems with one
 * file (unreadable, too large, too many entries) are listed, not thrown.
 */
export async function readBundleFacts(
  root: RootDir,
  bundleDir: string,
  parse: ParsePlist,
  bounds: ReadBounds = READ_BOUNDS,
): Promise<BundleFacts> {
  const problems: string[] = [];
  const plistAt = async <T>(
    file: string,
    read: (doc: PlistValue) => T,
  ): Promise<{ value: T | null; present: boolean }> => {
    try {
      const data = readSmallFile(root, `${bundleDir}/${file}`);
      if (!data) return { value: null, present: false };
      return { value: read(await parse(data)), present: true };
    } catch (err) {
      problems.push(`${file}: ${(err as Error).message}`);
      return { value: null, present: true };
    }
  };
  const machineId = (await plistAt(MACHINE_ID_PLIST, readMachineId)).value;
  const history = await plistAt(SNAPSHOT_HISTORY_PLIST, lastCompletion);
  let size = { allocatedBytes: 0, lastWriteMs: null as number | null };
  try {
    size = await measure(root, bundleDir, bounds.entriesPerBundle);
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
