/**
 * Root against a racing attacker: a user who can write flux and space swaps a folder or a file for a symlink to
 * a folder outside the roots and back, thousands of times per run, while root graduates, undoes a run, or
 * recovers after kill -9. Afterwards nothing outside the roots was created, removed, chowned, chmodded,
 * changed or copied into the roots, and every flux file exists exactly once. Each scenario runs several rounds.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { graduate, type GraduationSummary } from '../../server-helper/lifecycle/graduation/graduate.js';
import { Journal } from '../../server-helper/lifecycle/graduation/journal.js';
import type { Policy } from '../../server-helper/lifecycle/graduation/policy.js';
import { undoRun } from '../../server-helper/lifecycle/graduation/undo.js';
import { openStore } from '../../server-helper/store/index.js';
import { assertExactlyOnce, readXattrs, snapshot, tempDir, tempFiles, type FileFacts } from './helpers.js';

const DAY = 86400e3;
const ROUNDS = 3;
/** Each scenario runs ROUNDS rounds of a few thousand files on a machine that may be busy. */
const SCENARIO_TIMEOUT = 300_000;
const policy: Policy = { minAgeMs: DAY, exclude: ['.fts-*'], include: [], freeSpaceMargin: 0 };
const oldTime = (Date.now() - 40 * DAY) / 1000;
const made: string[] = [];
/** Swaps per attacked run, printed at the end (the README quotes them). */
const swapCounts: number[] = [];
afterAll(() => {
  if (swapCounts.length)
    console.log(
      `attacker swaps per run: min ${Math.min(...swapCounts)}, median ${[...swapCounts].sort((a, b) => a - b)[swapCounts.length >> 1]}, max ${Math.max(...swapCounts)} (${swapCounts.length} runs)`,
    );
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

interface Layout {
  base: string;
  flux: string;
  space: string;
  /** A folder outside the roots, as /etc/samba would be: root's files, old enough to graduate if reached. */
  outside: string;
  db: string;
}

/**
 * Two trees of small old files, so a run lasts long enough for thousands of swaps: flux/u/d/e0..e59 (and
 * flux/u/d/f0..f9), flux/v/w/x/e0..e9; space already holds u/d (with one archived file) and v/w; and an outside
 * folder. The swapped entries are never nested in one another, so the attacker's own renames stay in the roots.
 */
function layout(name: string): Layout {
  const base = tempDir(`race-${name}`);
  made.push(base);
  const l = {
    base,
    flux: join(base, 'flux'),
    space: join(base, 'space'),
    outside: join(base, 'outside'),
    db: join(base, 'helper.db'),
  };
  for (const [tree, dirs, files] of [
    [['u', 'd'], 40, 30],
    [['v', 'w', 'x'], 10, 20],
  ] as const) {
    for (let e = 0; e < dirs; e++) {
      const dir = join(l.flux, ...tree, `e${e}`);
      mkdirSync(dir, { recursive: true });
      for (let i = 0; i < files; i++) writeFileSync(join(dir, `f${i}.txt`), `flux ${tree.join('/')}/${e}/${i}\n`);
    }
  }
  for (let i = 0; i < 10; i++) writeFileSync(join(l.flux, 'u', 'd', `f${i}.txt`), `flux top ${i}\n`);
  mkdirSync(join(l.space, 'u', 'd', 'e1'), { recursive: true });
  mkdirSync(join(l.space, 'v', 'w'), { recursive: true });
  writeFileSync(join(l.space, 'u', 'd', 'archived.txt'), 'archived before\n');
  // The outside folder has names the roots also have, so a path that follows a symlink finds something.
  mkdirSync(join(l.outside, 'e0'), { recursive: true });
  mkdirSync(join(l.outside, 'e1'));
  for (const rel of ['smb.conf', 'f0.txt', 'f1.txt', 'e0/f0.txt', 'e1/f2.txt'])
    writeFileSync(join(l.outside, rel), `outside secret ${rel}\n`, { mode: 0o600 });
  for (const dir of [l.flux, l.outside]) ageTree(dir);
  return l;
}

/** Sets every file's times 40 days back, so all of them are old enough to graduate. */
function ageTree(dir: string): void {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) ageTree(p);
    else utimesSync(p, oldTime, oldTime);
  }
}

/** Everything about a folder tree that root must not change: names, types, owners, modes, times, bytes, xattrs. */
function facts(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    const abs = rel ? join(dir, rel) : dir;
    const st = lstatSync(abs, { bigint: true });
    const kind = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : 'file';
    const content =
      kind === 'file'
        ? createHash('sha256').update(readFileSync(abs)).digest('hex')
        : kind === 'link'
          ? readlinkSync(abs)
          : '';
    out[rel || '.'] = JSON.stringify({
      kind,
      mode: Number(st.mode),
      uid: Number(st.uid),
      gid: Number(st.gid),
      mtime: String(st.mtimeNs),
      ctime: String(st.ctimeNs),
      content,
      xattrs: kind === 'link' ? {} : readXattrs(abs),
    });
    if (kind === 'dir') for (const name of readdirSync(abs).sort()) walk(rel ? `${rel}/${name}` : name);
  };
  walk('');
  return out;
}

/** The attacker's own symlinks (they point outside) are not flux files; leave them out of the invariant. */
function rootFacts(root: string, outside: string): Map<string, FileFacts> {
  const all = snapshot(root);
  for (const [rel] of all) {
    const p = join(root, rel);
    if (lstatSync(p).isSymbolicLink() && readlinkSync(p).startsWith(outside)) all.delete(rel);
  }
  return all;
}

/** Contents of the outside folder's files found anywhere in the roots: root copied them in. */
function leaked(l: Layout): string[] {
  const hashes = new Map([...snapshot(l.outside)].map(([rel, f]) => [f.hash, rel]));
  const out: string[] = [];
  for (const root of [l.flux, l.space])
    for (const [rel, f] of snapshot(root))
      if (f.kind === 'file' && hashes.has(f.hash)) out.push(`${root}/${rel} holds outside/${hashes.get(f.hash)}`);
  return out;
}

interface Swap {
  path: string;
  stash: string;
  target: string;
}

/** The attacker, compiled once for this file (swapper.c: one renameat2 RENAME_EXCHANGE per swap). */
let swapperBinary: string | null = null;
function swapper(): string {
  if (swapperBinary) return swapperBinary;
  const dir = tempDir('swapper');
  made.push(dir);
  const out = join(dir, 'swapper');
  const cc = spawnSync('cc', ['-O2', '-Wall', '-o', out, join(import.meta.dirname, 'swapper.c')], { encoding: 'utf8' });
  expect(cc.status, `cc could not build the attacker (apt-get install -y build-essential): ${cc.stderr}`).toBe(0);
  return (swapperBinary = out);
}

/** Starts the attacker process; resolves once it swaps. */
async function attack(swaps: Swap[]): Promise<{ stop: () => Promise<number>; child: ChildProcess }> {
  const child = spawn(
    swapper(),
    swaps.flatMap((s) => [s.path, s.stash, s.target]),
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines: string[] = [];
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line === 'ready') resolve();
    });
    void closed.then(() => reject(new Error(`the swapper exited (${child.exitCode}) before it was ready`)));
  });
  await ready;
  // Let it swap for a moment before root starts.
  await new Promise((r) => setTimeout(r, 20));
  return {
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await closed;
      expect(child.exitCode, 'the swapper put every entry back').toBe(0);
      const { swaps } = JSON.parse(lines[lines.length - 1]!) as { swaps: number };
      swapCounts.push(swaps);
      return swaps;
    },
  };
}

/**
 * What must hold after a round; returns the problems (none = pass). Right after an attacked run a file may be in
 * both places (a swap kept its source from being removed) and a deferred journal row may hold a temp copy, but
 * nothing is ever lost; after a clean run everything is exactly once and no temp file is left (`strict`).
 */
function check(
  l: Layout,
  before: Map<string, FileFacts>,
  outsideBefore: Record<string, string>,
  strict = true,
): string[] {
  const problems: string[] = [];
  const outsideAfter = facts(l.outside);
  for (const k of new Set([...Object.keys(outsideBefore), ...Object.keys(outsideAfter)])) {
    if (outsideBefore[k] !== outsideAfter[k])
      problems.push(`outside/${k} changed: ${outsideBefore[k] ?? '(absent)'} → ${outsideAfter[k] ?? '(absent)'}`);
  }
  problems.push(...leaked(l));
  const isTemp = (r: string) => r.split('/').pop()!.startsWith('.fts-grad-');
  const side = (root: string) =>
    strict ? rootFacts(root, l.outside) : new Map([...rootFacts(root, l.outside)].filter(([r]) => !isTemp(r)));
  const once = assertExactlyOnce(before, side(l.flux), side(l.space));
  problems.push(
    ...once.filter((p) => !p.includes('archived.txt') && (strict || !p.includes('is in both flux and space'))),
  );
  if (strict)
    problems.push(
      ...tempFiles(l.space).map((t) => `temp file left: ${t}`),
      ...tempFiles(l.flux).map((t) => `temp file left: ${t}`),
    );
  return problems;
}

/** The journal rows of the files a problem names, for the failure's message. */
function journalOf(l: Layout, problems: string[]): unknown[] {
  const store = openStore(l.db);
  try {
    const rows = store.db.prepare('SELECT id, run_id, srcs, dsts, tmp, state, error FROM graduation_journal').all() as {
      srcs: string;
    }[];
    return rows.filter((r) => problems.some((p) => JSON.parse(r.srcs).some((s: string) => p.includes(`"${s}"`))));
  } finally {
    store.close();
  }
}

/** Space's own archived file is not a flux file: the invariant is about flux's. */
function fluxOnly(l: Layout): Map<string, FileFacts> {
  return snapshot(l.flux);
}

const unsafeOnly = (s: GraduationSummary) => s.failed.filter((f) => !/unsafe-path/.test(f.error));

async function graduateUnderAttack(
  l: Layout,
  swaps: Swap[],
  runId: number,
): Promise<{ summary: GraduationSummary; swaps: number }> {
  const store = openStore(l.db);
  const attacker = await attack(swaps);
  try {
    const summary = await graduate({ db: store.db, runId, srcRoot: l.flux, dstRoot: l.space, policy, batchSize: 64 });
    return { summary, swaps: await attacker.stop() };
  } finally {
    if (attacker.child.exitCode === null) await attacker.stop();
    store.close();
  }
}

describe('graduation as root against a racing symlink swapper', { timeout: SCENARIO_TIMEOUT }, () => {
  const scenarios: [string, (l: Layout) => Swap[]][] = [
    [
      'source folders swapped for symlinks to folders outside',
      (l) => [
        { path: join(l.flux, 'u', 'd'), stash: join(l.flux, 'u', '.fts-stash-d'), target: l.outside },
        {
          path: join(l.flux, 'v', 'w', 'x'),
          stash: join(l.flux, 'v', 'w', '.fts-stash-x'),
          target: join(l.outside, 'e0'),
        },
      ],
    ],
    [
      'destination parents swapped for symlinks to folders outside',
      (l) => [
        { path: join(l.space, 'u', 'd'), stash: join(l.space, 'u', '.fts-stash-d'), target: l.outside },
        { path: join(l.space, 'v', 'w'), stash: join(l.space, 'v', '.fts-stash-w'), target: join(l.outside, 'e1') },
      ],
    ],
    [
      "files swapped for symlinks to root's files",
      (l) =>
        Array.from({ length: 10 }, (_, i) => ({
          path: join(l.flux, 'u', 'd', `f${i}.txt`),
          stash: join(l.flux, 'u', 'd', `.fts-stash-f${i}`),
          target: join(l.outside, i % 2 ? 'smb.conf' : 'e0/f0.txt'),
        })),
    ],
  ];
  for (const [name, swapsOf] of scenarios) {
    it(`${name}: nothing outside the roots is touched, every flux file exists once (${ROUNDS} rounds)`, async () => {
      for (let round = 1; round <= ROUNDS; round++) {
        const l = layout(`grad-${round}`);
        const before = fluxOnly(l);
        const outsideBefore = facts(l.outside);
        const { summary, swaps } = await graduateUnderAttack(l, swapsOf(l), 1);
        expect(swaps, 'the attacker swapped thousands of times').toBeGreaterThan(1000);
        expect(check(l, before, outsideBefore, false), `round ${round}`).toEqual([]);
        // A swap met during the run is named as such; nothing else fails.
        expect(unsafeOnly(summary), `round ${round}`).toEqual([]);
        // Without the attacker, the next run graduates what the swaps kept back.
        if (process.env.RACE_DEBUG) console.error('DBDUMP', l.db);
        const store = openStore(l.db);
        try {
          if (process.env.RACE_DEBUG)
            console.error(
              'BEFORE',
              JSON.stringify(
                new Journal(store.db)
                  .unfinished()
                  .slice(0, 3)
                  .map((e) => [e.state, e.tmp, e.dsts, e.error]),
              ),
            );
          const again = await graduate({ db: store.db, runId: 2, srcRoot: l.flux, dstRoot: l.space, policy });
          if (process.env.RACE_DEBUG)
            console.error(
              'AFTER',
              JSON.stringify(again.recovered),
              JSON.stringify(
                new Journal(store.db)
                  .unfinished()
                  .slice(0, 3)
                  .map((e) => [e.state, e.tmp, e.dsts, e.error]),
              ),
              JSON.stringify(readdirSync(l.space)),
            );
          expect(again.failed).toEqual([]);
          expect(check(l, before, outsideBefore)).toEqual([]);
          expect([...snapshot(l.flux).keys()], JSON.stringify(again.skipped)).toEqual([]);
        } finally {
          store.close();
        }
      }
    });
  }
});

describe('undo and recovery as root against a racing symlink swapper', { timeout: SCENARIO_TIMEOUT }, () => {
  const bothSides = (l: Layout): Swap[] => [
    { path: join(l.flux, 'u', 'd'), stash: join(l.flux, 'u', '.fts-stash-d'), target: l.outside },
    { path: join(l.space, 'u', 'd'), stash: join(l.space, 'u', '.fts-stash-d'), target: l.outside },
    { path: join(l.flux, 'v', 'w', 'x'), stash: join(l.flux, 'v', 'w', '.fts-stash-x'), target: join(l.outside, 'e0') },
    { path: join(l.space, 'v', 'w'), stash: join(l.space, 'v', '.fts-stash-w'), target: join(l.outside, 'e1') },
  ];

  it(`undo of a run while both roots' folders are swapped (${ROUNDS} rounds)`, async () => {
    for (let round = 1; round <= ROUNDS; round++) {
      const l = layout(`undo-${round}`);
      const before = fluxOnly(l);
      const outsideBefore = facts(l.outside);
      const store = openStore(l.db);
      try {
        const s = await graduate({ db: store.db, runId: 1, srcRoot: l.flux, dstRoot: l.space, policy });
        expect(s.failed).toEqual([]);
        // Undo moves space → flux: the attacker now swaps the undo's destination and its source.
        const attacker = await attack(bothSides(l));
        let undo: GraduationSummary;
        try {
          undo = await undoRun({ db: store.db, undoRunId: 1, runId: 2, batchSize: 64 });
        } finally {
          expect(await attacker.stop()).toBeGreaterThan(1000);
        }
        expect(check(l, before, outsideBefore, false), `round ${round}`).toEqual([]);
        expect(unsafeOnly(undo)).toEqual([]);
        // Undone again without the attacker: everything is back in flux.
        const again = await undoRun({ db: store.db, undoRunId: 1, runId: 3 });
        expect(again.failed).toEqual([]);
        expect(check(l, before, outsideBefore)).toEqual([]);
        expect([...snapshot(l.flux).keys()].length).toBe(before.size);
      } finally {
        store.close();
      }
    }
  });

  for (const [step, nth] of [
    ['linked', 2],
    ['copied', 3],
    ['source-removed', 40],
  ] as const) {
    it(`recovery after kill -9 at ${step} #${nth} while both roots' folders are swapped (${ROUNDS} rounds)`, async () => {
      for (let round = 1; round <= ROUNDS; round++) {
        const l = layout(`recover-${step}-${round}`);
        const before = fluxOnly(l);
        const outsideBefore = facts(l.outside);
        const child = spawnSync(
          process.execPath,
          ['--import', 'tsx', join(import.meta.dirname, 'crash-child.ts'), l.flux, l.space, l.db, step, String(nth)],
          { encoding: 'utf8' },
        );
        expect(child.signal, child.stderr).toBe('SIGKILL');
        const crashed = openStore(l.db);
        expect(new Journal(crashed.db).unfinished().length).toBeGreaterThan(0);
        crashed.close();
        const { summary, swaps } = await graduateUnderAttack(l, bothSides(l), 2);
        expect(swaps).toBeGreaterThan(1000);
        const { rolledBack, completed, deferred } = summary.recovered;
        expect(rolledBack + completed + deferred).toBeGreaterThan(0);
        const problems = check(l, before, outsideBefore, false);
        if (problems.length) console.error(JSON.stringify(journalOf(l, problems), null, 1));
        expect(problems, `round ${round}`).toEqual([]);
        expect(unsafeOnly(summary)).toEqual([]);
        // Without the attacker, the next run finishes what recovery had to defer, and graduates the rest.
        const store = openStore(l.db);
        try {
          const clean = await graduate({ db: store.db, runId: 3, srcRoot: l.flux, dstRoot: l.space, policy });
          expect(clean.failed).toEqual([]);
          expect(new Journal(store.db).unfinished()).toEqual([]);
          expect(check(l, before, outsideBefore)).toEqual([]);
        } finally {
          store.close();
        }
      }
    });
  }
});
