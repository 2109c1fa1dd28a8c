/**
 * A household member turns root against another member inside the roots (found by the attacker review): a
 * destination folder the attacker made, a temp copy swapped before it is named, a folder swapped so that undo
 * or a duplicate's removal reaches another member's file. The attacker runs as its own uid (setpriv), the
 * victim's files belong to another; root graduates. Each test fails on the code before the fix.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { graduate } from '../../server-helper/lifecycle/graduation/graduate.js';
import { Journal } from '../../server-helper/lifecycle/graduation/journal.js';
import { dropDuplicates } from '../../server-helper/lifecycle/graduation/move-dedup.js';
import { closeMoverContext, openMoverContext } from '../../server-helper/lifecycle/graduation/move-open.js';
import { recoverJournal } from '../../server-helper/lifecycle/graduation/recover.js';
import { DEDUP_MAX_BYTES } from '../../server-helper/lifecycle/graduation/move-plan.js';
import { undoRun } from '../../server-helper/lifecycle/graduation/undo.js';
import { openStore } from '../../server-helper/store/index.js';
import { tempDir } from './helpers.js';

const ATTACKER = 2001;
const VICTIM = 2002;
const HOUSEHOLD = 2100;
const DAY = 86400e3;
const policy = { minAgeMs: DAY, exclude: [], include: [], freeSpaceMargin: 0 };
const old = (Date.now() - 40 * DAY) / 1000;
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** Runs a command as the attacker (its own uid and group, in the household group too). */
function asAttacker(cmd: string[]): string {
  return execFileSync('setpriv', [`--reuid=${ATTACKER}`, `--regid=${ATTACKER}`, `--groups=${HOUSEHOLD}`, ...cmd], {
    encoding: 'utf8',
  });
}

/** flux and space as a household share: group-writable roots without the sticky bit, as the worst case. */
function roots(name: string): { base: string; flux: string; space: string; db: string } {
  const base = tempDir(`member-${name}`);
  made.push(base);
  const flux = join(base, 'flux');
  const space = join(base, 'space');
  for (const d of [flux, space]) {
    mkdirSync(d);
    chmodSync(d, 0o777);
  }
  return { base, flux, space, db: join(base, 'helper.db') };
}

/** A victim's folder with files, owned by the victim. */
function victimFiles(dir: string, names: string[], mode = 0o755, gid = VICTIM): void {
  mkdirSync(dir, { recursive: true });
  chownSync(dir, VICTIM, gid);
  chmodSync(dir, mode);
  for (const n of names) {
    const f = join(dir, n);
    writeFileSync(f, `victim's ${n}\n`);
    chownSync(f, VICTIM, gid);
    chmodSync(f, 0o644);
    utimesSync(f, old, old);
  }
}

describe('a member cannot turn graduation against another member', () => {
  it("a destination folder another member made (their own, 0777) does not receive the victim's files: they stay in flux", async () => {
    const r = roots('premade');
    victimFiles(join(r.flux, 'Private'), ['diary.txt'], 0o700);
    asAttacker(['mkdir', '-m', '0777', join(r.space, 'Private')]);
    const store = openStore(r.db);
    try {
      const s = await graduate({ db: store.db, runId: 1, srcRoot: r.flux, dstRoot: r.space, policy });
      expect(s.moved).toBe(0);
      expect(s.failed.map((f) => f.error)).toEqual([
        expect.stringMatching(/^unsafe-path: .*belongs to another user or is more open/),
      ]);
      expect(readdirSync(join(r.space, 'Private'))).toEqual([]);
      expect(readFileSync(join(r.flux, 'Private', 'diary.txt'), 'utf8')).toBe("victim's diary.txt\n");
    } finally {
      store.close();
    }
  });

  it('a copy cannot be swapped before it is named: copies are made in a staging folder only root enters', async () => {
    const r = roots('swap');
    // A household folder: the victim's, group-writable for the household, in flux and (from an earlier run) in space.
    victimFiles(join(r.flux, 'Thesis'), ['chapter1.docx', 'chapter2.docx', 'chapter3.docx'], 0o2770, HOUSEHOLD);
    mkdirSync(join(r.space, 'Thesis'));
    chownSync(join(r.space, 'Thesis'), VICTIM, HOUSEHOLD);
    chmodSync(join(r.space, 'Thesis'), 0o2770);
    // The attacker, in the household group, watches every folder of space for a new `.fts-grad-*` and renames
    // its own file over it (inotify: the swap lands between the copy's check and its naming).
    const bin = join(r.base, 'swap-temps');
    const cc = spawnSync('cc', ['-O2', '-o', bin, join(import.meta.dirname, 'swap-temps.c')], { encoding: 'utf8' });
    expect(cc.status, `cc could not build the attacker (apt-get install -y build-essential): ${cc.stderr}`).toBe(0);
    const child = spawn(
      'setpriv',
      [`--reuid=${ATTACKER}`, `--regid=${ATTACKER}`, `--groups=${HOUSEHOLD}`, bin, r.space, join(r.space, 'Thesis')],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: child.stdout! });
    await new Promise<void>((resolve) => lines.on('line', (l) => l === 'ready' && resolve()));
    const store = openStore(r.db);
    try {
      const s = await graduate({ db: store.db, runId: 1, srcRoot: r.flux, dstRoot: r.space, policy });
      expect(s.failed).toEqual([]);
      expect(s.moved).toBe(3);
    } finally {
      child.kill('SIGTERM');
      await new Promise((res) => child.once('close', res));
      store.close();
    }
    for (const n of ['chapter1.docx', 'chapter2.docx', 'chapter3.docx']) {
      expect(readFileSync(join(r.space, 'Thesis', n), 'utf8')).toBe(`victim's ${n}\n`);
      expect(lstatSync(join(r.space, 'Thesis', n)).uid).toBe(VICTIM);
    }
    expect(readdirSync(r.space).sort()).toEqual(['Thesis']);
  });

  it('undo moves back only the very file its run put in space, not one a member renamed into its place', async () => {
    const r = roots('undo');
    asAttacker(['mkdir', '-m', '0755', join(r.flux, 'A')]);
    asAttacker(['sh', '-c', `echo mine > ${join(r.flux, 'A', 'tax.pdf')}`]);
    utimesSync(join(r.flux, 'A', 'tax.pdf'), old, old);
    victimFiles(join(r.space, 'V'), ['tax.pdf'], 0o700);
    const store = openStore(r.db);
    try {
      expect((await graduate({ db: store.db, runId: 1, srcRoot: r.flux, dstRoot: r.space, policy })).moved).toBe(1);
      // The attacker removes its archived file and renames the victim's folder into its folder's name.
      asAttacker(['rm', join(r.space, 'A', 'tax.pdf')]);
      asAttacker(['mv', join(r.space, 'A'), join(r.space, 'A.old')]);
      asAttacker(['mv', join(r.space, 'V'), join(r.space, 'A')]);
      const u = await undoRun({ db: store.db, undoRunId: 1, runId: 2 });
      expect(u.moved).toBe(0);
      expect(u.skipped['changed-in-destination']).toBe(1);
      expect(existsSync(join(r.flux, 'A', 'tax.pdf'))).toBe(false);
      expect(readFileSync(join(r.space, 'A', 'tax.pdf'), 'utf8')).toBe("victim's tax.pdf\n");
    } finally {
      store.close();
    }
  });

  it("an archived duplicate's source is removed only while it is the file that was compared (its inode)", async () => {
    const r = roots('dedup');
    writeFileSync(join(r.flux, 'same.txt'), 'same');
    const compared = lstatSync(join(r.flux, 'same.txt'));
    // Between the comparison and the removal, another file (a folder swap) takes the name.
    rmSync(join(r.flux, 'same.txt'));
    writeFileSync(join(r.flux, 'same.txt'), 'same');
    utimesSync(join(r.flux, 'same.txt'), compared.atime, compared.mtime);
    const store = openStore(r.db);
    const journal = new Journal(store.db);
    const ctx = openMoverContext({ journal, runId: 1, srcRoot: r.flux, dstRoot: r.space, freeSpaceMargin: 0 });
    try {
      const item = { kind: 'file' as const, srcs: ['same.txt'], stat: { ...compared, ino: compared.ino } };
      const id = journal.begin({
        runId: 1,
        kind: 'file',
        srcRoot: r.flux,
        dstRoot: r.space,
        srcs: ['same.txt'],
        dsts: ['same.txt'],
        tmp: null,
        size: 4,
        mtimeMs: compared.mtimeMs,
        srcIno: compared.ino,
        state: 'dedup',
      });
      dropDuplicates(ctx, [{ item, id, ino: 1 }]);
      expect(existsSync(join(r.flux, 'same.txt'))).toBe(true);
      expect(journal.get(id)?.state).toBe('rolled_back');
    } finally {
      await closeMoverContext(ctx);
      store.close();
    }
  });
  it("a member cannot block a run by making its staging folder's names first (the names are random)", async () => {
    const r = roots('staging-names');
    victimFiles(join(r.flux, 'Docs'), ['a.txt', 'b.txt']);
    // Run ids are sequential and visible: the attacker makes every name the run would have tried before.
    for (let n = 1; n <= 16; n++)
      asAttacker(['mkdir', '-m', '0700', join(r.space, `.fts-staging-1${n > 1 ? `-${n}` : ''}`)]);
    const store = openStore(r.db);
    try {
      const s = await graduate({ db: store.db, runId: 1, srcRoot: r.flux, dstRoot: r.space, policy });
      expect(s.failed).toEqual([]);
      expect(s.moved).toBe(2);
      expect(readdirSync(join(r.space, 'Docs')).sort()).toEqual(['a.txt', 'b.txt']);
    } finally {
      store.close();
    }
  });

  it("a root folder nobody else may enter (a staging folder a member renamed) does not receive a member's files", async () => {
    const r = roots('root-0700');
    victimFiles(join(r.flux, 'Private'), ['diary.txt'], 0o755);
    mkdirSync(join(r.space, 'Private'));
    chmodSync(join(r.space, 'Private'), 0o700);
    const store = openStore(r.db);
    try {
      const s = await graduate({ db: store.db, runId: 1, srcRoot: r.flux, dstRoot: r.space, policy });
      expect(s.moved).toBe(0);
      expect(s.failed.map((f) => f.error)).toEqual([expect.stringMatching(/^unsafe-path: .*belongs to another user/)]);
      expect(readdirSync(join(r.space, 'Private'))).toEqual([]);
      expect(existsSync(join(r.flux, 'Private', 'diary.txt'))).toBe(true);
    } finally {
      store.close();
    }
  });

  it("recovery never removes a member's file from a folder that took a staging folder's name", async () => {
    const r = roots('recover-staging');
    victimFiles(join(r.flux, 'D'), ['f.txt']);
    // After a crash, the attacker renames the run's staging folder away and makes its own of that name.
    asAttacker(['mkdir', '-m', '0755', join(r.space, '.fts-staging-1-0123456789abcdef')]);
    asAttacker(['sh', '-c', `echo mine > ${join(r.space, '.fts-staging-1-0123456789abcdef', 'copy')}`]);
    mkdirSync(join(r.space, 'D'));
    const store = openStore(r.db);
    const journal = new Journal(store.db);
    try {
      const st = lstatSync(join(r.flux, 'D', 'f.txt'));
      journal.begin({
        runId: 1,
        kind: 'file',
        srcRoot: r.flux,
        dstRoot: r.space,
        srcs: ['D/f.txt'],
        dsts: ['D/f.txt'],
        tmp: '.fts-staging-1-0123456789abcdef/copy',
        size: st.size,
        mtimeMs: st.mtimeMs,
        srcIno: st.ino,
        state: 'copying',
      });
      const report = await recoverJournal(journal);
      expect(report.rolledBack).toBe(1);
      expect(readFileSync(join(r.space, '.fts-staging-1-0123456789abcdef', 'copy'), 'utf8')).toBe('mine\n');
      expect(existsSync(join(r.flux, 'D', 'f.txt'))).toBe(true);
    } finally {
      store.close();
    }
  });

  it('two same-named files above the comparison bound are not hashed while planning: the second is kept beside, suffixed', async () => {
    const r = roots('sparse');
    // Sparse files cost no disk; a member's 16 TiB ones would take days to hash on the main thread.
    const size = DEDUP_MAX_BYTES + 4096;
    for (const root of [r.flux, r.space]) {
      writeFileSync(join(root, 'huge.img'), '');
      truncateSync(join(root, 'huge.img'), size);
      utimesSync(join(root, 'huge.img'), old, old);
    }
    const store = openStore(r.db);
    try {
      const s = await graduate({ db: store.db, runId: 1, srcRoot: r.flux, dstRoot: r.space, policy });
      expect(s.failed).toEqual([]);
      expect(s.moved).toBe(1);
      expect(readdirSync(r.space).sort()).toEqual(['huge (graduated).img', 'huge.img']);
      expect(lstatSync(join(r.space, 'huge (graduated).img')).blocks).toBeLessThan(64);
    } finally {
      store.close();
    }
  });
});
