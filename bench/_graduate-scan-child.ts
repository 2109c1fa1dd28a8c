/** Child of bench/graduate.ts: scans DIR for files older than MIN_AGE_MS and prints count, bytes, time and peak RSS as JSON. */
import { walk } from '../server-helper/lifecycle/graduation/scan.js';
import { excludeMatcher, isOldEnough } from '../server-helper/lifecycle/graduation/policy.js';

const [dir, minAgeText] = process.argv.slice(2) as [string, string];
const minAgeMs = Number(minAgeText);
const now = Date.now();
const excluded = excludeMatcher([]);
const t0 = performance.now();
let count = 0;
let bytes = 0;
for (const batch of walk(dir, { excluded, include: [], skip: () => {} })) {
  for (const e of batch) {
    if (e.kind === 'file' && isOldEnough(e.stat.mtimeMs, now, minAgeMs)) {
      count++;
      bytes += e.stat.size;
    }
  }
}
const ms = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ count, bytes, ms, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
