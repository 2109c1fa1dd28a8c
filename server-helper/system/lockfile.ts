/** A cross-process lock file (O_EXCL) holding the owner's pid; a lock whose owner is gone is taken over. */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { processAlive } from './process.js';

/** Another live process holds the lock. */
export class LockBusyError extends Error {
  override readonly name = 'LockBusyError';
  constructor(
    readonly path: string,
    readonly pid: number,
  ) {
    super(`${path} is held by process ${pid}`);
  }
}

/** Takes the lock at path or throws LockBusyError; returns the function that releases it. */
export function acquireLock(path: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let pid = NaN;
      try {
        pid = Number(readFileSync(path, 'utf8').trim());
      } catch {
        // Released between our open and read: try again.
      }
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid))
        throw new LockBusyError(path, pid);
      if (pid === process.pid) throw new LockBusyError(path, pid);
      rmSync(path, { force: true }); // stale: its owner died
    }
  }
  throw new LockBusyError(path, NaN);
}
