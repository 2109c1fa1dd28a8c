// Worker of prefetch.ts: reads the files a batch is about to copy, so their data is in the page cache when
// the copy reaches them (cold small files otherwise cost one disk round trip each, one after another).
// The data is discarded. Plain JavaScript so it loads in a worker thread without a TypeScript loader.
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

const buf = Buffer.allocUnsafe(1 << 20);
parentPort.on('message', (paths) => {
  for (const p of paths) {
    let fd = -1;
    try {
      // Never following a symlink, never blocking on a FIFO that took a file's place, and never touching the
      // access time the copy is about to record (O_NOATIME: allowed to root and to the file's owner).
      fd = openSync(p, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOATIME);
      readSync(fd, buf, 0, buf.length, 0);
    } catch {
      // Gone or unreadable: the copy will say so.
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }
  parentPort.postMessage('done');
});
