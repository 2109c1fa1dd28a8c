/**
 * The primitives of a safe move: copy to a temp name with everything a Mac or Windows user stored
 * (bytes, mode, owner, times, xattrs), hashing what was read and what landed; a rename that never
 * replaces (link + unlink); and checks that a source has not changed before it is removed.
 */
import { createHash } from 'node:crypto';
import {
  read as readCb,
  closeSync,
  constants,
  fchmodSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readSync,
  readlinkSync,
  symlinkSync,
  unlinkSync,
  type Stats,
} from 'node:fs';
import { getAttributeSync, listAttributesSync } from '@napi-rs/xattr';
import { renameNoReplace } from '../../native/index.mjs';
import { CHUNK, ChangedError, closeCopy, copyFileSyncVerified, copyXattrs, finishCopy, HASH, mayChown, openCopy, sameStamp, sharedBuffer, writeVerified } from './copy-core.mjs';

export { ChangedError, copyXattrs, HASH, sameStamp };

/** What a finished temp copy is. */
export interface TempCopy {
  hash: string;
  tmpIno: number;
  /** The source's ctime when it was copied: its removal waits for an unchanged one. */
  srcCtimeMs: number;
}

/** lstat that answers null for a missing path. */
export function lstatOrNull(path: string): Stats | null {
  return lstatSync(path, { throwIfNoEntry: false }) ?? null;
}

/**
 * Whether a source is still there but no longer what was copied: its size, mtime or inode differ, or, when the
 * ctime at its copy is known, its ctime (a chmod or a new xattr). A source that is gone has not changed.
 */
export function sourceChanged(path: string, size: number, mtimeMs: number, ino: number, ctimeMs: number | null): boolean {
  const st = lstatOrNull(path);
  return st !== null && (!sameStamp(st, size, mtimeMs, ino) || (ctimeMs !== null && st.ctimeMs !== ctimeMs));
}

/** The xattrs of a path as name → base64, for comparisons. */
export function readXattrs(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of listAttributesSync(path).sort()) out[name] = getAttributeSync(path, name)?.toString('base64') ?? '';
  return out;
}

/** Hashes what an open file holds from offset 0 (up to `size` bytes when known, saving the read that finds the end). */
function hashFd(fd: number, size = Infinity): string {
  const h = createHash(HASH);
  const buf = sharedBuffer();
  for (let pos = 0; pos < size; ) {
    const n = readSync(fd, buf, 0, CHUNK, pos);
    if (n === 0) break;
    h.update(n === CHUNK ? buf : buf.subarray(0, n));
    pos += n;
  }
  return h.digest('hex');
}

/** Hashes a file's content (or a symlink's target). */
export function hashPath(path: string, kind: 'file' | 'symlink'): string {
  if (kind === 'symlink') return createHash(HASH).update(readlinkSync(path)).digest('hex');
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return hashFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** Files at least this large are copied with reads in flight while the previous chunk is hashed and written. */
export const LARGE_FILE = 8 << 20;
const BIG_CHUNK = 4 << 20;
let bigBuffers: [Buffer, Buffer] | null = null;

function readAsync(fd: number, buf: Buffer, pos: number): Promise<number> {
  return new Promise((resolve, reject) => readCb(fd, buf, 0, buf.length, pos, (err, n) => (err ? reject(err) : resolve(n))));
}

/**
 * Streams fd from offset 0 through `each` with double buffering: the next read runs on libuv's pool while
 * this chunk is hashed (and written), so a large file's throughput is the disk's, not disk + hash.
 */
async function pipeline(fd: number, each: (chunk: Buffer, pos: number) => void): Promise<number> {
  bigBuffers ??= [Buffer.allocUnsafe(BIG_CHUNK), Buffer.allocUnsafe(BIG_CHUNK)];
  const bufs = bigBuffers;
  let which = 0;
  let pos = 0;
  let pending = readAsync(fd, bufs[0], 0);
  for (;;) {
    const n = await pending;
    if (n === 0) return pos;
    const cur = bufs[which]!;
    which ^= 1;
    pending = readAsync(fd, bufs[which]!, pos + n);
    try {
      each(n === cur.length ? cur : cur.subarray(0, n), pos);
    } catch (err) {
      // Let the read in flight finish before the caller closes the descriptor (ENOSPC, a mismatch).
      await pending.catch(() => {});
      throw err;
    }
    pos += n;
  }
}

/**
 * Copies src to tmp (created exclusively), preserving mode, owner (as root), xattrs and times; hashes the
 * bytes read while copying (sha256, kept in the journal) and reads every written chunk back to compare.
 * Throws ChangedError when the source's size, mtime or identity differs from `expected` before or after.
 * Does not fsync: the caller syncs a batch. Small files copy synchronously (copy-core.mjs; the copy pool
 * takes the same steps in C); large ones read ahead while the previous chunk is hashed and written.
 */
export async function copyToTemp(src: string, tmp: string, expected: Stats, kind: 'file' | 'symlink'): Promise<TempCopy> {
  if (kind === 'symlink') return copySymlink(src, tmp, expected);
  if (expected.size < LARGE_FILE) return copyFileSyncVerified(src, tmp, expected);
  const c = openCopy(src, tmp, expected);
  let ok = false;
  try {
    const h = createHash(HASH);
    const pos = await pipeline(c.fdIn, (chunk, at) => {
      h.update(chunk);
      writeVerified(c.fdOut, chunk, at, c.sparse);
    });
    const tmpIno = finishCopy(src, tmp, c, pos);
    ok = true;
    return { hash: h.digest('hex'), tmpIno, srcCtimeMs: c.before.ctimeMs };
  } finally {
    closeCopy(c, tmp, ok);
  }
}

function copySymlink(src: string, tmp: string, expected: Stats): TempCopy {
  const target = readlinkSync(src);
  const before = lstatSync(src);
  if (!sameStamp(before, expected.size, expected.mtimeMs, expected.ino)) throw new ChangedError('changed since the scan');
  symlinkSync(target, tmp);
  try {
    if (mayChown) lchownSync(tmp, before.uid, before.gid);
    lutimesSync(tmp, before.atimeMs / 1000, before.mtimeMs / 1000);
    if (readlinkSync(tmp) !== target) throw new Error('the copied symlink does not match the source');
    return { hash: createHash(HASH).update(target).digest('hex'), tmpIno: lstatSync(tmp).ino, srcCtimeMs: before.ctimeMs };
  } catch (err) {
    unlinkQuiet(tmp);
    throw err;
  }
}

/**
 * Gives tmp the name dst without ever replacing dst (EEXIST when dst exists). The last name takes tmp's
 * place (renameat2 RENAME_NOREPLACE, one call); an earlier name of a hard-link group is a new link to it.
 */
export function nameNoReplace(tmp: string, dst: string, last: boolean): void {
  if (last) renameNoReplace(tmp, dst);
  else linkSync(tmp, dst);
}

/** Unlinks a path, ignoring one that is already gone. */
export function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Unlinks path only when it is still the inode we made (so a file someone else put there is never removed). */
export function unlinkIfOurs(path: string, ino: number | null): void {
  if (ino === null) return;
  const st = lstatOrNull(path);
  if (st && st.ino === ino) unlinkQuiet(path);
}

/**
 * Creates the destination folders of relDir that are missing, each with the mode, owner and xattrs of the
 * source folder of the same name. `known` caches folders already seen.
 */
export function ensureDirs(srcRoot: string, dstRoot: string, relDir: string, known: Set<string>): void {
  if (relDir === '' || known.has(relDir)) return;
  const parent = relDir.includes('/') ? relDir.slice(0, relDir.lastIndexOf('/')) : '';
  ensureDirs(srcRoot, dstRoot, parent, known);
  const dst = `${dstRoot}/${relDir}`;
  const existing = lstatOrNull(dst);
  if (existing) {
    if (!existing.isDirectory()) throw Object.assign(new Error(`${relDir} exists in the destination and is not a folder`), { code: 'ENOTDIR' });
  } else {
    const src = `${srcRoot}/${relDir}`;
    const st = lstatOrNull(src);
    try {
      mkdirSync(dst, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (st?.isDirectory()) {
      if (mayChown) lchownSync(dst, st.uid, st.gid);
      const fd = openSync(dst, constants.O_RDONLY | constants.O_DIRECTORY);
      try {
        fchmodSync(fd, st.mode & 0o7777);
      } finally {
        closeSync(fd);
      }
      copyXattrs(src, dst);
    }
  }
  if (known.size > 10_000) known.clear();
  known.add(relDir);
}

const NAME_MAX = 255;

/** The n-th "graduated" alternative of rel, kept within 255 bytes: `report (graduated 2).pdf`. */
export function suffixedName(rel: string, n: number): string {
  const slash = rel.lastIndexOf('/');
  const dir = slash >= 0 ? rel.slice(0, slash + 1) : '';
  const name = rel.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  const hasExt = dot > 0 && Buffer.byteLength(name.slice(dot)) <= 16;
  let stem = hasExt ? name.slice(0, dot) : name;
  const ext = hasExt ? name.slice(dot) : '';
  const suffix = ` (graduated${n > 1 ? ` ${n}` : ''})`;
  while (Buffer.byteLength(stem + suffix + ext) > NAME_MAX) stem = [...stem].slice(0, -1).join('');
  return `${dir}${stem}${suffix}${ext}`;
}
