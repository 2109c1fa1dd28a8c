/**
 * `npm run bench -- graduate [--files N] [--rss-files N] [--small N] [--large N] [--rounds N]`: graduation against what a
 * user would run instead, on two loop-mounted ext4 images, in one run:
 *   scan  — eligible count and bytes of an N-file tree vs `find -type f -mmin +N -printf` (warm and cold cache);
 *   move  — 20,000 × 4 KiB and 20 × 50 MiB vs `rsync -aHX --remove-source-files` and `rclone move --checksum`,
 *           each followed by `sync`; large files also vs `dd bs=4M conv=fsync` of the same bytes;
 *   `--files 0` skips the scan part.
 *   rss   — peak RSS of a scan of --rss-files files (0 = skip; 1000000 for the full check, slow to create).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { graduate } from '../server-helper/lifecycle/graduation/graduate.js';
import { openStore } from '../server-helper/store/index.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const FILES = opt('files', 200_000);
const RSS_FILES = opt('rss-files', 0);
const SMALL = opt('small', 20_000);
const LARGE = opt('large', 20);
const ROUNDS = opt('rounds', 3);
const DAY = 86400e3;
const OLD = (Date.now() - 40 * DAY) / 1000;

if (process.getuid?.() !== 0) {
  console.error('bench graduate needs root (loop mounts, drop_caches)');
  process.exit(2);
}

const base = execFileSync('mktemp', ['-d', '/tmp/fts-bench-graduate-XXXXXX'], { encoding: 'utf8' }).trim();
const mounts: string[] = [];
function loop(name: string, sizeGb: number, inodes: number): string {
  const img = join(base, `${name}.img`);
  const dir = join(base, name);
  mkdirSync(dir);
  execFileSync('truncate', ['-s', `${sizeGb}G`, img]);
  execFileSync('mkfs.ext4', ['-q', '-F', '-N', String(inodes), '-L', name, img]);
  execFileSync('mount', ['-o', 'loop', img, dir]);
  mounts.push(dir);
  return dir;
}
function cleanup(): void {
  for (const m of mounts.reverse()) spawnSync('umount', [m]);
  rmSync(base, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

const sh = (cmd: string, argv: string[]) => {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  return r.stdout;
};
const timed = (fn: () => void) => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};
const dropCaches = () => {
  execFileSync('sync');
  writeFileSync('/proc/sys/vm/drop_caches', '3');
};
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** n files of `size` bytes in 100-file folders; every other one old when `half`. */
function makeTree(root: string, n: number, size: number | ((i: number) => number), half: boolean): void {
  const buf = Buffer.alloc(typeof size === 'number' ? size : 0, 0x61);
  for (let i = 0; i < n; i++) {
    const dir = join(root, `d${Math.floor(i / 100) % 20}`, `e${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(dir, { recursive: true });
    const p = join(dir, `file ${i}.dat`);
    writeFileSync(p, typeof size === 'number' ? buf : Buffer.alloc(size(i), 0x62));
    if (!half || i % 2 === 1) utimesSync(p, OLD, OLD);
  }
}

function scanChild(
  dir: string,
  minAgeMs: number,
  mode: 'sync' | 'parallel' = 'sync',
): { count: number; bytes: number; ms: number; maxRssMb: number } {
  const out = sh(process.execPath, [
    '--import',
    'tsx',
    join(import.meta.dirname, '_graduate-scan-child.ts'),
    dir,
    String(minAgeMs),
    mode,
  ]);
  return JSON.parse(out);
}

function findScan(dir: string, minutes: number): { count: number; bytes: number; ms: number } {
  let out = '';
  const ms = timed(() => {
    out = sh('find', [dir, '-type', 'f', '-mmin', `+${minutes}`, '-printf', '%s %T@ %p\n']);
  });
  let count = 0;
  let bytes = 0;
  for (const line of out.split('\n')) {
    if (!line) continue;
    count++;
    bytes += Number(line.slice(0, line.indexOf(' ')));
  }
  return { count, bytes, ms };
}

const results: string[] = [];
const report = (line: string) => {
  console.log(line);
  results.push(line);
};

const src = loop('flux', 6, 1_200_000);
const dst = loop('space', 6, 1_200_000);
console.log(
  `bench graduate: loop ext4 images in ${base}; scan ${FILES} files, move ${SMALL} × 4 KiB and ${LARGE} × 50 MiB`,
);

// --- scan ---
if (FILES > 0) {
  const tree = join(src, 'scan');
  makeTree(tree, FILES, (i) => i % 1000, true);
  const minAgeMs = 30 * DAY;
  const minutes = 30 * 24 * 60;
  const runs = (fn: () => { ms: number }, n: number) => Math.min(...Array.from({ length: n }, () => fn().ms));
  const f = findScan(tree, minutes);
  const o = scanChild(tree, minAgeMs);
  const p = scanChild(tree, minAgeMs, 'parallel');
  for (const x of [o, p])
    if (f.count !== x.count || f.bytes !== x.bytes)
      throw new Error(`scan disagrees with find: ${JSON.stringify({ f, x })}`);
  const warmFind = runs(() => findScan(tree, minutes), 3);
  const warmOurs = runs(() => scanChild(tree, minAgeMs), 3);
  const warmPar = runs(() => scanChild(tree, minAgeMs, 'parallel'), 3);
  const cold = (fn: () => { ms: number }) => {
    dropCaches();
    return fn().ms;
  };
  const coldFind = Math.min(
    cold(() => findScan(tree, minutes)),
    cold(() => findScan(tree, minutes)),
  );
  const coldOurs = Math.min(
    cold(() => scanChild(tree, minAgeMs)),
    cold(() => scanChild(tree, minAgeMs)),
  );
  const coldPar = Math.min(
    cold(() => scanChild(tree, minAgeMs, 'parallel')),
    cold(() => scanChild(tree, minAgeMs, 'parallel')),
  );
  // The worker walk is what graduation runs; the synchronous walk (`scan: 'sync'`) is shown beside it.
  report(
    `scan ${FILES} files (${o.count} eligible, ${o.bytes} bytes; same as find), warm: worker walk ${fmt(warmPar)} vs find ${fmt(warmFind)} → ratio ${(warmPar / warmFind).toFixed(2)} (goal ≤ 1.0); sync walk ${fmt(warmOurs)} → ${(warmOurs / warmFind).toFixed(2)}`,
  );
  report(
    `scan cold cache: worker walk ${fmt(coldPar)} vs find ${fmt(coldFind)} → ratio ${(coldPar / coldFind).toFixed(2)} (goal ≤ 0.7); sync walk ${fmt(coldOurs)} → ${(coldOurs / coldFind).toFixed(2)}`,
  );
  report(
    `scan peak RSS for ${FILES} files (whole node process): worker walk ${p.maxRssMb.toFixed(0)} MB, sync walk ${o.maxRssMb.toFixed(0)} MB`,
  );
  rmSync(tree, { recursive: true, force: true });
}

// --- move ---
async function oursMove(from: string, to: string): Promise<number> {
  const store = openStore(join(base, `bench-${Math.random().toString(36).slice(2)}.db`));
  try {
    const t = performance.now();
    const s = await graduate({
      db: store.db,
      runId: 1,
      srcRoot: from,
      dstRoot: to,
      policy: { minAgeMs: DAY, exclude: [], include: [], freeSpaceMargin: 0 },
    });
    execFileSync('sync');
    const ms = performance.now() - t;
    if (s.failed.length) throw new Error(`graduate failed: ${JSON.stringify(s.failed.slice(0, 3))}`);
    return ms;
  } finally {
    store.close();
  }
}
function moveCase(label: string, n: number, size: number): Promise<void> {
  return (async () => {
    const srcDir = join(src, `move-${label}`);
    const fresh = () => {
      rmSync(srcDir, { recursive: true, force: true });
      makeTree(srcDir, n, size, false);
      dropCaches();
    };
    const dstOf = (tool: string) => {
      const d = join(dst, `${label}-${tool}`);
      mkdirSync(d);
      return d;
    };
    // Rounds of each (--rounds, 3 by default), interleaved, best of each: this VM's cold-cache disk times vary by a third.
    const rsyncRuns: number[] = [];
    const rcloneRuns: number[] = [];
    const oursRuns: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      fresh();
      const rsyncDst = dstOf('rsync');
      rsyncRuns.push(
        timed(() => {
          sh('rsync', ['-aHX', '--remove-source-files', `${srcDir}/`, `${rsyncDst}/`]);
          execFileSync('sync');
        }),
      );
      rmSync(rsyncDst, { recursive: true, force: true });
      fresh();
      const rcloneDst = dstOf('rclone');
      rcloneRuns.push(
        timed(() => {
          sh('rclone', ['move', '--checksum', '--config', '/dev/null', srcDir, rcloneDst]);
          execFileSync('sync');
        }),
      );
      rmSync(rcloneDst, { recursive: true, force: true });
      fresh();
      const oursDst = dstOf('ours');
      oursRuns.push(await oursMove(srcDir, oursDst));
      if (readdirSync(oursDst).length === 0) throw new Error('nothing moved');
      rmSync(oursDst, { recursive: true, force: true });
    }
    const [rsync, rclone, ours] = [rsyncRuns, rcloneRuns, oursRuns].map((r) => Math.min(...r)) as [
      number,
      number,
      number,
    ];
    report(
      `move ${n} × ${size >= 1 << 20 ? `${size >> 20} MiB` : `${size >> 10} KiB`}: ours ${fmt(ours)} vs rsync ${fmt(rsync)} → ratio ${(ours / rsync).toFixed(2)} (goal ≤ 1.0); vs rclone ${fmt(rclone)} → ratio ${(ours / rclone).toFixed(2)}`,
    );
    const all = (runs: number[]) => runs.map((ms) => (ms / 1000).toFixed(2)).join(', ');
    console.log(`  (every round, s: ours ${all(oursRuns)}; rsync ${all(rsyncRuns)}; rclone ${all(rcloneRuns)})`);
    if (size >= 1 << 20) {
      fresh();
      const ddDst = dstOf('dd');
      const files: string[] = [];
      const walk = (d: string, rel: string) => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
          else files.push(`${rel}${e.name}`);
        }
      };
      walk(srcDir, '');
      const ddOnce = () =>
        timed(() => {
          for (const [i, rel] of files.entries())
            sh('dd', [`if=${join(srcDir, rel)}`, `of=${join(ddDst, String(i))}`, 'bs=4M', 'conv=fsync', 'status=none']);
        });
      const ddRuns: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        dropCaches();
        ddRuns.push(ddOnce());
        for (const f of readdirSync(ddDst)) rmSync(join(ddDst, f));
      }
      const dd = Math.min(...ddRuns);
      const bytes = n * size;
      const mbps = (ms: number) => bytes / 1e6 / (ms / 1000);
      report(
        `large-file throughput: ours ${mbps(ours).toFixed(0)} MB/s (verified, durable) vs dd bs=4M conv=fsync ${mbps(dd).toFixed(0)} MB/s → ${((100 * dd) / ours).toFixed(0)} % (goal ≥ 80 %)`,
      );
    }
    for (const d of readdirSync(dst))
      if (d.startsWith(`${label}-`)) rmSync(join(dst, d), { recursive: true, force: true });
    rmSync(srcDir, { recursive: true, force: true });
  })();
}
if (SMALL > 0) await moveCase('small', SMALL, 4096);
if (LARGE > 0) await moveCase('large', LARGE, 50 << 20);

// --- peak RSS on a big scan ---
if (RSS_FILES > 0) {
  const tree = join(src, 'rss');
  makeTree(tree, RSS_FILES, 0, true);
  const o = scanChild(tree, 30 * DAY);
  const p = scanChild(tree, 30 * DAY, 'parallel');
  report(
    `scan of ${RSS_FILES} files: peak RSS ${p.maxRssMb.toFixed(0)} MB worker walk, ${o.maxRssMb.toFixed(0)} MB sync walk (goal ≤ 200 MB); ${fmt(p.ms)} / ${fmt(o.ms)}`,
  );
}
console.log(
  `\nsummary (load average at the end: ${(await import('node:os')).loadavg()[0]!.toFixed(1)}):\n${results.map((r) => `  ${r}`).join('\n')}`,
);
