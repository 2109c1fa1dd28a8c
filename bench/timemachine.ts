/**
 * `npm run bench -- timemachine [junkFiles] [junkFolders]`: one Time Machine reading of a per-user share where a
 * member has filled their folder with junk (1,000,000 empty files and 3,000 folders by default) beside real bundles, against
 * what an admin would run to find the bundles by hand (`find -maxdepth 2 -type d -name '*.sparsebundle' …`). Prints
 * the reading's time, its longest stall of the event loop (the API answers between folders), and the ratio to find.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HelperConfig } from '../server-helper/config/schema.js';
import { inspectTimeMachine } from '../server-helper/timemachine/inspect.js';
import { PlistParser } from '../server-helper/timemachine/plist-parser.js';
import { buildBundle } from '../test/support/timemachine.js';
import { fmt, line } from './_util.js';

const JUNK = Number(process.argv[2] ?? 1_000_000);
const JUNK_FOLDERS = Number(process.argv[3] ?? 3000);
const ROUNDS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'fts-bench-tm-'));
const time = join(dir, 'time');
const parser = new PlistParser();
try {
  const made = performance.now();
  for (const [owner, name] of [
    ['alice', 'alices-mac'],
    ['bob', 'bobs-mac'],
  ] as const)
    buildBundle(time, {
      owner,
      name,
      completions: [new Date()],
      bands: [{ name: '0', bytes: 4096, mtime: new Date() }],
    });
  const junk = join(time, 'alice');
  for (let i = 0; i < JUNK; i++) writeFileSync(join(junk, `junk-${i}`), '');
  for (let i = 0; i < JUNK_FOLDERS; i++) mkdirSync(join(junk, `junk-dir-${i}`));
  console.log(
    `made ${fmt(JUNK)} junk files and ${fmt(JUNK_FOLDERS)} folders in ${fmt((performance.now() - made) / 1000, 1)} s`,
  );

  const config = HelperConfig.parse({
    store: { path: join(dir, 'helper.db') },
    shares: [{ name: 'time', role: 'time', path: join(time, '%U'), timeMachine: {} }],
  });
  const noOpens = { openPaths: async () => new Set<string>() };
  const ours: number[] = [];
  const stalls: number[] = [];
  const finds: number[] = [];
  let macs = 0;
  let warnings: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // The longest time the event loop waited for its next turn while the reading ran.
    let last = performance.now();
    let stall = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      stall = Math.max(stall, now - last);
      last = now;
    }, 1);
    const t = performance.now();
    const report = await inspectTimeMachine(config, { clients: [], probe: noOpens, parser });
    ours.push(performance.now() - t);
    clearInterval(tick);
    stalls.push(stall);
    macs = report.macs.length;
    warnings = report.warnings;

    const f = performance.now();
    execFileSync(
      'find',
      [
        time,
        '-mindepth',
        '1',
        '-maxdepth',
        '2',
        '-type',
        'd',
        '(',
        '-name',
        '*.sparsebundle',
        '-o',
        '-name',
        '*.backupbundle',
        ')',
      ],
      { stdio: 'ignore' },
    );
    finds.push(performance.now() - f);
  }
  // Past the names a folder listing may read, the member's own bundle may be missed (said in a warning); the
  // other member's is read whatever the flood.
  console.log(`${macs} Mac(s) read${warnings.length ? `; warning: ${warnings.join(' | ')}` : ''}`);
  console.log(`${ROUNDS} rounds, medians:`);
  line('Time Machine reading (ms)', fmt(median(ours), 1));
  line('longest event-loop stall during it (ms)', fmt(median(stalls), 1));
  line('find -maxdepth 2 for the bundles (ms)', fmt(median(finds), 1));
  line('reading / find', `${fmt(median(ours) / median(finds), 2)}×`);
} finally {
  await parser.close();
  rmSync(dir, { recursive: true, force: true });
}
