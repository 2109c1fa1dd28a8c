/** Child of bench/graduate.ts: scans DIR for files older than MIN_AGE_MS and prints count, bytes, time and peak RSS as JSON. MODE: parallel (default) or sync. */
import { walkParallel } from '../server-helper/lifecycle/graduation/scan-parallel.js';
import { walk } from '../server-helper/lifecycle/graduation/scan.js';
import { isOldEnough } from '../server-helper/lifecycle/graduation/policy.js';
import { RootDir } from '../server-helper/system/root-dir.js';

const [dir, minAgeText, mode = 'parallel'] = process.argv.slice(2) as [string, string, string?];
const minAgeMs = Number(minAgeText);
const now = Date.now();
const root = new RootDir(dir);
const t0 = performance.now();
let count = 0;
let bytes = 0;
const batches =
  mode === 'sync'
    ? walk(root, { exclude: [], include: [], skip: () => {} })
    : walkParallel(root, {
        exclude: [],
        include: [],
        skip: () => {},
        minAgeMs,
        now,
        workers: mode.startsWith('parallel') && mode.length > 8 ? Number(mode.slice(8)) : undefined,
      });
for await (const batch of batches) {
  for (const e of batch) {
    if (e.kind === 'file' && isOldEnough(e.stat.mtimeMs, now, minAgeMs)) {
      count++;
      bytes += e.stat.size;
    }
  }
}
const ms = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ count, bytes, ms, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
