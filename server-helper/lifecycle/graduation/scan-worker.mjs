// Worker of scan-parallel.ts: reads the folders it is sent (scan-dir.mjs) and posts the result back,
// transferring the numbers rather than copying them.
import { parentPort, workerData } from 'node:worker_threads';
import { createDirReader } from './scan-dir.mjs';

const read = createDirReader(workerData);
parentPort.on('message', (relDirs) => {
  const r = read(relDirs);
  parentPort.postMessage(r, [r.nums.buffer]);
});
