// @ts-check
// Worker of copy-pool.ts: copies the small files it is sent (copy-core.mjs copyJob) and posts one result per
// file. A shared flag stops it between files: the pool raises it on abort, and a copy raises it on ENOSPC,
// so a full disk ends the batch at once instead of failing every remaining file.
import { parentPort, workerData } from 'node:worker_threads';
import { copyJob } from './copy-core.mjs';

const stop = new Int32Array(workerData.stop);
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);

port.on('message', (/** @type {import('./copy-pool.ts').CopyJob[]} */ jobs) => {
  port.postMessage(jobs.map((job) => copyJob(job, stop)));
});
