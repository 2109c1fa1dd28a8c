// Worker of prefetch.ts: asks the kernel to read the files a batch is about to copy (fts-native's prefetch:
// posix_fadvise WILLNEED), so their data is in the page cache when the copy reaches them; cold small files
// otherwise cost one disk round trip each, one after another. Opening a cold file still waits for its inode,
// which is why this runs in a thread of its own. Plain JavaScript so it loads without a TypeScript loader.
import { parentPort } from 'node:worker_threads';
import { prefetch } from '../../native/index.mjs';

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
port.on('message', (/** @type {string[]} */ paths) => {
  prefetch(paths.join('\0'));
  port.postMessage('done');
});
