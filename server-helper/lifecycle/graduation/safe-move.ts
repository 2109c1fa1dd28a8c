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
  fchownSync,
  fstatSync,
  ftruncateSync,
  futimesSync,
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
  writeSync,
  type Stats,
} from 'node:fs';
import { getAttributeSync, listAttributesSync, setAttributeSync } from '@napi-rs/xattr';

/** The hash that proves a copy: sha256 is hardware-accelerated here and faster than md5 in Node. */
export const HASH = 'sha256';
const CHUNK = 1 << 20;
const BLOCK = 4096;
const ZERO = Buffer.alloc(BLOCK);
let buffer: Buffer | null = null;
const isRoot = process.getuid?.() === 0;

/** The source changed while it was copied; it stays where it is. */
export class ChangedError extends Error {
  override readonly name = 'ChangedError';
}

/** What a finished temp copy is. */
export interface TempCopy {
  hash: string;
  tmpIno: number;
}

function sharedBuffer(): Buffer {
  buffer ??= Buffer.allocUnsafe(CHUNK);
  return buffer;
}

/** Whether a file's identity and content stamp still match what was recorded. */
export function sameStamp(st: Stats, size: number, mtimeMs: number, ino: number): boolean {
  return st.size === size && st.mtimeMs === mtimeMs && st.ino === ino;
}

/** lstat that answers null for a missing path. */
export function lstatOrNull(path: string): Stats | null {
  return lstatSync(path, { throwIfNoEntry: false }) ?? null;
}

/** Copies every extended attribute (user.DosStream.*, user.DOSATTRIB, ACLs as root) from one path to another. */
export function copyXattrs(from: string, to: string): void {
  for (const name of listAttributesSync(from)) {
    const value = getAttributeSync(from, name);
    if (value !== null) setAttributeSync(to, name, value);
  }
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

let verifyBuffer: Buffer | null = null;

/**
 * Writes a chunk at pos (holes kept for a sparse source), then reads the same range back and compares it
 * byte for byte with what was read from the source: what was written is proven equal to what was read
 * (whose sha256 the journal keeps) without hashing the data a second time.
 */
function writeVerified(fd: number, chunk: Buffer, pos: number, sparse: boolean): void {
  if (sparse) writeSparse(fd, chunk, chunk.length, pos);
  else writeAll(fd, chunk, 0, chunk.length, pos);
  if (!verifyBuffer || verifyBuffer.length < chunk.length) verifyBuffer = Buffer.allocUnsafe(Math.max(chunk.length, CHUNK));
  let got = 0;
  while (got < chunk.length) {
    const n = readSync(fd, verifyBuffer, got, chunk.length - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  // A hole past the end of a sparse copy reads as nothing until the final truncate; it is zeros by definition.
  if (got < chunk.length) verifyBuffer.fill(0, got, chunk.length);
  if (verifyBuffer.compare(chunk, 0, chunk.length, 0, chunk.length) !== 0) throw new Error(`the copy does not match the source at offset ${pos}`);
}

/** Writes buf[0..n) at pos, skipping all-zero 4 KiB blocks so a sparse source stays sparse. */
function writeSparse(fd: number, buf: Buffer, n: number, pos: number): void {
  let runStart = -1;
  for (let off = 0; off < n; off += BLOCK) {
    const end = Math.min(off + BLOCK, n);
    const zero = end - off === BLOCK ? buf.compare(ZERO, 0, BLOCK, off, end) === 0 : false;
    if (!zero && runStart < 0) runStart = off;
    if (zero && runStart >= 0) {
      writeAll(fd, buf, runStart, off - runStart, pos + runStart);
      runStart = -1;
    }
  }
  if (runStart >= 0) writeAll(fd, buf, runStart, n - runStart, pos + runStart);
}

function writeAll(fd: number, buf: Buffer, off: number, len: number, pos: number): void {
  while (len > 0) {
    const w = writeSync(fd, buf, off, len, pos);
    off += w;
    len -= w;
    pos += w;
  }
}

/**
 * Copies src to tmp (created exclusively), preserving mode, owner (as root), xattrs and times; hashes the
 * bytes read while copying (sha256, kept in the journal) and reads every written chunk back to compare. Throws ChangedError when the source's
 * size, mtime or identity differs from `expected` before or after. Does not fsync: the caller syncs a batch.
 */
export async function copyToTemp(src: string, tmp: string, expected: Stats, kind: 'file' | 'symlink'): Promise<TempCopy> {
  if (kind === 'symlink') return copySymlink(src, tmp, expected);
  const fdIn = openSync(src, constants.O_RDONLY | constants.O_NOFOLLOW);
  let fdOut = -1;
  try {
    const before = fstatSync(fdIn);
    if (!sameStamp(before, expected.size, expected.mtimeMs, expected.ino)) throw new ChangedError('changed since the scan');
    fdOut = openSync(tmp, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
    const h = createHash(HASH);
    const sparse = before.blocks * 512 < before.size;
    const out = fdOut;
    let pos = 0;
    if (before.size >= LARGE_FILE) {
      pos = await pipeline(fdIn, (chunk, at) => {
        h.update(chunk);
        writeVerified(out, chunk, at, sparse);
      });
    } else {
      const buf = sharedBuffer();
      // Reads stop at the size fstat gave; growth past it shows in the fstat after the copy.
      while (pos < before.size) {
        const n = readSync(fdIn, buf, 0, CHUNK, pos);
        if (n === 0) break;
        const chunk = n === CHUNK ? buf : buf.subarray(0, n);
        h.update(chunk);
        writeVerified(fdOut, chunk, pos, sparse);
        pos += n;
      }
    }
    if (sparse) ftruncateSync(fdOut, pos);
    const after = fstatSync(fdIn);
    if (pos !== before.size || !sameStamp(after, before.size, before.mtimeMs, before.ino)) throw new ChangedError('changed while it was copied');
    const hash = h.digest('hex');
    const landed = fstatSync(fdOut);
    if (landed.size !== pos) throw new Error(`the copy has ${landed.size} bytes, the source ${pos}`);
    if (isRoot) fchownSync(fdOut, before.uid, before.gid);
    // chmod after chown: chown clears setuid/setgid bits.
    fchmodSync(fdOut, before.mode & 0o7777);
    copyXattrs(src, tmp);
    futimesSync(fdOut, before.atimeMs / 1000, before.mtimeMs / 1000);
    closeSync(fdOut);
    fdOut = -1;
    return { hash, tmpIno: landed.ino };
  } catch (err) {
    if (fdOut >= 0) closeSync(fdOut);
    unlinkQuiet(tmp);
    throw err;
  } finally {
    closeSync(fdIn);
  }
}

function copySymlink(src: string, tmp: string, expected: Stats): TempCopy {
  const target = readlinkSync(src);
  const before = lstatSync(src);
  if (!sameStamp(before, expected.size, expected.mtimeMs, expected.ino)) throw new ChangedError('changed since the scan');
  symlinkSync(target, tmp);
  try {
    if (isRoot) lchownSync(tmp, before.uid, before.gid);
    lutimesSync(tmp, before.atimeMs / 1000, before.mtimeMs / 1000);
    if (readlinkSync(tmp) !== target) throw new Error('the copied symlink does not match the source');
    return { hash: createHash(HASH).update(target).digest('hex'), tmpIno: lstatSync(tmp).ino };
  } catch (err) {
    unlinkQuiet(tmp);
    throw err;
  }
}

/** Gives tmp the name dst without ever replacing dst: link(2) fails with EEXIST when dst exists. */
export function linkNoReplace(tmp: string, dst: string): void {
  linkSync(tmp, dst);
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
      if (isRoot) lchownSync(dst, st.uid, st.gid);
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
