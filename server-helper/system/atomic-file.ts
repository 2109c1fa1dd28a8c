/** Crash-safe file replacement: write a temp file beside the target, fsync it, rename over, fsync the folder. */
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** The file's bytes, or null when it does not exist. */
export function readFileOrNull(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Replaces path with data atomically; keeps the existing file's mode (else `mode`, default 0644). */
export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): void {
  let keepMode = mode;
  try {
    keepMode = statSync(path).mode & 0o7777;
  } catch {
    // New file: use the given mode.
  }
  const tmp = join(dirname(path), `.${basename(path)}.fts-${randomBytes(6).toString('hex')}`);
  const fd = openSync(tmp, 'wx', keepMode);
  try {
    fchmodSync(fd, keepMode); // the umask must not narrow or widen the mode
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dirname(path));
}

/** Removes a file (no error when absent) and makes the removal durable. */
export function removeFileDurably(path: string): void {
  rmSync(path, { force: true });
  fsyncDir(dirname(path));
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
