/**
 * A batch's per-file system calls off the main thread: its renames and its source removals run in fts-native
 * on libuv's thread pool, a few chunks at once. On the main thread they were half of its time (25 µs each for
 * rename and unlink on ext4), and the main thread is the one that also plans, journals and feeds the copies.
 * Each call answers per file; the mover decides what an answer means, as it did for one file at a time.
 */
import { getSystemErrorMap } from 'node:util';
import { removeUnchangedAt, renameBatchAt } from '../../native/index.mjs';
import type { RootDir } from '../../system/root-dir.js';

/** Files per chunk: enough to make a thread-pool round trip worth it, few enough to spread over its threads. */
const CHUNK = 512;

/** Runs run(start, end) over [0, n) in chunks, concurrently, and joins their answers in order. */
async function chunked(n: number, run: (start: number, end: number) => Promise<Int32Array>): Promise<Int32Array> {
  const parts: Promise<Int32Array>[] = [];
  for (let start = 0; start < n; start += CHUNK) parts.push(run(start, Math.min(n, start + CHUNK)));
  const out = new Int32Array(n);
  let at = 0;
  for (const part of await Promise.all(parts)) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * renameat2(RENAME_NOREPLACE) from[i] beneath fromRoot → to[i] beneath toRoot, into the folder of inode
 * toDirInos[i] only; resolves to each one's errno (0 = named; ELOOP/EXDEV: a folder on the way was swapped;
 * ESTALE: the destination folder was replaced since it was checked).
 */
export function renameAllNoReplace(
  fromRoot: RootDir,
  toRoot: RootDir,
  from: readonly string[],
  to: readonly string[],
  toDirInos: readonly number[],
): Promise<Int32Array> {
  return chunked(from.length, (start, end) => {
    const pairs: string[] = [];
    for (let i = start; i < end; i++) pairs.push(from[i]!, to[i]!);
    return renameBatchAt(fromRoot.fd, toRoot.fd, pairs.join('\0'), Float64Array.from(toDirInos.slice(start, end)));
  });
}

/** What a source must still be for its removal. */
export interface SourceStamp {
  /** Relative to the root. */
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
  /** Its ctime at the copy; null = not checked. */
  ctimeMs: number | null;
}

/** What removeAllUnchanged answers for a source that changed (it stays). */
export const CHANGED = -1;

/** Unlinks each source beneath root still as stamped; resolves to 0 (removed, or already gone), CHANGED, or the errno that stopped it. */
export function removeAllUnchanged(root: RootDir, sources: readonly SourceStamp[]): Promise<Int32Array> {
  return chunked(sources.length, (start, end) => {
    const stamps = new Float64Array((end - start) * 4);
    const paths: string[] = [];
    for (let i = start; i < end; i++) {
      const s = sources[i]!;
      const o = (i - start) * 4;
      stamps[o] = s.size;
      stamps[o + 1] = s.mtimeMs;
      stamps[o + 2] = s.ino;
      stamps[o + 3] = s.ctimeMs ?? Number.NaN;
      paths.push(s.path);
    }
    return removeUnchangedAt(root.fd, paths.join('\0'), stamps);
  });
}

/** The error Node's fs would have thrown for errno: "ENOENT: no such file or directory, rename 'a' -> 'b'". */
export function errnoError(errno: number, syscall: string, path: string, dest?: string): NodeJS.ErrnoException {
  const [code, description] = getSystemErrorMap().get(-errno) ?? [`E${errno}`, 'unknown error'];
  const where = dest === undefined ? `'${path}'` : `'${path}' -> '${dest}'`;
  return Object.assign(new Error(`${code}: ${description}, ${syscall} ${where}`), {
    code,
    errno: -errno,
    syscall,
    path,
    ...(dest === undefined ? {} : { dest }),
  });
}
