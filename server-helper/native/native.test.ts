/** fts-native against the kernel it wraps: every number readDir gives equals Node's lstat, and copyFile and copyBatch keep what they promise. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { getAttributeSync, setAttributeSync } from '@napi-rs/xattr';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyBatch, copyFile, copyXattrsAndTimes, FIELDS, readDir, removeUnchanged, renameBatch, renameNoReplace, syncfs } from './index.mjs';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fts-native-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const osErrno = constants.errno;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('readDir', () => {
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

    const r = readDir(dir);
    const names = r.names.split('\0');
    expect(r.count).toBe(names.length);
    expect(r.nums.length).toBe(r.count * FIELDS);
    expect(names.sort()).toEqual(readdirSync(dir).sort());
    const got = readDir(dir);
    got.names.split('\0').forEach((name, i) => {
      const st = lstatSync(join(dir, name));
      const n = Array.from(got.nums.subarray(i * FIELDS, (i + 1) * FIELDS));
      expect(n, name).toEqual([st.dev, st.ino, st.mode, st.nlink, st.uid, st.gid, st.size, st.blocks, st.atimeMs, st.mtimeMs, st.ctimeMs]);
    });
  });

  it('gives an empty folder as no entries, and throws like Node for a missing or non-folder path', () => {
    expect(readDir(dir)).toMatchObject({ names: '', count: 0 });
    expect(() => readDir(join(dir, 'missing'))).toThrow(expect.objectContaining({ code: 'ENOENT', errno: -2, syscall: 'scandir', path: join(dir, 'missing') }));
    writeFileSync(join(dir, 'file'), '');
    expect(() => readDir(join(dir, 'file'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(() => readDir(`${dir}\0x`)).toThrow(/NUL/);
  });

  it('loads and reads in a worker thread (the scan runs there)', async () => {
    writeFileSync(join(dir, 'a'), 'a');
    const code = `const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.mod).then((m) => parentPort.postMessage(m.readDir(workerData.dir).names));`;
    const w = new Worker(code, { eval: true, workerData: { mod: new URL('./index.mjs', import.meta.url).href, dir } });
    const names = await new Promise((resolve, reject) => w.once('message', resolve).once('error', reject));
    await w.terminate();
    expect(names).toBe('a');
  });
});

describe('renameNoReplace', () => {
  it('renames, and never replaces: EEXIST leaves both files as they were', () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    writeFileSync(a, 'A');
    renameNoReplace(a, b);
    expect(existsSync(a)).toBe(false);
    expect(readFileSync(b, 'utf8')).toBe('A');
    writeFileSync(a, 'new');
    expect(() => renameNoReplace(a, b)).toThrow(expect.objectContaining({ code: 'EEXIST', syscall: 'rename', path: a, dest: b }));
    expect(readFileSync(a, 'utf8')).toBe('new');
    expect(readFileSync(b, 'utf8')).toBe('A');
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

describe('copyFile', () => {
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
    const r = copyFile(src, tmp, ...stamp(src), false);
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
    const r = copyFile(src, tmp, ...stamp(src), false);
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
    expect(() => copyFile(src, tmp, size, mtimeMs, ino, false)).toThrow(expect.objectContaining({ code: 'FTS_CHANGED', message: 'changed since the scan' }));
    expect(existsSync(tmp)).toBe(false);
    symlinkSync(src, join(dir, 'link'));
    expect(() => copyFile(join(dir, 'link'), tmp, ...stamp(join(dir, 'link')), false)).toThrow(expect.objectContaining({ code: 'ELOOP', path: join(dir, 'link') }));
    writeFileSync(tmp, 'someone else');
    expect(() => copyFile(src, tmp, ...stamp(src), false)).toThrow(expect.objectContaining({ code: 'EEXIST', path: tmp }));
    expect(readFileSync(tmp, 'utf8')).toBe('someone else');
    expect(() => copyFile(join(dir, 'missing'), join(dir, '.t2'), 1, 1, 1, false)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    // A fifo swapped in for a file neither hangs the open nor gets copied.
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect(() => copyFile(join(dir, 'fifo'), join(dir, '.t3'), ...stamp(join(dir, 'fifo')), false)).toThrow(expect.objectContaining({ code: 'FTS_CHANGED' }));
    expect(existsSync(join(dir, '.t3'))).toBe(false);
  });

  it('takes only numbers and strings', () => {
    expect(() => (copyFile as (...a: unknown[]) => unknown)(join(dir, 'a'), join(dir, 'b'), '1', 1, 1, false)).toThrow(TypeError);
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
      expect(() => copyXattrsAndTimes(from, to, src, dst, seen.atimeMs, seen.mtimeMs, seen.ctimeMs)).toThrow(expect.objectContaining({ code: 'FTS_CHANGED' }));
    } finally {
      closeSync(from);
      closeSync(to);
    }
    expect(() => copyXattrsAndTimes(9999, 9998, src, dst, 0, 0, 0)).toThrow(expect.objectContaining({ code: 'EBADF', path: src }));
  });
});

describe('copyBatch', () => {
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
    const files = names.map((n): [string, string] => [join(dir, n), join(dir, `.tmp-${n}`)]);
    const r = await copyBatch(pairsOf(files), stamps, false, stop());
    expect([...r.outcomes]).toEqual([0, 0, 1, 2, 2]);
    for (const k of [0, 1]) {
      const [src, tmp] = files[k]!;
      expect(r.hashes.slice(64 * k, 64 * k + 64)).toBe(sha256(readFileSync(src)));
      expect(readFileSync(tmp).equals(readFileSync(src))).toBe(true);
      expect(r.numbers[2 * k]).toBe(statSync(tmp).ino);
      expect(r.numbers[2 * k + 1]).toBe(statSync(src).ctimeMs);
      expect(statSync(tmp, { bigint: true }).mtimeNs).toBe(statSync(src, { bigint: true }).mtimeNs);
    }
    expect(getAttributeSync(join(dir, '.tmp-a'), 'user.DOSATTRIB')?.toString()).toBe('dos');
    expect(r.errors[2]).toMatchObject({ code: 'FTS_CHANGED', message: 'changed since the scan' });
    expect(r.errors[3]).toMatchObject({ code: 'ENOENT', path: join(dir, 'gone') });
    expect(r.errors[4]).toMatchObject({ code: 'ELOOP', path: join(dir, 'link') });
    expect(r.errors[0]).toBeUndefined();
    for (const n of ['c', 'gone', 'link']) expect(existsSync(join(dir, `.tmp-${n}`))).toBe(false);
  });

  it('copies nothing once stopped, and takes only its own argument types', async () => {
    writeFileSync(join(dir, 'a'), 'a');
    const flag = stop();
    Atomics.store(flag, 0, 1);
    const r = await copyBatch(pairsOf([[join(dir, 'a'), join(dir, '.tmp')]]), stampsOf([join(dir, 'a')]), false, flag);
    expect([...r.outcomes]).toEqual([3]);
    expect(existsSync(join(dir, '.tmp'))).toBe(false);
    const bad = copyBatch as (...a: unknown[]) => unknown;
    expect(() => bad(join(dir, 'a'), new Float64Array(3), false, stop())).toThrow(TypeError);
    expect(() => bad(pairsOf([[join(dir, 'a'), join(dir, '.tmp')]]), new Float64Array(2), false, stop())).toThrow(TypeError);
  });
});

describe('renameBatch and removeUnchanged', () => {
  it('names each pair without replacing, answering each errno', async () => {
    for (const n of ['a', 'b', 'taken']) writeFileSync(join(dir, n), n);
    const r = await renameBatch([join(dir, 'a'), join(dir, 'a2'), join(dir, 'b'), join(dir, 'taken'), join(dir, 'missing'), join(dir, 'm2')].join('\0'));
    expect([...r]).toEqual([0, osErrno.EEXIST, osErrno.ENOENT]);
    expect(readFileSync(join(dir, 'a2'), 'utf8')).toBe('a');
    expect(readFileSync(join(dir, 'taken'), 'utf8')).toBe('taken');
    expect(readFileSync(join(dir, 'b'), 'utf8')).toBe('b');
    expect(() => renameBatch(join(dir, 'odd'))).toThrow(TypeError);
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
    const r = await removeUnchanged(paths.join('\0'), stamps);
    expect([...r]).toEqual([0, -1, -1, 0, 0, osErrno.EISDIR]);
    expect(names.filter((n) => existsSync(join(dir, n)))).toEqual(['appended', 'chmodded', 'folder']);
    expect(() => removeUnchanged(paths.join('\0'), new Float64Array(3))).toThrow(TypeError);
  });
});
