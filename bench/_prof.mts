import { mkdirSync, writeFileSync, utimesSync, rmSync } from 'node:fs';
import { graduate } from '../server-helper/lifecycle/graduation/graduate.ts';
import { openStore } from '../server-helper/store/index.ts';
const root = '/tmp/bq/m/prof'; rmSync(root, { recursive: true, force: true }); rmSync('/tmp/bq/m/profdst', { recursive: true, force: true });
const OLD = (Date.now() - 40 * 86400e3) / 1000;
for (let i = 0; i < 2000; i++) { const d = `${root}/e${Math.floor(i / 100)}`; if (i % 100 === 0) mkdirSync(d, { recursive: true }); writeFileSync(`${d}/f${i}`, Buffer.alloc(4096, 1)); utimesSync(`${d}/f${i}`, OLD, OLD); }
mkdirSync('/tmp/bq/m/profdst');
const store = openStore('/tmp/bq/prof.db');
const t = performance.now();
const s = await graduate({ db: store.db, runId: Date.now() % 100000, srcRoot: root, dstRoot: '/tmp/bq/m/profdst', policy: { minAgeMs: 86400e3, exclude: [], include: [], freeSpaceMargin: 0 } });
console.log(s.moved, performance.now() - t);
