/**
 * The scan on the calling thread: the same folder reader as the worker threads of scan-parallel.ts
 * (scan-dir.mjs: one native readDirAt per folder, beneath the root's fd), walked depth-first and yielded in
 * small batches, so a million-file tree is never held in memory and the caller can await between batches.
 * For small trees and tests; graduation uses the parallel walk by default.
 */
import { statFieldsOf, type RootDir } from '../../system/root-dir.js';
import { normalizeIncludes } from './policy.js';
import { createDirReader, FLAG_COMPANION, FLAG_SYMLINK, STAT_FIELDS } from './scan-dir.mjs';
import type { ScanStat } from './scan-parallel.js';

/** One file or symlink found by the scan. */
export interface ScanEntry {
  /** Path relative to the scanned root, `/`-separated. */
  rel: string;
  kind: 'file' | 'symlink';
  stat: ScanStat;
  /** The `._name` AppleDouble file beside it, when there is one (relative path). */
  companion: string | null;
}

/** What the walk saw besides candidates: reasons and counts of what it left out. */
export type SkipCounter = (reason: string, n?: number) => void;

/** Options of one walk. */
export interface WalkOptions {
  /** Exclude globs, matched against each name. */
  exclude: readonly string[];
  include: readonly string[];
  skip: SkipCounter;
  /** Folders read per yielded batch. */
  foldersPerBatch?: number;
}

/** Walks root and yields batches of files and symlinks (never following a symlink, never entering another mount). */
export function* walk(root: RootDir, opts: WalkOptions): Generator<ScanEntry[]> {
  const read = createDirReader({
    rootFd: root.fd,
    rootDev: root.dev,
    exclude: opts.exclude,
    include: normalizeIncludes(opts.include),
    now: 0,
    minAgeMs: null,
  });
  const stack: string[] = [''];
  const per = opts.foldersPerBatch ?? 8;
  while (stack.length > 0) {
    const r = read(stack.splice(Math.max(0, stack.length - per)));
    for (let i = r.dirs.length - 1; i >= 0; i--) stack.push(r.dirs[i]!);
    for (const [k, v] of Object.entries(r.skips)) opts.skip(k, v);
    const batch = entriesOf(r.names, r.nums, r.count);
    if (batch.length > 0) yield batch;
  }
}

/** Rebuilds scan entries from a reader's compact result (names `\0`-joined, STAT_FIELDS numbers each). */
export function entriesOf(names: string, n: Float64Array, count: number, out: ScanEntry[] = []): ScanEntry[] {
  if (count === 0) return out;
  const rels = names.split('\0');
  for (let i = 0; i < count; i++) {
    const o = i * STAT_FIELDS;
    const rel = rels[i]!;
    const flags = n[o + 10]!;
    const stat: ScanStat = statFieldsOf(n, o);
    let companion: string | null = null;
    if (flags & FLAG_COMPANION) {
      const slash = rel.lastIndexOf('/');
      companion = `${rel.slice(0, slash + 1)}._${rel.slice(slash + 1)}`;
    }
    out.push({ rel, kind: flags & FLAG_SYMLINK ? 'symlink' : 'file', stat, companion });
  }
  return out;
}
