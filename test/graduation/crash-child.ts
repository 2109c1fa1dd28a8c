/** Child process for fault injection: runs graduation and kills itself with SIGKILL at the n-th occurrence of a journal step. */
import { graduate } from '../../server-helper/lifecycle/graduation/graduate.js';
import type { MoveStep } from '../../server-helper/lifecycle/graduation/mover.js';
import { openStore } from '../../server-helper/store/index.js';

const [flux, space, dbPath, step, nth] = process.argv.slice(2) as [string, string, string, MoveStep, string];
const store = openStore(dbPath);
let seen = 0;
await graduate({
  db: store.db,
  runId: 1,
  srcRoot: flux,
  dstRoot: space,
  policy: { minAgeMs: 86400e3, exclude: ['.fts-*'], include: [], freeSpaceMargin: 0 },
  batchSize: 4,
  // Through the copy pool, as a large run would be: the kill must find nothing lost there either.
  poolMinFiles: 1,
  onStep: (s) => {
    if (s === step && ++seen === Number(nth)) process.kill(process.pid, 'SIGKILL');
  },
});
process.stdout.write('finished without being killed\n');
