/**
 * "Where is my file?" and bring-back through the helper's API: a graduated file found by part of its name and
 * brought back byte-identical with its xattrs (its graduation row marked undone, so undo and the next graduation
 * leave it alone); a name in both flux and space kept under a suffixed name; a folder with hard links, a symlink and
 * an AppleDouble pair; kill -9 at every journal step, then recovery loses nothing.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setAttributeSync } from '@napi-rs/xattr';
import { afterAll, describe, expect, it } from 'vitest';
import type { SearchReport } from '../../contract/index.js';
import { bringBack } from '../../server-helper/lifecycle/graduation/bring-back.js';
import { Journal } from '../../server-helper/lifecycle/graduation/journal.js';
import type { MoveStep } from '../../server-helper/lifecycle/graduation/mover.js';
import { openStore } from '../../server-helper/store/index.js';
import { ApiHarness, restoreInstall } from '../support/restore-env.js';
import { assertExactlyOnce, fluxAndSpace, snapshot, tempDir, tempFiles } from './helpers.js';

const base = tempDir('bring-back');
afterAll(() => rmSync(base, { recursive: true, force: true }));
const OLD = (Date.now() - 400 * 86400e3) / 1000;
const old = (p: string) => utimesSync(p, OLD, OLD + 0.000123456);

/** A file as a Mac leaves it on the share: bytes, Finder info and DOS attributes in xattrs, its owner and mode, old. */
function macFile(path: string, data: Buffer | string, xattr = 'finder info'): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, data);
  setAttributeSync(path, 'user.DosStream.AFP_AfpInfo:$DATA', Buffer.from(xattr));
  setAttributeSync(path, 'user.DOSATTRIB', Buffer.from([0, 0, 4, 0, 4, 0, 0, 0, 0x20]));
  chmodSync(path, 0o640);
  chownSync(path, 1234, 1234);
  old(path);
}

async function install(name: string): Promise<{ h: ApiHarness; flux: string; space: string }> {
  const dir = join(base, name);
  mkdirSync(dir);
  const i = restoreInstall(dir);
  return { h: await ApiHarness.start(i.config), flux: i.flux, space: i.space };
}

const search = async (h: ApiHarness, q: string) => {
  const r = await h.call('GET', `/api/v1/search?q=${encodeURIComponent(q)}`);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json as SearchReport;
};

describe('where is my file, and bring it back', () => {
  it('finds a graduated file by part of its name, brings it back byte-identical with its xattrs, and undo and graduation then leave it alone', async () => {
    const { h, flux, space } = await install('story');
    try {
      const file = 'Projects/Alpha/Budget-2019-final.xlsx';
      macFile(join(flux, file), randomBytes(100_000));
      macFile(join(flux, 'Projects/Alpha/._Budget-2019-final.xlsx'), 'appledouble', 'companion');
      macFile(join(flux, 'Projects/Alpha/readme.txt'), 'read me');
      const before = snapshot(flux);
      const grad = await h.run('graduation');
      expect(grad.summary).toMatchObject({ moved: 3 });
      expect(existsSync(join(flux, file))).toBe(false);

      const found = await search(h, 'budget-2019');
      const hit = found.results.filter((r) => r.source !== 'snapshot');
      expect(hit).toEqual([
        expect.objectContaining({
          name: 'Budget-2019-final.xlsx',
          source: 'space',
          path: file,
          kind: 'file',
          size: 100_000,
          action: 'bring-back',
          graduated: expect.objectContaining({ runId: grad.id, from: file, to: file }),
          where: expect.stringMatching(
            /^in space: Projects\/Alpha\/Budget-2019-final\.xlsx, graduated on \d{1,2} \w{3} \d{4} from flux\/Projects\/Alpha\/Budget-2019-final\.xlsx$/,
          ),
        }),
      ]);
      expect(found.sources.map((s) => s.source)).toEqual(['flux', 'space', 'journal', 'snapshot']);

      const r = await h.call('POST', '/api/v1/bring-back', { path: file });
      expect(r.status, JSON.stringify(r.json)).toBe(202);
      const run = await h.ended((r.json as { runId: number }).runId);
      expect(run, run.error ?? '').toMatchObject({
        job: 'bring-back',
        kind: 'bring-back',
        status: 'succeeded',
        params: { path: file },
        undoable: false,
        summary: { placedAt: file, moved: 2, renamedCount: 0 },
      });
      const now = snapshot(flux);
      for (const rel of [file, 'Projects/Alpha/._Budget-2019-final.xlsx']) {
        expect(now.get(rel)).toEqual(before.get(rel));
        expect(existsSync(join(space, rel))).toBe(false);
      }
      expect(lstatSync(join(flux, file))).toMatchObject({ uid: 1234, gid: 1234 });
      expect(existsSync(join(space, 'Projects/Alpha/readme.txt'))).toBe(true);
      const types = h.eventsOf(run.id).map((e) => e.type);
      expect(types[0]).toBe('bringback.started');
      expect(h.eventsOf(run.id).at(-1)).toMatchObject({
        type: 'bringback.finished',
        data: { path: file, from: 'space', to: 'flux', moved: 2, renamed: 0, failed: 0 },
      });
      // The graduation's row of the file says it was taken back.
      const rows = new Journal(h.store.db).ofRun(grad.id);
      expect(rows.find((x) => x.srcs[0] === file)!.state).toBe('undone');

      const again = await search(h, 'BUDGET-2019');
      expect(again.results.filter((x) => x.source !== 'snapshot').map((x) => [x.source, x.path, x.action])).toEqual([
        ['flux', file, null],
      ]);

      // Its mtime is old, but the next graduation leaves it in flux; an undo of the first graduation brings back only readme.
      const grad2 = await h.run('graduation');
      expect(grad2.summary).toMatchObject({ moved: 0, skipped: { 'kept-in-flux': 1 } });
      const undo = await h.run('graduation-undo', { runId: grad.id });
      expect(undo.summary).toMatchObject({ moved: 1 });
      expect(snapshot(flux)).toEqual(before);
      expect(snapshot(space).size).toBe(0);
    } finally {
      await h.close();
    }
  });

  it('a name in both flux and space: flux keeps its file, the space one comes back under a suffixed name; identical ones are not doubled', async () => {
    const { h, flux, space } = await install('both');
    try {
      macFile(join(flux, 'Docs/plan.txt'), 'plan v1');
      macFile(join(flux, 'Docs/same.txt'), 'same bytes');
      const grad = await h.run('graduation');
      expect(grad.summary).toMatchObject({ moved: 2 });
      // Meanwhile someone wrote a new plan in flux, and put back a copy of same.txt (same bytes, owner, mode, xattrs).
      writeFileSync(join(flux, 'Docs/plan.txt'), 'plan v2, written since');
      macFile(join(flux, 'Docs/same.txt'), 'same bytes');
      const run = await h.run('bring-back', { path: 'Docs' });
      expect(run.status, run.error ?? '').toBe('succeeded');
      expect(run.summary).toMatchObject({
        placedAt: 'Docs',
        moved: 2,
        renamedCount: 1,
        renamed: [{ from: 'Docs/plan.txt', to: 'Docs/plan (graduated).txt' }],
      });
      expect(readFileSync(join(flux, 'Docs/plan.txt'), 'utf8')).toBe('plan v2, written since');
      expect(readFileSync(join(flux, 'Docs/plan (graduated).txt'), 'utf8')).toBe('plan v1');
      expect(readFileSync(join(flux, 'Docs/same.txt'), 'utf8')).toBe('same bytes');
      expect(existsSync(join(flux, 'Docs/same (graduated).txt'))).toBe(false);
      expect(snapshot(space).size).toBe(0);
      expect(h.eventsOf(run.id).at(-1)).toMatchObject({ type: 'bringback.finished', data: { renamed: 1, moved: 2 } });
    } finally {
      await h.close();
    }
  });

  it("another member's file at the path of a graduated file that left space is not taken for it: no flux name or row of the other's", async () => {
    const { h, flux, space } = await install('same-path');
    try {
      // Bob's file graduates; later it is deleted from space, and Ana puts a file of her own at the same name.
      const file = 'Shared/notes.txt';
      macFile(join(flux, file), 'bob wrote this');
      const grad = await h.run('graduation');
      expect(grad.summary).toMatchObject({ moved: 1 });
      const bobRow = () => new Journal(h.store.db).ofRun(grad.id).find((x) => x.srcs[0] === file)!;
      const before = bobRow();
      expect(before.state).toBe('done');
      // Hers is made while his still exists, so it cannot get his inode number.
      writeFileSync(join(space, 'Shared/ana.tmp'), 'ana wrote this');
      chownSync(join(space, 'Shared/ana.tmp'), 1235, 1235);
      rmSync(join(space, file));
      renameSync(join(space, 'Shared/ana.tmp'), join(space, file));

      // Her tray brings it back (ownerUid: her Samba user's uid, as the API sets it from her token).
      const run = await h.run('bring-back', { path: file, ownerUid: 1235 });
      expect(run, run.error ?? '').toMatchObject({ status: 'succeeded', summary: { moved: 1, placedAt: file } });
      expect(readFileSync(join(flux, file), 'utf8')).toBe('ana wrote this');
      // Bob's graduation row is left as it was: her move is not recorded as the undo of his graduation.
      expect(bobRow()).toEqual(before);
      const mine = new Journal(h.store.db).ofRun(run.id);
      expect(mine.map((r) => [r.srcs, r.dsts, r.undoOf])).toEqual([[[file], [file], null]]);
    } finally {
      await h.close();
    }
  });

  it('refuses a client token, a path space does not hold and a path that climbs out; search wants admin and a name', async () => {
    const { h, space } = await install('refusals');
    try {
      mkdirSync(join(space, 'Docs'));
      expect((await h.call('POST', '/api/v1/bring-back', { path: 'Docs' }, h.client)).status).toBe(403);
      const missing = await h.call('POST', '/api/v1/bring-back', { path: 'Nope/x.txt' });
      expect(missing).toMatchObject({ status: 404, json: { message: 'space has no Nope/x.txt' } });
      for (const path of ['../etc/passwd', '/etc/passwd', 'Docs/./x', '']) {
        const bad = await h.call('POST', '/api/v1/bring-back', { path });
        expect(bad, path).toMatchObject({ status: 400, json: { field: 'path' } });
      }
      // A symlink on the way is never followed.
      symlinkSync('/etc', join(space, 'etc-link'));
      expect((await h.call('POST', '/api/v1/bring-back', { path: 'etc-link/passwd' })).status).toBe(400);
      expect((await h.call('GET', '/api/v1/search?q=x', undefined, h.client)).status).toBe(403);
      expect(await h.call('GET', '/api/v1/search?q=%20')).toMatchObject({ status: 400, json: { field: 'q' } });
      expect(h.store.runs.list({ limit: 10 })).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

/** A folder in space touching every kind: plain, xattrs, a hard-link pair, a symlink, an AppleDouble pair, a 2 MiB file. */
function spaceTree(space: string): void {
  const files: [string, Buffer][] = [
    ['Folder/a.txt', Buffer.from('alpha')],
    ['Folder/b.bin', Buffer.alloc(2 << 20, 7)],
    ['Folder/Sub/c d.txt', Buffer.from('gamma')],
    ['Folder/report.pages', Buffer.from('pages')],
    ['Folder/._report.pages', Buffer.from('appledouble')],
    ['Folder/e.txt', Buffer.from('epsilon')],
  ];
  for (const [rel, data] of files) macFile(join(space, rel), data, `info ${rel}`);
  linkSync(join(space, 'Folder/e.txt'), join(space, 'Folder/Sub/e-link.txt'));
  symlinkSync('a.txt', join(space, 'Folder/to-a'));
  lutimesSync(join(space, 'Folder/to-a'), OLD, OLD);
  writeFileSync(join(space, 'stays.txt'), 'not asked for');
}

const STEPS: MoveStep[] = ['journaled', 'temp-written', 'copied', 'linked-name', 'linked', 'source-removed', 'done'];

describe('bring back a folder, and kill -9 during it', () => {
  it('brings back files, a hard-link pair, a symlink and an AppleDouble pair, and nothing else', async () => {
    const { base: dir, flux, space } = fluxAndSpace('bb-folder');
    const store = openStore(join(dir, 'helper.db'));
    try {
      spaceTree(space);
      const before = snapshot(space, { ignore: (r) => r === 'stays.txt' });
      const s = await bringBack({
        db: store.db,
        runId: 1,
        spaceRoot: space,
        fluxRoot: flux,
        path: 'Folder',
        freeSpaceMargin: 0,
      });
      expect(s.failed).toEqual([]);
      expect(s.moved).toBe(before.size);
      expect(assertExactlyOnce(before, snapshot(flux), snapshot(space, { ignore: (r) => r === 'stays.txt' }))).toEqual(
        [],
      );
      expect([...snapshot(flux).keys()].sort()).toEqual([...before.keys()].sort());
      expect(existsSync(join(space, 'stays.txt'))).toBe(true);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const step of STEPS) {
    for (const nth of ['temp-written', 'linked-name', 'source-removed'].includes(step) ? [1, 3] : [1]) {
      it(`loses nothing and leaves no temp file (killed at ${step} #${nth}), and the next run finishes it`, async () => {
        const { base: dir, flux, space } = fluxAndSpace(`bb-crash-${step}`);
        const db = join(dir, 'helper.db');
        try {
          spaceTree(space);
          const before = snapshot(space, { ignore: (r) => r === 'stays.txt' });
          const child = spawnSync(
            process.execPath,
            [
              '--import',
              'tsx',
              join(import.meta.dirname, 'bring-back-crash-child.ts'),
              flux,
              space,
              db,
              'Folder',
              step,
              String(nth),
            ],
            { encoding: 'utf8' },
          );
          expect(child.signal, child.stderr).toBe('SIGKILL');
          // Right after the crash nothing is lost (a file may be in both places for a moment, never in neither).
          const mid = assertExactlyOnce(
            before,
            snapshot(flux, { ignore: (r) => r.split('/').pop()!.startsWith('.fts-grad-') }),
            snapshot(space, { ignore: (r) => r === 'stays.txt' }),
          );
          expect(mid.filter((p) => p.includes('lost'))).toEqual([]);
          const store = openStore(db);
          try {
            const s = await bringBack({
              db: store.db,
              runId: 3,
              spaceRoot: space,
              fluxRoot: flux,
              path: 'Folder',
              freeSpaceMargin: 0,
            });
            expect(s.failed).toEqual([]);
            expect(
              assertExactlyOnce(before, snapshot(flux), snapshot(space, { ignore: (r) => r === 'stays.txt' })),
            ).toEqual([]);
            expect([...snapshot(flux).keys()].sort()).toEqual([...before.keys()].sort());
            expect(tempFiles(flux)).toEqual([]);
            expect(new Journal(store.db).unfinished()).toEqual([]);
          } finally {
            store.close();
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  }
});

describe('fts-helper bring-back', () => {
  const BIN = join(import.meta.dirname, '..', '..', 'bin', 'fts-helper.mjs');
  const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

  it('takes a full path under space as well as a relative one, and refuses one outside space, naming it', () => {
    const dir = join(base, 'cli-absolute');
    mkdirSync(dir);
    const { config, flux, space } = restoreInstall(dir);
    const file = join(dir, 'helper.yaml');
    writeFileSync(file, JSON.stringify(config));
    mkdirSync(join(space, 'Docs'));
    writeFileSync(join(space, 'Docs', 'a.txt'), 'a');
    writeFileSync(join(space, 'b.txt'), 'b');

    const full = cli(['bring-back', join(space, 'Docs', 'a.txt'), '--config', file]);
    expect(full.status, full.stderr).toBe(0);
    expect(readFileSync(join(flux, 'Docs', 'a.txt'), 'utf8')).toBe('a');
    const rel = cli(['bring-back', 'b.txt', '--config', file]);
    expect(rel.status, rel.stderr).toBe(0);
    expect(readFileSync(join(flux, 'b.txt'), 'utf8')).toBe('b');

    const outside = cli(['bring-back', join(flux, 'b.txt'), '--config', file]);
    expect(outside.status).toBe(2);
    expect(outside.stderr).toContain(`${join(flux, 'b.txt')} is not in space (${space})`);
    expect(cli(['bring-back', space, '--config', file]).status).toBe(2);
    expect(existsSync(join(flux, 'b.txt'))).toBe(true);
  });
});
