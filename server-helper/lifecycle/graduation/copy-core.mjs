// @ts-check
/**
 * The copy at the heart of a safe move (safe-move.ts): open the source and a new temp file, check the source
 * is what the scan saw, copy while hashing what was read and reading back what was written, then give the
 * copy the source's owner, mode, xattrs and times. Small files take the same steps in C (fts-native's
 * copyFileAt here, copyBatchAt in copy-pool.ts). Every path is relative to a root's fd and resolved beneath it
 * (fts-native): nothing here follows a symlink or resolves a path from "/". Plain JavaScript, type-checked
 * through JSDoc.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  ftruncateSync,
  readFileSync,
  readSync,
  writeSync,
} from 'node:fs';
import { copyFileAt, copyXattrsAndTimes, openAt, unlinkAt } from '../../native/index.mjs';

/** The hash that proves a copy: sha256 is hardware-accelerated here and faster than md5 in Node. */
export const HASH = 'sha256';
/** Chunk of a small file's copy loop. */
export const CHUNK = 1 << 20;
const BLOCK = 4096;
const ZERO = Buffer.alloc(BLOCK);

/**
 * Whether a `/proc/PID/status` text grants CAP_CHOWN (bit 0 of CapEff): a process that is not root but holds
 * that capability may give files away too.
 * @param {string} statusText
 */
export function grantsChown(statusText) {
  const m = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(statusText);
  return m ? (BigInt(`0x${m[1]}`) & 1n) === 1n : false;
}

function readOwnStatus() {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return '';
  }
}

/** Whether copies can be given their source's owner: as root, or with CAP_CHOWN. */
export const mayChown = process.getuid?.() === 0 || grantsChown(readOwnStatus());
/** @type {Buffer | null} */
let buffer = null;
/** @type {Buffer | null} */
let verifyBuffer = null;

/** The source changed while it was copied; it stays where it is. */
export class ChangedError extends Error {
  /** @override */
  name = 'ChangedError';
}

/**
 * Runs a call into fts-native, turning its FTS_CHANGED error into a ChangedError (the source stays).
 * @template T @param {() => T} call @returns {T}
 */
function native(call) {
  try {
    return call();
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err)?.code === 'FTS_CHANGED')
      throw new ChangedError(/** @type {Error} */ (err).message);
    throw err;
  }
}

/** @typedef {{ size: number, mtimeMs: number, ino: number }} Stamp What the scan saw of a source. */

/**
 * Whether a file's identity and content stamp still match what was recorded.
 * @param {Stamp} st
 * @param {number} size @param {number} mtimeMs @param {number} ino
 */
export function sameStamp(st, size, mtimeMs, ino) {
  return st.size === size && st.mtimeMs === mtimeMs && st.ino === ino;
}

/** The buffer of small copies (one per thread). */
export function sharedBuffer() {
  buffer ??= Buffer.allocUnsafe(CHUNK);
  return buffer;
}

/**
 * Writes buf[off..off+len) at pos, however many writes it takes.
 * @param {number} fd @param {Buffer} buf @param {number} off @param {number} len @param {number} pos
 */
function writeAll(fd, buf, off, len, pos) {
  while (len > 0) {
    const w = writeSync(fd, buf, off, len, pos);
    off += w;
    len -= w;
    pos += w;
  }
}

/**
 * Writes buf[0..n) at pos, skipping all-zero 4 KiB blocks so a sparse source stays sparse.
 * @param {number} fd @param {Buffer} buf @param {number} n @param {number} pos
 */
function writeSparse(fd, buf, n, pos) {
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

/**
 * Writes a chunk at pos (holes kept for a sparse source), then reads the same range back and compares it
 * byte for byte with what was read from the source: what was written is proven equal to what was read
 * (whose sha256 the journal keeps) without hashing the data a second time.
 * @param {number} fd @param {Buffer} chunk @param {number} pos @param {boolean} sparse
 */
export function writeVerified(fd, chunk, pos, sparse) {
  if (sparse) writeSparse(fd, chunk, chunk.length, pos);
  else writeAll(fd, chunk, 0, chunk.length, pos);
  if (!verifyBuffer || verifyBuffer.length < chunk.length)
    verifyBuffer = Buffer.allocUnsafe(Math.max(chunk.length, CHUNK));
  let got = 0;
  while (got < chunk.length) {
    const n = readSync(fd, verifyBuffer, got, chunk.length - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  // A hole past the end of a sparse copy reads as nothing until the final truncate; it is zeros by definition.
  if (got < chunk.length) verifyBuffer.fill(0, got, chunk.length);
  if (verifyBuffer.compare(chunk, 0, chunk.length, 0, chunk.length) !== 0)
    throw new Error(`the copy does not match the source at offset ${pos}`);
}

/** @typedef {{ fdIn: number, fdOut: number, tmpIno: number, before: import('node:fs').Stats, sparse: boolean }} OpenCopy An open source and its new temp file (its inode: only that is ever removed). */

/**
 * Opens a source for reading, never following a symlink on its way, and without touching its access time
 * where allowed (root or the owner): a source left in place (changed, failed) keeps the atime it had.
 * @param {number} rootFd @param {string} rel
 */
function openSource(rootFd, rel) {
  try {
    // O_NONBLOCK: a fifo swapped in since the scan must not hang the open (openCopy refuses it).
    return openAt(rootFd, rel, constants.O_RDONLY | constants.O_NOATIME | constants.O_NONBLOCK, 0);
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EPERM') throw err;
    return openAt(rootFd, rel, constants.O_RDONLY | constants.O_NONBLOCK, 0);
  }
}

/** @typedef {{ fd: number }} Root A root folder's fd (server-helper/system/root-dir.ts RootDir). */

/**
 * Opens src beneath its root and creates tmp exclusively beneath the destination root; throws ChangedError
 * when the source is not what the scan saw. The caller closes both (closeCopy).
 * @param {Root} srcRoot @param {string} src @param {Root} dstRoot @param {string} tmp @param {Stamp} expected
 * @returns {OpenCopy}
 */
export function openCopy(srcRoot, src, dstRoot, tmp, expected) {
  const fdIn = openSource(srcRoot.fd, src);
  try {
    const before = fstatSync(fdIn);
    if (!before.isFile() || !sameStamp(before, expected.size, expected.mtimeMs, expected.ino))
      throw new ChangedError('changed since the scan');
    const fdOut = openAt(dstRoot.fd, tmp, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
    return { fdIn, fdOut, tmpIno: fstatSync(fdOut).ino, before, sparse: before.blocks * 512 < before.size };
  } catch (err) {
    closeSync(fdIn);
    throw err;
  }
}

/**
 * Checks the copy of `pos` bytes is whole and the source unchanged, then gives the temp file the source's
 * owner (as root), mode, xattrs and times. Returns the temp file's inode.
 * @param {string} src @param {string} tmp @param {OpenCopy} c @param {number} pos
 */
export function finishCopy(src, tmp, c, pos) {
  const { fdIn, fdOut, before } = c;
  if (c.sparse) ftruncateSync(fdOut, pos);
  const after = fstatSync(fdIn);
  // ctime too: a chmod or a new xattr (a Finder tag) during the copy would not reach it.
  if (
    pos !== before.size ||
    !sameStamp(after, before.size, before.mtimeMs, before.ino) ||
    after.ctimeMs !== before.ctimeMs
  )
    throw new ChangedError('changed while it was copied');
  const landed = fstatSync(fdOut);
  if (landed.size !== pos) throw new Error(`the copy has ${landed.size} bytes, the source ${pos}`);
  if (mayChown) fchownSync(fdOut, before.uid, before.gid);
  native(() => copyXattrsAndTimes(fdIn, fdOut, src, tmp, before.atimeMs, before.mtimeMs, before.ctimeMs));
  // The mode last: after chown, which clears setuid/setgid bits, and after the xattrs, which a user without
  // CAP_DAC_OVERRIDE cannot set on a copy that is already read-only (0444). A mode change keeps the times.
  fchmodSync(fdOut, before.mode & 0o7777);
  return landed.ino;
}

/**
 * Closes both files; on failure (ok false) also removes the temp file (beneath the destination root).
 * @param {OpenCopy} c @param {Root} dstRoot @param {string} tmp @param {boolean} ok
 */
export function closeCopy(c, dstRoot, tmp, ok) {
  /** @type {unknown} */
  let closeError = null;
  try {
    closeSync(c.fdOut);
  } catch (err) {
    // A copy whose close failed (a late write error) is no copy: it goes like any failed one.
    closeError = err;
    ok = false;
  }
  closeSync(c.fdIn);
  if (!ok) unlinkAt(dstRoot.fd, tmp, c.tmpIno);
  if (closeError) throw closeError;
}

/**
 * Copies a small file to tmp synchronously with every promise above (fts-native's copyFileAt: the same steps
 * as openCopy → writeVerified → finishCopy → closeCopy, in C, and times to the nanosecond). Returns the
 * sha256 of what was read, the temp file's inode, and the source's ctime when it was copied (a later change
 * of its metadata keeps it in place).
 * @param {Root} srcRoot @param {string} src @param {Root} dstRoot @param {string} tmp @param {Stamp} expected
 * @returns {{ hash: string, tmpIno: number, srcCtimeMs: number }}
 */
export function copyFileSyncVerified(srcRoot, src, dstRoot, tmp, expected) {
  return native(() =>
    copyFileAt(srcRoot.fd, src, dstRoot.fd, tmp, expected.size, expected.mtimeMs, expected.ino, mayChown),
  );
}
