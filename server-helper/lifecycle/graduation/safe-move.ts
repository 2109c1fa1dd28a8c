/**
 * The primitives of a safe move: copy to a temp name with everything a Mac or Windows user stored (bytes,
 * mode, owner, times, xattrs), hashing what was read and what landed; a rename that never replaces; and checks
 * that a source has not changed before it is removed. Every path is relative to a root held open for the run
 * (RootDir) and resolved beneath it: no symlink is followed on the way and no other mount entered.
 */
import { createHash } from 'node:crypto';
import { read as readCb, closeSync, constants, fchmodSync, fchownSync, fstatSync, readSync } from 'node:fs';
import { copySymlinkAt, copyXattrsFd } from '../../native/index.mjs';
import type { EntryStat, RootDir } from '../../system/root-dir.js';
import {
  CHUNK,
  ChangedError,
  closeCopy,
  copyFileSyncVerified,
  finishCopy,
  HASH,
  mayChown,
  openCopy,
  sameStamp,
  sharedBuffer,
  writeVerified,
} from './copy-core.mjs';

export { ChangedError, HASH, sameStamp };

/** What a finished temp copy is. */
export interface TempCopy {
  hash: string;
  tmpIno: number;
  /** The source's ctime when it was copied: its removal waits for an unchanged one. */
  srcCtimeMs: number;
}

/**
 * Whether a source is still there but no longer what was copied: its size, mtime or inode differ, or, when the
 * ctime at its copy is known, its ctime (a chmod or a new xattr). A source that is gone has not changed.
 */
export function sourceChanged(
  root: RootDir,
  rel: string,
  size: number,
  mtimeMs: number,
  ino: number,
  ctimeMs: number | null,
): boolean {
  const st = root.lstat(rel);
  return st !== null && (!sameStamp(st, size, mtimeMs, ino) || (ctimeMs !== null && st.ctimeMs !== ctimeMs));
}

/** Hashes what an open file holds from offset 0 (up to `size` bytes when known, saving the read that finds the end). */
function hashFd(fd: number, size = Infinity): string {
  const h = createHash(HASH);
  const buf = sharedBuffer();
  for (let pos = 0; pos < size;) {
    const n = readSync(fd, buf, 0, CHUNK, pos);
    if (n === 0) break;
    h.update(n === CHUNK ? buf : buf.subarray(0, n));
    pos += n;
  }
  return h.digest('hex');
}

/** Hashes a file's content (or a symlink's target) beneath a root. */
export function hashAt(root: RootDir, rel: string, kind: 'file' | 'symlink'): string {
  if (kind === 'symlink') return createHash(HASH).update(root.readlink(rel)).digest('hex');
  const fd = root.open(rel, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    // A fifo or device swapped in since it was looked at is not read (it could block the main thread).
    if (!fstatSync(fd).isFile()) throw Object.assign(new Error(`${rel} is not a regular file now`), { code: 'ESTALE' });
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
  return new Promise((resolve, reject) =>
    readCb(fd, buf, 0, buf.length, pos, (err, n) => (err ? reject(err) : resolve(n))),
  );
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
 * Copies src (beneath srcRoot) to tmp (created exclusively beneath dstRoot), preserving mode, owner (as root),
 * xattrs and times; hashes the bytes read while copying (sha256, kept in the journal) and reads every written
 * chunk back to compare. Throws ChangedError when the source's size, mtime or identity differs from `expected`
 * before or after. Does not fsync: the caller syncs a batch. Small files and symlinks copy synchronously in
 * fts-native; large files read ahead while the previous chunk is hashed and written.
 */
export async function copyToTemp(
  srcRoot: RootDir,
  src: string,
  dstRoot: RootDir,
  tmp: string,
  expected: EntryStat,
  kind: 'file' | 'symlink',
): Promise<TempCopy> {
  if (kind === 'symlink') return copySymlink(srcRoot, src, dstRoot, tmp, expected);
  if (expected.size < LARGE_FILE) return copyFileSyncVerified(srcRoot, src, dstRoot, tmp, expected);
  const c = openCopy(srcRoot, src, dstRoot, tmp, expected);
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
    closeCopy(c, dstRoot, tmp, ok);
  }
}

function copySymlink(srcRoot: RootDir, src: string, dstRoot: RootDir, tmp: string, expected: EntryStat): TempCopy {
  try {
    return copySymlinkAt(srcRoot.fd, src, dstRoot.fd, tmp, expected.size, expected.mtimeMs, expected.ino, mayChown);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'FTS_CHANGED') throw new ChangedError((err as Error).message);
    throw err;
  }
}

/**
 * Gives the copy `tmp` (beneath `from`, the staging folder) the name dst beneath `to`, in the folder of inode
 * dirIno only, without ever replacing dst (EEXIST when dst exists, ESTALE when the folder was replaced). The
 * last name takes tmp's place (renameat2 RENAME_NOREPLACE); an earlier name of a hard-link group is a link.
 */
export function nameNoReplace(
  from: RootDir,
  tmp: string,
  to: RootDir,
  dst: string,
  dirIno: number,
  last: boolean,
): void {
  if (last) from.renameInto(tmp, to, dst, dirIno);
  else from.linkInto(tmp, to, dst, dirIno);
}

/**
 * Whether a destination folder found already there may receive a source folder's files: it belongs to the
 * source folder's owner (or root) and gives nobody access the source folder does not. A member could otherwise
 * make `space/Private` their own 0777 folder before another member's `flux/Private` graduates, and root would
 * move the private files into it. A root-owned folder only root may enter does not fit a member's files either.
 */
export function folderFits(
  found: { uid: number; gid: number; mode: number },
  source: { uid: number; gid: number; mode: number },
): boolean {
  if (found.uid !== source.uid && found.uid !== 0) return false;
  // A root folder nobody else may enter (a staging folder a member renamed, say) would lock the owner out.
  if (found.uid === 0 && source.uid !== 0 && (found.mode & 0o077) === 0) return false;
  const extra = found.mode & 0o777 & ~(source.mode & 0o777);
  if ((extra & 0o007) !== 0) return false;
  // Group bits count only for the same group; another group with any access is access the source did not give.
  if ((found.mode & 0o070) !== 0 && (found.gid !== source.gid || (extra & 0o070) !== 0)) return false;
  // A root-owned folder's owner bits are root's; the source owner's own bits do not matter then.
  return found.uid === 0 || (extra & 0o700) === 0;
}

/** A destination folder that belongs to someone else, or is more open than its source folder: the item fails. */
export class FolderMismatchError extends Error {
  override readonly name = 'FolderMismatchError';
  readonly code = 'ESTALE';
}

/**
 * Creates the destination folders of relDir that are missing, each with the mode, owner and xattrs of the
 * source folder of the same name, and returns relDir's inode. The source folder is opened first (a folder moved
 * away or swapped since the scan fails this item before anything is made). A folder found in the destination
 * (made meanwhile, or by an earlier run) must be a real folder on the destination's filesystem (a symlink or
 * another mount fails: ELOOP, EXDEV) that fits its source folder (folderFits). Owner, mode and xattrs are set fd
 * to fd. `known` keeps, per folder made or checked, its inode: names are later given only in that very folder.
 */
export function ensureDirs(srcRoot: RootDir, dstRoot: RootDir, relDir: string, known: Map<string, number>): number {
  if (relDir === '') return dstRoot.ino;
  const cached = known.get(relDir);
  if (cached !== undefined) return cached;
  const parent = relDir.includes('/') ? relDir.slice(0, relDir.lastIndexOf('/')) : '';
  ensureDirs(srcRoot, dstRoot, parent, known);
  const srcFd = srcRoot.open(relDir, constants.O_RDONLY | constants.O_DIRECTORY);
  let ino: number;
  try {
    const src = fstatSync(srcFd);
    const { fd, created } = dstRoot.mkdir(relDir);
    try {
      const dst = fstatSync(fd);
      ino = dst.ino;
      if (created) {
        if (mayChown) fchownSync(fd, src.uid, src.gid);
        fchmodSync(fd, src.mode & 0o7777);
        copyXattrsFd(srcFd, fd);
      } else if (!folderFits(dst, src)) {
        throw new FolderMismatchError(
          `${relDir} in ${dstRoot.path} belongs to another user or is more open than the folder it receives files from (owner ${dst.uid}, mode ${(dst.mode & 0o7777).toString(8)}; the source folder: owner ${src.uid}, mode ${(src.mode & 0o7777).toString(8)}): its files stay where they are`,
        );
      }
    } finally {
      closeSync(fd);
    }
  } finally {
    closeSync(srcFd);
  }
  if (known.size > 10_000) known.clear();
  known.set(relDir, ino);
  return ino;
}

const NAME_MAX = 255;

/** The n-th alternative of a taken rel, kept within 255 bytes and before an extension: `report (graduated 2).pdf`. */
export function suffixedName(rel: string, n: number, word = 'graduated'): string {
  const slash = rel.lastIndexOf('/');
  const dir = slash >= 0 ? rel.slice(0, slash + 1) : '';
  const name = rel.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  const hasExt = dot > 0 && Buffer.byteLength(name.slice(dot)) <= 16;
  let stem = hasExt ? name.slice(0, dot) : name;
  const ext = hasExt ? name.slice(dot) : '';
  const suffix = ` (${word}${n > 1 ? ` ${n}` : ''})`;
  while (Buffer.byteLength(stem + suffix + ext) > NAME_MAX) stem = [...stem].slice(0, -1).join('');
  return `${dir}${stem}${suffix}${ext}`;
}
