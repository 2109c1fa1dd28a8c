/**
 * The scan: a synchronous depth-first walk that yields small batches, so a million-file tree is never held
 * in memory and the caller can await between batches. Synchronous readdir/lstat is the fastest way Node
 * has to stat many small entries (a promise per file costs several times more).
 */
import { lstatSync, readdirSync, type Dirent, type Stats } from 'node:fs';
import { appleDoubleOf, isIncluded, mayContainIncluded } from './policy.js';

/** One file or symlink found by the scan. */
export interface ScanEntry {
  /** Path relative to the scanned root, `/`-separated. */
  rel: string;
  kind: 'file' | 'symlink';
  stat: Stats;
  /** The `._name` AppleDouble file beside it, when there is one (relative path). */
  companion: string | null;
}

/** What the walk saw besides candidates: reasons and counts of what it left out. */
export type SkipCounter = (reason: string, n?: number) => void;

/** Options of one walk. */
export interface WalkOptions {
  excluded: (name: string) => boolean;
  include: readonly string[];
  skip: SkipCounter;
  /** Entries per yielded batch. */
  batchSize?: number;
  /** Called for a directory that cannot be read. */
  onError?: (rel: string, err: NodeJS.ErrnoException) => void;
}

/** Walks root and yields batches of files and symlinks (never following a symlink). */
export function* walk(root: string, opts: WalkOptions): Generator<ScanEntry[]> {
  const batchSize = opts.batchSize ?? 512;
  const stack: string[] = [''];
  let batch: ScanEntry[] = [];
  while (stack.length > 0) {
    const relDir = stack.pop()!;
    const absDir = relDir === '' ? root : `${root}/${relDir}`;
    let entries: Dirent[];
    try {
      entries = readdirSync(absDir, { withFileTypes: true });
    } catch (err) {
      opts.onError?.(relDir, err as NodeJS.ErrnoException);
      opts.skip('unreadable-dir');
      continue;
    }
    let names: Set<string> | null = null;
    for (const d of entries) {
      if (d.name.startsWith('._')) {
        names = new Set(entries.map((e) => e.name));
        break;
      }
    }
    const prefix = relDir === '' ? '' : `${relDir}/`;
    for (const d of entries) {
      const name = d.name;
      if (opts.excluded(name)) {
        opts.skip('excluded');
        continue;
      }
      const rel = prefix + name;
      if (d.isDirectory()) {
        if (mayContainIncluded(rel, opts.include)) stack.push(rel);
        continue;
      }
      if (!isIncluded(rel, opts.include)) continue;
      const isFile = d.isFile();
      const isLink = d.isSymbolicLink();
      if (!isFile && !isLink) {
        // Sockets, fifos, devices; DT_UNKNOWN filesystems would need an lstat here, which ext4 never does.
        opts.skip('special-file');
        continue;
      }
      // `._name` travels with `name`; it is a candidate of its own only when `name` is absent.
      if (names && name.startsWith('._') && names.has(name.slice(2))) continue;
      let stat: Stats;
      try {
        stat = lstatSync(`${absDir}/${name}`);
      } catch (err) {
        opts.skip((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'vanished' : 'unreadable');
        continue;
      }
      const companion = names && names.has(appleDoubleOf(name)) ? prefix + appleDoubleOf(name) : null;
      batch.push({ rel, kind: isLink ? 'symlink' : 'file', stat, companion });
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}
