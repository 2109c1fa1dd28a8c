// @ts-check
// Worker of copy-pool.ts: copies the small files it is sent (copy-core.mjs) and posts one result per file.
// A shared flag stops it between files: the pool raises it on abort, and a worker raises it on ENOSPC,
// so a full disk ends the batch at once instead of failing every remaining file.
import { parentPort, workerData } from 'node:worker_threads';
import { ChangedError, copyFileSyncVerified } from './copy-core.mjs';

const stop = new Int32Array(workerData.stop);
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);

port.on('message', (/** @type {import('./copy-pool.ts').CopyJob[]} */ jobs) => {
  /** @type {import('./copy-pool.ts').CopyResult[]} */
  const results = [];
  for (const job of jobs) {
    if (Atomics.load(stop, 0) !== 0) {
      results.push({ i: job.i, outcome: 'stopped' });
      continue;
    }
    try {
      const { hash, tmpIno, srcCtimeMs } = copyFileSyncVerified(job.src, job.tmp, job);
      results.push({ i: job.i, outcome: 'copied', hash, tmpIno, srcCtimeMs });
    } catch (err) {
      const e = /** @type {NodeJS.ErrnoException} */ (err);
      if (e?.code === 'ENOSPC') Atomics.store(stop, 0, 1);
      results.push({ i: job.i, outcome: err instanceof ChangedError ? 'changed' : 'failed', message: e?.message ?? String(err), code: e?.code });
    }
  }
  port.postMessage(results);
});
