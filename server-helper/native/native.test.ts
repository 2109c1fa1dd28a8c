/**
 * fts-native against the kernel it wraps: every number readDirAt gives equals Node's lstat, copyFileAt and
 * copyBatchAt keep what they promise, and no call that takes a path follows a symlink or enters a mount on the
 * way, whether the kernel's openat2 resolves it or the per-component walk does.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { getAttributeSync, setAttributeSync } from '@napi-rs/xattr';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probe } from '../../test/support/beneath-probe.mjs';
import {
  copyBatchAt,
  copyFileAt,
  copyXattrsAndTimes,
  FIELDS,
  freeBytes,
  linkAt,
  lstatAt,
  mkdirAt,
  readDirAt,
  removeUnchangedAt,
  renameAt,
  renameBatchAt,
  syncfs,
  unlinkAt,
  usesOpenat2,
  xattrsOfFd,
} from './index.mjs';

let dir: string;
/** The temp folder opened as a root: every call takes paths relative to it. */
let root: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fts-native-'));
  root = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
});
afterEach(() => {
  closeSync(root);
  rmSync(dir, { recursive: true, force: true });
});

const osErrno = osConstants.errno;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('readDirAt', () => {
  it('gives every entry but . and .. with the numbers lstat gives', () => {
    writeFileSync(join(dir, 'plain.txt'), 'hello');
    writeFileSync(join(dir, 'Ünïcödé nfd'.normalize('NFD')), '');
    writeFileSync(join(dir, '-leading dash\nnewline'), 'x');
    mkdirSync(join(dir, 'sub'));
    symlinkSync('/etc/passwd', join(dir, 'link'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    const sparse = join(dir, 'sparse');
    writeFileSync(sparse, 'start');
    truncateSync(sparse, 10 << 20);
    utimesSync(join(dir, 'plain.txt'), new Date('2020-01-02T03:04:05.678Z'), new Date('2019-05-06T07:08:09.123Z'));

    const r = readDirAt(root, '');
    const names = r.names.split('\0');
    expect(r.count).toBe(names.length);
    expect(r.nums.length).toBe(r.count * FIELDS);
    expect(names.sort()).toEqual(readdirSync(dir).sort());
    const got = readDirAt(root, '');
    got.names.split('\0').forEach((name, i) => {
      const st = lstatSync(join(dir, name));
      const n = Array.from(got.nums.subarray(i * FIELDS, (i + 1) * FIELDS));
      expect(n, name).toEqual([
        st.dev,
        st.ino,
        st.mode,
        st.nlink,
        st.uid,
        st.gid,
        st.size,
        st.blocks,
        st.atimeMs,
        st.mtimeMs,
        st.ctimeMs,
      ]);
    });
  });

  it('stops after maxEntries, says whether more were there, and refuses a limit that is not a count', () => {
    for (let i = 0; i < 50; i++) writeFileSync(join(dir, `f${i}`), '');
    const all = readDirAt(root, '');
    expect(all).toMatchObject({ count: 50, more: false });
    const some = readDirAt(root, '', 20);
    expect(some).toMatchObject({ count: 20, more: true });
    expect(some.nums.length).toBe(20 * FIELDS);
    expect(some.names.split('\0')).toEqual(all.names.split('\0').slice(0, 20));
    expect(readDirAt(root, '', 50)).toMatchObject({ count: 50, more: false });
    expect(readDirAt(root, '', 0)).toMatchObject({ names: '', count: 0, more: true });
    expect(() => readDirAt(root, '', -1)).toThrow(
      /readDirAt\(rootFd, rel, maxEntries\?, foldersOnly\?, maxNamesRead\?\)/,
    );
    expect(() => readDirAt(root, '', '5' as unknown as number)).toThrow(/maxEntries/);
    expect(() => readDirAt(root, '', 2.7)).toThrow(/maxEntries/);
  });

  it('foldersOnly gives only real folders, counts only them against maxEntries, and never a symlink to one', () => {
    for (let i = 0; i < 500; i++) writeFileSync(join(dir, `junk-${i}`), '');
    for (const d of ['a', 'b', 'c']) mkdirSync(join(dir, d));
    symlinkSync('a', join(dir, 'link-to-a'));
    symlinkSync('/etc', join(dir, 'link-to-etc'));
    const folders = readDirAt(root, '', undefined, true);
    expect(folders.names.split('\0').sort()).toEqual(['a', 'b', 'c']);
    expect(folders).toMatchObject({ count: 3, more: false });
    const two = readDirAt(root, '', 2, true);
    expect(two).toMatchObject({ count: 2, more: true });
    expect(readDirAt(root, '', 3, true)).toMatchObject({ count: 3, more: false });
    const st = lstatSync(join(dir, 'a'));
    const i = folders.names.split('\0').indexOf('a');
    expect(folders.nums[i * FIELDS + 1]).toBe(st.ino);
    expect(readDirAt(root, '', undefined, false).count).toBe(505);
    expect(() => readDirAt(root, '', undefined, 'yes' as unknown as boolean)).toThrow(/foldersOnly/);
    // Names read are bounded too, skipped files included: the cost of listing a folder of junk.
    const capped = readDirAt(root, '', undefined, true, 100);
    expect(capped.more).toBe(true);
    expect(capped.count).toBeLessThanOrEqual(3);
    expect(readDirAt(root, '', undefined, true, 505)).toMatchObject({ count: 3, more: false });
    expect(readDirAt(root, '', undefined, true, 504).more).toBe(true);
    expect(() => readDirAt(root, '', undefined, true, -5)).toThrow(/maxNamesRead/);
  });

  it('gives an empty folder as no entries, and throws like Node for a missing or non-folder path', () => {
    expect(readDirAt(root, '')).toMatchObject({ names: '', count: 0 });
    expect(() => readDirAt(root, 'missing')).toThrow(
      expect.objectContaining({ code: 'ENOENT', errno: -2, syscall: 'scandir', path: 'missing' }),
    );
    writeFileSync(join(dir, 'file'), '');
    expect(() => readDirAt(root, 'file')).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(() => readDirAt(root, 'a\0x')).toThrow(/NUL/);
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'inner'), 'x');
    expect(readDirAt(root, 'sub').names).toBe('inner');
  });

  it('loads and reads in a worker thread (the scan runs there)', async () => {
    writeFileSync(join(dir, 'a'), 'a');
    const code = `const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.mod).then((m) => parentPort.postMessage(m.readDirAt(workerData.root, '').names));`;
    // The worker uses the root fd this thread opened: fds are the process's.
    const w = new Worker(code, { eval: true, workerData: { mod: new URL('./index.mjs', import.meta.url).href, root } });
    const names = await new Promise((resolve, reject) => w.once('message', resolve).once('error', reject));
    await w.terminate();
    expect(names).toBe('a');
  });
});

describe('renameAt', () => {
  it('renames, and never replaces: EEXIST leaves both files as they were', () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    writeFileSync(a, 'A');
    renameAt(root, 'a', root, 'b', Number.NaN);
    expect(existsSync(a)).toBe(false);
    expect(readFileSync(b, 'utf8')).toBe('A');
    writeFileSync(a, 'new');
    expect(() => renameAt(root, 'a', root, 'b', Number.NaN)).toThrow(
      expect.objectContaining({ code: 'EEXIST', syscall: 'rename', path: 'a', dest: 'b' }),
    );
    expect(readFileSync(a, 'utf8')).toBe('new');
    expect(readFileSync(b, 'utf8')).toBe('A');
  });

  it('names only into the folder checked: a folder of the same name put in its place since is ESTALE', () => {
    mkdirSync(join(dir, 'dest'));
    writeFileSync(join(dir, 'a'), 'A');
    const checked = lstatSync(join(dir, 'dest')).ino;
    // A member renames the checked folder away and puts their own of the same name in its place.
    renameSync(join(dir, 'dest'), join(dir, 'moved'));
    mkdirSync(join(dir, 'dest'));
    expect(() => renameAt(root, 'a', root, 'dest/a', checked)).toThrow(expect.objectContaining({ code: 'ESTALE' }));
    expect(() => linkAt(root, 'a', root, 'dest/a', checked)).toThrow(expect.objectContaining({ code: 'ESTALE' }));
    expect(readdirSync(join(dir, 'dest'))).toEqual([]);
    renameAt(root, 'a', root, 'moved/a', checked);
    expect(readFileSync(join(dir, 'moved', 'a'), 'utf8')).toBe('A');
  });
});

describe('syncfs', () => {
  it('resolves for an open folder, rejects with EBADF for a closed fd', async () => {
    const fd = openSync(dir, 'r');
    try {
      await expect(syncfs(fd, dir)).resolves.toBeUndefined();
    } finally {
      closeSync(fd);
    }
    await expect(syncfs(fd, dir)).rejects.toMatchObject({ code: 'EBADF', syscall: 'syncfs', path: dir });
  });
});

/** The stamp a scan takes of a path: size, mtimeMs, ino. */
const stamp = (p: string) => {
  const st = lstatSync(p);
  return [st.size, st.mtimeMs, st.ino] as const;
};

describe('copyFileAt', () => {
  it('copies bytes, mode, xattrs and nanosecond times, and returns the sha256 of what it read', () => {
    const src = join(dir, 'src');
    const tmp = join(dir, '.tmp');
    const data = Buffer.alloc(3 << 20);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
    writeFileSync(src, data, { mode: 0o640 });
    execFileSync('chmod', ['0640', src]);
    setAttributeSync(src, 'user.DosStream.AFP_AfpInfo:$DATA', Buffer.from([0x41, 0x46, 0x50, 0]));
    setAttributeSync(src, 'user.DOSATTRIB', Buffer.alloc(3000, 7));
    execFileSync('touch', ['-m', '-d', '2021-03-04 05:06:07.123456789', src]);
    const r = copyFileAt(root, 'src', root, '.tmp', ...stamp(src), false);
    expect(r.hash).toBe(sha256(data));
    expect(readFileSync(tmp).equals(data)).toBe(true);
    const a = statSync(src, { bigint: true });
    const b = statSync(tmp, { bigint: true });
    expect(r.tmpIno).toBe(Number(b.ino));
    expect(r.srcCtimeMs).toBe(statSync(src).ctimeMs);
    expect(b.mode & 0o7777n).toBe(0o640n);
    expect(b.mtimeNs).toBe(a.mtimeNs);
    expect(b.mtimeNs % 1000n).toBe(789n);
    expect(getAttributeSync(tmp, 'user.DosStream.AFP_AfpInfo:$DATA')).toEqual(Buffer.from([0x41, 0x46, 0x50, 0]));
    expect(getAttributeSync(tmp, 'user.DOSATTRIB')).toEqual(Buffer.alloc(3000, 7));
  });

  it('keeps a sparse file sparse', () => {
    const src = join(dir, 'sparse');
    const fd = openSync(src, 'w');
    writeSync(fd, 'head', 0);
    writeSync(fd, 'tail', 6 << 20);
    closeSync(fd);
    const tmp = join(dir, '.tmp');
    const r = copyFileAt(root, 'sparse', root, '.tmp', ...stamp(src), false);
    expect(r.hash).toBe(sha256(readFileSync(src)));
    expect(statSync(tmp).size).toBe(statSync(src).size);
    expect(statSync(tmp).blocks).toBeLessThan(64);
  });

  it('refuses a source that is not what the scan saw, a symlink, and a temp name that exists; leaves no temp behind', () => {
    const src = join(dir, 'src');
    const tmp = join(dir, '.tmp');
    writeFileSync(src, 'abc');
    const [size, mtimeMs, ino] = stamp(src);
    appendFileSync(src, 'more');
    expect(() => copyFileAt(root, 'src', root, '.tmp', size, mtimeMs, ino, false)).toThrow(
      expect.objectContaining({ code: 'FTS_CHANGED', message: 'changed since the scan' }),
    );
    expect(existsSync(tmp)).toBe(false);
    symlinkSync(src, join(dir, 'link'));
    expect(() => copyFileAt(root, 'link', root, '.tmp', ...stamp(join(dir, 'link')), false)).toThrow(
      expect.objectContaining({ code: 'ELOOP', path: 'link' }),
    );
    writeFileSync(tmp, 'someone else');
    expect(() => copyFileAt(root, 'src', root, '.tmp', ...stamp(src), false)).toThrow(
      expect.objectContaining({ code: 'EEXIST', path: '.tmp' }),
    );
    expect(readFileSync(tmp, 'utf8')).toBe('someone else');
    expect(() => copyFileAt(root, 'missing', root, '.t2', 1, 1, 1, false)).toThrow(
      expect.objectContaining({ code: 'ENOENT' }),
    );
    // A fifo swapped in for a file neither hangs the open nor gets copied.
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect(() => copyFileAt(root, 'fifo', root, '.t3', ...stamp(join(dir, 'fifo')), false)).toThrow(
      expect.objectContaining({ code: 'FTS_CHANGED' }),
    );
    expect(existsSync(join(dir, '.t3'))).toBe(false);
  });

  it('takes only numbers and strings', () => {
    expect(() => (copyFileAt as (...a: unknown[]) => unknown)(root, 'a', root, 'b', '1', 1, 1, false)).toThrow(
      TypeError,
    );
    expect(() => (copyFileAt as (...a: unknown[]) => unknown)('3', 'a', root, 'b', 1, 1, 1, false)).toThrow(TypeError);
  });
});

describe('copyXattrsAndTimes', () => {
  it('copies every xattr and both times to the nanosecond, fd to fd', () => {
    const src = join(dir, 'src');
    const dst = join(dir, 'dst');
    writeFileSync(src, 'x');
    writeFileSync(dst, 'x');
    setAttributeSync(src, 'user.DosStream.AFP_Resource:$DATA', Buffer.from('resource fork'));
    execFileSync('touch', ['-m', '-d', '2022-01-02 03:04:05.000000321', src]);
    execFileSync('touch', ['-a', '-d', '2023-01-02 03:04:05.000000654', src]);
    const seen = lstatSync(src);
    const from = openSync(src, 'r');
    const to = openSync(dst, 'r+');
    try {
      copyXattrsAndTimes(from, to, src, dst, seen.atimeMs, seen.mtimeMs, seen.ctimeMs);
      const a = statSync(src, { bigint: true });
      const b = statSync(dst, { bigint: true });
      expect([b.mtimeNs, b.atimeNs]).toEqual([a.mtimeNs, a.atimeNs]);
      expect(b.mtimeNs % 1000n).toBe(321n);
      expect(getAttributeSync(dst, 'user.DosStream.AFP_Resource:$DATA')?.toString()).toBe('resource fork');
      // A source changed since its times were checked gets no times.
      appendFileSync(src, 'more');
      expect(() => copyXattrsAndTimes(from, to, src, dst, seen.atimeMs, seen.mtimeMs, seen.ctimeMs)).toThrow(
        expect.objectContaining({ code: 'FTS_CHANGED' }),
      );
    } finally {
      closeSync(from);
      closeSync(to);
    }
    expect(() => copyXattrsAndTimes(9999, 9998, src, dst, 0, 0, 0)).toThrow(
      expect.objectContaining({ code: 'EBADF', path: src }),
    );
  });
});

describe('copyBatchAt', () => {
  const stop = () => new Int32Array(new SharedArrayBuffer(4));
  const pairsOf = (files: [string, string][]) => files.flat().join('\0');
  const stampsOf = (paths: string[]) => new Float64Array(paths.flatMap((p) => stamp(p)));

  it('copies each file with its hash, inode and ctime, and answers per file for one changed, missing or a symlink', async () => {
    const names = ['a', 'b', 'c', 'gone', 'link'];
    for (const [i, n] of names.slice(0, 3).entries()) writeFileSync(join(dir, n), `file ${i}\n`.repeat(i * 1000));
    setAttributeSync(join(dir, 'a'), 'user.DOSATTRIB', Buffer.from('dos'));
    writeFileSync(join(dir, 'gone'), 'soon gone');
    symlinkSync(join(dir, 'a'), join(dir, 'link'));
    const stamps = stampsOf(names.map((n) => join(dir, n)));
    appendFileSync(join(dir, 'c'), 'more');
    rmSync(join(dir, 'gone'));
    const files = names.map((n): [string, string] => [n, `.tmp-${n}`]);
    const r = await copyBatchAt(root, root, pairsOf(files), stamps, false, stop());
    expect([...r.outcomes]).toEqual([0, 0, 1, 2, 2]);
    for (const k of [0, 1]) {
      const [src, tmp] = files[k]!.map((f) => join(dir, f)) as [string, string];
      expect(r.hashes.slice(64 * k, 64 * k + 64)).toBe(sha256(readFileSync(src)));
      expect(readFileSync(tmp).equals(readFileSync(src))).toBe(true);
      expect(r.numbers[2 * k]).toBe(statSync(tmp).ino);
      expect(r.numbers[2 * k + 1]).toBe(statSync(src).ctimeMs);
      expect(statSync(tmp, { bigint: true }).mtimeNs).toBe(statSync(src, { bigint: true }).mtimeNs);
    }
    expect(getAttributeSync(join(dir, '.tmp-a'), 'user.DOSATTRIB')?.toString()).toBe('dos');
    expect(r.errors[2]).toMatchObject({ code: 'FTS_CHANGED', message: 'changed since the scan' });
    expect(r.errors[3]).toMatchObject({ code: 'ENOENT', path: 'gone' });
    expect(r.errors[4]).toMatchObject({ code: 'ELOOP', path: 'link' });
    expect(r.errors[0]).toBeUndefined();
    for (const n of ['c', 'gone', 'link']) expect(existsSync(join(dir, `.tmp-${n}`))).toBe(false);
  });

  it('copies nothing once stopped, and takes only its own argument types', async () => {
    writeFileSync(join(dir, 'a'), 'a');
    const flag = stop();
    Atomics.store(flag, 0, 1);
    const r = await copyBatchAt(root, root, pairsOf([['a', '.tmp']]), stampsOf([join(dir, 'a')]), false, flag);
    expect([...r.outcomes]).toEqual([3]);
    expect(existsSync(join(dir, '.tmp'))).toBe(false);
    const bad = copyBatchAt as (...a: unknown[]) => unknown;
    expect(() => bad(root, root, 'a', new Float64Array(3), false, stop())).toThrow(TypeError);
    expect(() => bad(root, root, pairsOf([['a', '.tmp']]), new Float64Array(2), false, stop())).toThrow(TypeError);
    expect(() => bad(root, pairsOf([['a', '.tmp']]), new Float64Array(3), false, stop())).toThrow(TypeError);
  });
});

describe('renameBatchAt and removeUnchangedAt', () => {
  it('names each pair without replacing, answering each errno', async () => {
    for (const n of ['a', 'b', 'taken']) writeFileSync(join(dir, n), n);
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'c'), 'c');
    const wrongIno = lstatSync(join(dir, 'sub')).ino + 1;
    const r = await renameBatchAt(
      root,
      root,
      ['a', 'a2', 'b', 'taken', 'missing', 'm2', 'c', 'sub/c'].join('\0'),
      new Float64Array([Number.NaN, Number.NaN, Number.NaN, wrongIno]),
    );
    expect([...r]).toEqual([0, osErrno.EEXIST, osErrno.ENOENT, osErrno.ESTALE]);
    expect(readFileSync(join(dir, 'a2'), 'utf8')).toBe('a');
    expect(readFileSync(join(dir, 'taken'), 'utf8')).toBe('taken');
    expect(readFileSync(join(dir, 'b'), 'utf8')).toBe('b');
    expect(readFileSync(join(dir, 'c'), 'utf8')).toBe('c');
    expect(() => renameBatchAt(root, root, 'odd', new Float64Array(0))).toThrow(TypeError);
    expect(() => renameBatchAt(root, root, 'a\0b', new Float64Array(0))).toThrow(TypeError);
  });

  it('removes each source still as stamped, keeps a changed one, and passes over one already gone', async () => {
    for (const n of ['same', 'appended', 'chmodded', 'gone', 'unchecked']) writeFileSync(join(dir, n), n);
    mkdirSync(join(dir, 'folder'));
    const names = ['same', 'appended', 'chmodded', 'gone', 'unchecked', 'folder'];
    const paths = names.map((n) => join(dir, n));
    const stamps = new Float64Array(paths.flatMap((p) => [...stamp(p), statSync(p).ctimeMs]));
    stamps[4 * 4 + 3] = Number.NaN;
    appendFileSync(join(dir, 'appended'), '!');
    execFileSync('chmod', ['0600', join(dir, 'chmodded')]);
    execFileSync('chmod', ['0600', join(dir, 'unchecked')]);
    rmSync(join(dir, 'gone'));
    const r = await removeUnchangedAt(
      root,
      [...names, 'moved-away/file'].join('\0'),
      new Float64Array([...stamps, 1, 1, 1, Number.NaN]),
    );
    expect([...r]).toEqual([0, -1, -1, 0, 0, osErrno.EISDIR, osErrno.ENOENT]);
    expect(names.filter((n) => existsSync(join(dir, n)))).toEqual(['appended', 'chmodded', 'folder']);
    expect(() => removeUnchangedAt(root, names.join('\0'), new Float64Array(3))).toThrow(TypeError);
  });
});

describe('mkdirAt, unlinkAt, lstatAt, xattrsOfFd, freeBytes', () => {
  it('makes a folder or finds one, and refuses anything else at that name', () => {
    const made = mkdirAt(root, 'new', 0o700);
    expect(made.created).toBe(true);
    expect(fstatSync(made.fd).isDirectory()).toBe(true);
    closeSync(made.fd);
    const found = mkdirAt(root, 'new', 0o700);
    expect(found.created).toBe(false);
    closeSync(found.fd);
    writeFileSync(join(dir, 'file'), 'x');
    expect(() => mkdirAt(root, 'file', 0o700)).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(() => mkdirAt(root, 'missing/deeper', 0o700)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('removes a name only while it is the inode given, and tells a name not there from a folder not there', () => {
    writeFileSync(join(dir, 'f'), 'x');
    const ino = lstatSync(join(dir, 'f')).ino;
    expect(unlinkAt(root, 'f', ino + 1)).toBe(0);
    expect(existsSync(join(dir, 'f'))).toBe(true);
    expect(unlinkAt(root, 'f', ino)).toBe(1);
    expect(unlinkAt(root, 'f', Number.NaN)).toBe(0);
    // The folder that would hold it is not there: that is not "gone", it may have moved.
    expect(unlinkAt(root, 'no/such/folder', Number.NaN)).toBe(-1);
  });

  it("gives lstat numbers equal to Node's, null for what is not there, and an open file's xattrs", () => {
    writeFileSync(join(dir, 'f'), 'x');
    setAttributeSync(join(dir, 'f'), 'user.DosStream.AFP_AfpInfo:$DATA', Buffer.from('info'));
    const st = lstatSync(join(dir, 'f'));
    expect(Array.from(lstatAt(root, 'f')!)).toEqual([
      st.dev,
      st.ino,
      st.mode,
      st.nlink,
      st.uid,
      st.gid,
      st.size,
      st.blocks,
      st.atimeMs,
      st.mtimeMs,
      st.ctimeMs,
    ]);
    expect(lstatAt(root, 'missing')).toBeNull();
    expect(lstatAt(root, 'missing/deeper')).toBeNull();
    const fd = openSync(join(dir, 'f'), 'r');
    try {
      expect(xattrsOfFd(fd)).toEqual({ 'user.DosStream.AFP_AfpInfo:$DATA': Buffer.from('info') });
    } finally {
      closeSync(fd);
    }
    const fs = statfsSync(dir);
    expect(Math.abs(freeBytes(root) - fs.bavail * fs.bsize)).toBeLessThan(64 << 20);
  });
});

describe('nothing resolves through a symlink or into another mount, with openat2 and with the per-component walk', () => {
  /** root/ holds file, sub/, via → outside/, link-to-secret → outside/secret, and mnt/ (a tmpfs); outside/ holds secret, inner/, inner-link. */
  function layout(): { rootDir: string; outside: string; unmount: () => void } {
    const rootDir = join(dir, 'root');
    const outside = join(dir, 'outside');
    mkdirSync(join(rootDir, 'sub'), { recursive: true });
    mkdirSync(join(outside, 'inner'), { recursive: true });
    writeFileSync(join(outside, 'secret'), 'secret', { mode: 0o600 });
    symlinkSync('secret', join(outside, 'inner-link'));
    writeFileSync(join(rootDir, 'file'), 'file');
    writeFileSync(join(rootDir, 'sub', 'file'), 'file');
    symlinkSync(outside, join(rootDir, 'via'));
    symlinkSync(join(outside, 'secret'), join(rootDir, 'link-to-secret'));
    mkdirSync(join(rootDir, 'mnt'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'fts-test', join(rootDir, 'mnt')]);
    writeFileSync(join(rootDir, 'mnt', 'f'), 'on another mount');
    return { rootDir, outside, unmount: () => execFileSync('umount', [join(rootDir, 'mnt')]) };
  }

  /** What every call must answer: each refused for the symlink (ELOOP), the mount (EXDEV) or the malformed path (EINVAL). */
  const expected = {
    'readDirAt via': 'ELOOP',
    'readDirAt via/inner': 'ELOOP',
    'lstatAt via/secret': 'ELOOP',
    'lstatAt via (the link itself)': 'ok',
    'openAt via/secret': 'ELOOP',
    'openAt via/new': 'ELOOP',
    'openAt link-to-secret': 'ELOOP',
    'mkdirAt via/made': 'ELOOP',
    'mkdirAt via (exists as a symlink)': 'ELOOP',
    'mkdirAt file (exists as a file)': 'ENOTDIR',
    'unlinkAt via/secret': 'ELOOP',
    'renameAt file → via/file': 'ELOOP',
    'renameAt via/secret → stolen': 'ELOOP',
    'linkAt via/secret → hard': 'ELOOP',
    'readlinkAt link-to-secret': 'ok',
    'readlinkAt via/inner-link': 'ELOOP',
    'accessAt via': 'false',
    'copyFileAt via/secret → stolen': 'ELOOP',
    'copyFileAt file → via/tmp': 'ELOOP',
    'copySymlinkAt via/inner-link → l': 'ELOOP',
    'copyBatchAt [via/secret, file → via/t]': ['ELOOP', 'ELOOP'],
    renameBatchAt: [osErrno.ELOOP, osErrno.ELOOP],
    removeUnchangedAt: [osErrno.ELOOP],
    'lstatAt "../outside/secret"': 'EINVAL',
    'lstatAt "sub/../../outside/secret"': 'EINVAL',
    'lstatAt "./file"': 'EINVAL',
    'lstatAt "/etc/passwd"': 'EINVAL',
    'lstatAt "sub//file"': 'EINVAL',
    'lstatAt ""': 'EINVAL',
    'readDirAt mount': 'EXDEV',
    'lstatAt mount/f': 'EXDEV',
    'openAt mount/f': 'EXDEV',
    'mkdirAt mount/d': 'EXDEV',
  };

  /** The outside folder, as it must stay. */
  const outsideFacts = (outside: string) =>
    readdirSync(outside, { recursive: true })
      .map(String)
      .sort()
      .map((n) => `${n}:${lstatSync(join(outside, n)).ctimeMs}`);

  it("with the kernel's openat2 (Linux 5.6 and later)", async () => {
    const { rootDir, outside, unmount } = layout();
    try {
      const before = outsideFacts(outside);
      const got = await probe(rootDir, 'mnt');
      expect(got.openat2, 'this kernel has openat2').toBe(true);
      expect({ ...got, openat2: undefined }).toEqual({ ...expected, openat2: undefined });
      expect(outsideFacts(outside)).toEqual(before);
      expect(readdirSync(rootDir).sort()).toEqual(['file', 'link-to-secret', 'mnt', 'sub', 'via']);
    } finally {
      unmount();
    }
    expect(usesOpenat2()).toBe(true);
  });

  it('with the per-component walk (FTS_NATIVE_NO_OPENAT2=1, as on an older kernel)', () => {
    const { rootDir, outside, unmount } = layout();
    try {
      const before = outsideFacts(outside);
      const r = spawnSync(
        process.execPath,
        [join(import.meta.dirname, '../../test/support/beneath-probe.mjs'), rootDir, 'mnt'],
        { encoding: 'utf8', env: { ...process.env, FTS_NATIVE_NO_OPENAT2: '1' } },
      );
      expect(r.status, r.stderr).toBe(0);
      const got = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(got.openat2).toBe(false);
      expect({ ...got, openat2: undefined }).toEqual({ ...expected, openat2: undefined });
      expect(outsideFacts(outside)).toEqual(before);
      expect(readdirSync(rootDir).sort()).toEqual(['file', 'link-to-secret', 'mnt', 'sub', 'via']);
    } finally {
      unmount();
    }
  });
});
