/** Child process for fault injection: brings space's files back to flux and kills itself with SIGKILL at the n-th occurrence of a journal step. */
import { bringBack } from '../../server-helper/lifecycle/graduation/bring-back.js';
import type { MoveStep } from '../../server-helper/lifecycle/graduation/mover.js';
import { openStore } from '../../server-helper/store/index.js';

const [flux, space, dbPath, path, step, nth] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  MoveStep,
  string,
];
const store = openStore(dbPath);
let seen = 0;
await bringBack({
  db: store.db,
  runId: 2,
  spaceRoot: space,
  fluxRoot: flux,
  path,
  freeSpaceMargin: 0,
  batchSize: 3,
  // Through the copy pool, as a large folder would be.
  poolMinFiles: 1,
  onStep: (s) => {
    if (s === step && ++seen === Number(nth)) process.kill(process.pid, 'SIGKILL');
  },
});
process.stdout.write('finished without being killed\n');
