/**
 * Property: whatever the tree (Unicode NFC/NFD names, spaces, newlines, leading dashes, 255-byte names, deep
 * nesting, zero-byte and sparse files, Samba's Mac xattrs, hard links, symlinks in and out, mode 000), after a
 * graduation run every file's bytes, mode, mtime and xattrs exist exactly once, in flux or in space.
 */
import fc from 'fast-check';
import {
  chmodSync,
  closeSync,
  ftruncateSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { setAttributeSync } from '@napi-rs/xattr';
import { afterAll, describe, expect, it } from 'vitest';
import { GraduationConfig } from '../../server-helper/config/schema.js';
import { graduate } from '../../server-helper/lifecycle/graduation/graduate.js';
import { excludeMatcher } from '../../server-helper/lifecycle/graduation/policy.js';
import { openStore } from '../../server-helper/store/index.js';
import { assertExactlyOnce, fluxAndSpace, snapshot, tempFiles } from './helpers.js';

const DAY = 86400e3;
const NOW = Date.now();
const excludes = GraduationConfig.parse({}).exclude;
const isExcluded = excludeMatcher(excludes);

const okName = (s: string) =>
  s !== '.' &&
  s !== '..' &&
  !s.includes('/') &&
  !s.includes('\0') &&
  Buffer.byteLength(s) <= 255 &&
  !s.startsWith('.fts-') &&
  !s.startsWith('._');
const specialNames = [
  'café'.normalize('NFC'),
  'café'.normalize('NFD'),
  'with space',
  ' leading space',
  'new\nline',
  '-rf',
  '--help',
  'a'.repeat(255),
  `${'é'.repeat(127)}x`,
  'Ünïcödé ✓ 日本語',
  'report.pdf',
  'x:$DATA',
  '.Trashes',
  'Thumbs.db',
];
const nameArb = fc.oneof(
  fc.constantFrom(...specialNames),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }).filter(okName),
);
const dirArb = fc.oneof(
  fc.constantFrom('Photos', 'café'.normalize('NFD'), 'a b', '-x', '.Trashes'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }).filter(okName),
);
const XATTRS = [
  'user.DosStream.AFP_AfpInfo:$DATA',
  'user.DOSATTRIB',
  'user.DosStream.AFP_Resource:$DATA',
  'user.DosStream.Zone.Identifier:$DATA',
];

const entryArb = fc.record({
  dirs: fc.array(dirArb, { maxLength: 4 }),
  name: nameArb,
  kind: fc.constantFrom(
    'file',
    'file',
    'file',
    'empty',
    'sparse',
    'symlink-in',
    'symlink-out',
    'hardlink',
    'hardlink-outside',
    'appledouble',
  ),
  content: fc.uint8Array({ maxLength: 3000 }),
  old: fc.boolean(),
  xattrs: fc.subarray(XATTRS),
  mode: fc.constantFrom<number>(0o644, 0o600, 0o755, 0o000, 0o4755, 0o1777),
});
type Entry = typeof entryArb extends fc.Arbitrary<infer T> ? T : never;

function setTimes(path: string, old: boolean, symlink = false): void {
  // Microsecond-exact times, so the invariant can compare them exactly.
  const t = (old ? NOW - 60 * DAY : NOW - 60_000) / 1000 + 0.123456;
  (symlink ? lutimesSync : utimesSync)(path, t, t);
}

function build(root: string, entries: Entry[]): void {
  for (const e of entries) {
    const dir = join(root, ...e.dirs);
    const path = join(dir, e.name);
    try {
      mkdirSync(dir, { recursive: true });
      // lstat, not exists: a dangling symlink of the same name must count as taken (writing through it would
      // create its target, outside the tree).
      const taken = (p: string) => lstatSync(p, { throwIfNoEntry: false }) !== undefined;
      if (taken(path) || taken(`${path}.hl`)) continue;
      if (e.kind === 'symlink-in' || e.kind === 'symlink-out') {
        symlinkSync(e.kind === 'symlink-in' ? '../inside' : '/etc/passwd', path);
        setTimes(path, e.old, true);
        continue;
      }
      if (e.kind === 'sparse') {
        const fd = openSync(path, 'w');
        writeSync(fd, Buffer.from(e.content), 0, e.content.length, 1 << 20);
        ftruncateSync(fd, 3 << 20);
        closeSync(fd);
      } else {
        writeFileSync(path, e.kind === 'empty' ? Buffer.alloc(0) : e.content);
      }
      for (const x of e.xattrs) setAttributeSync(path, x, Buffer.from(`${x}=${e.name}`));
      chmodSync(path, e.mode);
      if (e.kind === 'hardlink') linkSync(path, `${path}.hl`);
      if (e.kind === 'hardlink-outside') {
        mkdirSync(join(root, '.Trashes'), { recursive: true });
        linkSync(path, join(root, '.Trashes', `${e.dirs.length}-${Buffer.from(e.name).toString('hex').slice(0, 60)}`));
      }
      if (e.kind === 'appledouble') {
        writeFileSync(join(dir, `._${e.name}`), Buffer.from('AppleDouble'));
        setAttributeSync(join(dir, `._${e.name}`), 'user.DOSATTRIB', Buffer.from([1, 2, 3]));
        // The companion is young; it still travels with its file.
        setTimes(join(dir, `._${e.name}`), false);
      }
      setTimes(path, e.old);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A name that collides with a folder (or a 255-byte name plus `.hl`), or a folder whose name an earlier
      // dangling symlink took (mkdir through it is ENOENT), is just not made.
      if (code !== 'EEXIST' && code !== 'ENOTDIR' && code !== 'EISDIR' && code !== 'ENAMETOOLONG' && code !== 'ENOENT')
        throw err;
    }
  }
}

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe('graduation keeps every byte exactly once (property)', () => {
  it('holds for arbitrary trees', async () => {
    const deep = Array.from({ length: 40 }, (_, i) => `level-${i}`);
    await fc.assert(
      // Both walks (worker threads, the default; and the synchronous one) must see the same trees the same way;
      // with the worker walk, every copy also goes through the copy pool, with the other, through this thread.
      fc.asyncProperty(
        fc.array(entryArb, { minLength: 1, maxLength: 20 }),
        fc.constantFrom<'parallel' | 'sync'>('parallel', 'sync'),
        async (entries, scan) => {
          const { base, flux, space } = fluxAndSpace('prop');
          made.push(base);
          build(flux, [
            ...entries,
            {
              dirs: deep,
              name: 'deep.txt',
              kind: 'file',
              content: new Uint8Array([1]),
              old: true,
              xattrs: [XATTRS[0]!],
              mode: 0o640,
            },
          ]);
          const before = snapshot(flux);
          const store = openStore(':memory:');
          try {
            const s = await graduate({
              db: store.db,
              runId: 1,
              srcRoot: flux,
              dstRoot: space,
              policy: { minAgeMs: 30 * DAY, exclude: excludes, include: [], freeSpaceMargin: 0 },
              batchSize: 7,
              scan,
              poolMinFiles: scan === 'parallel' ? 1 : undefined,
            });
            expect(s.failed).toEqual([]);
            const fluxAfter = snapshot(flux);
            const spaceAfter = snapshot(space);
            expect(assertExactlyOnce(before, fluxAfter, spaceAfter)).toEqual([]);
            expect(tempFiles(space)).toEqual([]);
            // Old files outside excluded names are in space, unless another name of the same inode is excluded
            // (a hard-link group moves whole or not at all); young ones stayed.
            for (const [rel, f] of before) {
              const young = f.mtimeUs > (NOW - DAY) * 1000;
              const excluded = rel.split('/').some((n) => isExcluded(n));
              const companionOfOld =
                rel.split('/').pop()!.startsWith('._') &&
                (before.get(rel.replace(/\/?\._([^/]*)$/, (m, n: string) => `${m.startsWith('/') ? '/' : ''}${n}`))
                  ?.mtimeUs ?? Infinity) <
                  (NOW - DAY) * 1000;
              if (young && !companionOfOld)
                expect(fluxAfter.has(rel), `${JSON.stringify(rel)} is young and stays`).toBe(true);
              if (
                !young &&
                !excluded &&
                !(f.links.length > 1 && f.links.some((l) => l.split('/').some((n) => isExcluded(n))))
              )
                expect(spaceAfter.has(rel), `${JSON.stringify(rel)} is old and graduates`).toBe(true);
            }
            // Sparse files stay sparse.
            for (const [rel, f] of spaceAfter) if (f.size === 3 << 20) expect(f.blocks * 512, rel).toBeLessThan(f.size);
            // Unreadable (mode 000) and setuid modes came along.
            expect((spaceAfter.get(deep.join('/') + '/deep.txt')?.mode ?? 0) & 0o7777).toBe(0o640);
          } finally {
            store.close();
            rmSync(base, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 20 },
    );
  });

  it('counts the same tree the same way with either walk (dry runs)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entryArb, { minLength: 1, maxLength: 25 }), async (entries) => {
        const { base, flux, space } = fluxAndSpace('walks');
        made.push(base);
        build(flux, entries);
        const store = openStore(':memory:');
        try {
          const run = (scan: 'parallel' | 'sync') =>
            graduate({
              db: store.db,
              runId: 1,
              srcRoot: flux,
              dstRoot: space,
              policy: { minAgeMs: 30 * DAY, exclude: excludes, include: [], freeSpaceMargin: 0 },
              dryRun: true,
              scan,
              now: NOW,
            });
          const [p, q] = [await run('parallel'), await run('sync')];
          expect({ scanned: p.scanned, eligible: p.eligible, skipped: p.skipped }).toEqual({
            scanned: q.scanned,
            eligible: q.eligible,
            skipped: q.skipped,
          });
        } finally {
          store.close();
          rmSync(base, { recursive: true, force: true });
        }
      }),
      { numRuns: 15 },
    );
  });
});
