/**
 * The darwin and win32 mounters against fake `osascript`/`mount`/`diskutil` and `powershell` executables that run
 * only the mounters' own constant programs, read the values from stdin as those programs do, and authenticate
 * against the real smbd with smbclient. The password must never appear in any child's argv or environment, nor in
 * a state or error. Windows drive letters: a remembered or "Unavailable" mapping of the same share is replaced,
 * a letter held by a local disk or another server is a clear error naming the letter.
 */
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MountManager } from '../../electron/core/mount-all.js';
import { createMounter, type ClientOs } from '../../electron/platform/index.js';
import { DARWIN_MOUNT_PROGRAM } from '../../electron/platform/mounter-darwin.js';
import { WIN32_LIST_SCRIPT, WIN32_MOUNT_SCRIPT, WIN32_UNMOUNT_SCRIPT } from '../../electron/platform/mounter-win32.js';
import { startSmbd, type TestSmbd } from '../support/smbd.js';
import { CountingMounter, setAnySmbPassword, shareDirs } from './support.js';

const USER = 'ftsfake';
const PASSWORD = 'S3cret-"quote\'-\\-pw';
/** Every quote kind PowerShell and AppleScript know, a subexpression, backticks, a newline and non-ASCII. */
const HOSTILE_USER = 'ftshostile';
const HOSTILE_PASSWORD = 'a\'b‘c’d‚e‛f"g“h”i„j$(Remove-Item C:\\ -Recurse)`k`\nline2 «ldfl» pässwörd-日本';
let smbd: TestSmbd;
let fakeDir: string;
let root: string;

/** The fake's view of this Windows machine's drives (Win32_LogicalDisk rows). */
const LOCAL_DISKS = [
  { DeviceID: 'C:', DriveType: 3, VolumeName: 'Windows', ProviderName: null },
  { DeviceID: 'D:', DriveType: 3, VolumeName: 'Data', ProviderName: null },
  { DeviceID: 'E:', DriveType: 5, VolumeName: null, ProviderName: null },
];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fts-fake-shares-'));
  chmodSync(root, 0o755);
  smbd = await startSmbd({ shares: shareDirs(root, ['flux', 'time', 'space']) });
  smbd.addUser(USER, PASSWORD);
  await setAnySmbPassword(smbd, HOSTILE_USER, HOSTILE_PASSWORD);
  fakeDir = mkdtempSync(join(tmpdir(), 'fts-fake-os-'));
  for (const tool of ['osascript', 'mount', 'diskutil', 'powershell']) {
    copyFileSync(new URL('./fakes/fake-os.mjs', import.meta.url), join(fakeDir, tool));
    chmodSync(join(fakeDir, tool), 0o755);
  }
  // The fakes run only these programs, exactly as the mounters ship them.
  writeFileSync(
    join(fakeDir, 'config.json'),
    JSON.stringify({
      smbConf: smbd.conf,
      darwinProgram: DARWIN_MOUNT_PROGRAM,
      psScripts: { mount: WIN32_MOUNT_SCRIPT, unmount: WIN32_UNMOUNT_SCRIPT, list: WIN32_LIST_SCRIPT },
      localDisks: LOCAL_DISKS,
    }),
  );
  // This test file runs in its own process: the fakes shadow the real tools only here.
  process.env.PATH = `${fakeDir}:${process.env.PATH}`;
});

beforeEach(() => {
  rmSync(join(fakeDir, 'state'), { recursive: true, force: true });
  rmSync(join(fakeDir, 'log.jsonl'), { force: true });
});

afterAll(async () => {
  await smbd?.stop();
  rmSync(fakeDir, { recursive: true, force: true });
});

function log(): { tool: string; argv: string[]; env: Record<string, string> }[] {
  return readFileSync(join(fakeDir, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

type Letters = Partial<Record<'flux' | 'time' | 'space', string>>;

function manager(os: ClientOs, opts: { password?: string; user?: string; shares?: string[]; letters?: Letters } = {}) {
  const password = opts.password ?? PASSWORD;
  const username = opts.user ?? USER;
  const letters: Letters = opts.letters ?? { flux: 'F:', space: 'S:' };
  const mounter = new CountingMounter(createMounter(os));
  const m = new MountManager({
    mounter,
    credentials: { smb: async () => ({ username, password }), refreshSmb: async () => ({ username, password }) },
    server: { host: '127.0.0.1', smbPort: smbd.port, workgroup: 'WORKGROUP' },
    shares: (opts.shares ?? ['flux', 'time', 'space']).map((name) => ({
      name,
      mount: true,
      ...(letters[name as keyof Letters] ? { driveLetter: letters[name as keyof Letters] } : {}),
    })),
    autoRetry: false,
    retries: 0,
    timeoutMs: 60_000,
  });
  return { m, mounter };
}

function assertNoSecret(secret: string, ...extra: unknown[]): void {
  const entries = log();
  expect(entries.length).toBeGreaterThan(0);
  for (const e of entries) {
    expect(e.argv.join('\u0000')).not.toContain(secret);
    expect(JSON.stringify(e.env)).not.toContain(secret);
  }
  for (const x of extra) expect(JSON.stringify(x)).not.toContain(secret);
}

describe.each(['darwin', 'win32'] as const)(
  '%s mounter against a fake that checks with the real smbd',
  { timeout: 180_000 },
  (os) => {
    it('mounts all shares in parallel, lists them, unmounts; the password stays on stdin', async () => {
      const { m, mounter } = manager(os);
      const states = await m.mountAll();
      expect(
        states.map((s) => [s.share, s.state]),
        JSON.stringify(states),
      ).toEqual([
        ['flux', 'mounted'],
        ['time', 'mounted'],
        ['space', 'mounted'],
      ]);
      expect(mounter.maxInFlight).toBe(3);
      const points = Object.fromEntries(states.map((s) => [s.share, s.mountPoint]));
      if (os === 'darwin')
        expect(points).toEqual({ flux: '/Volumes/flux', time: '/Volumes/time', space: '/Volumes/space' });
      else expect(points).toEqual({ flux: 'F:', time: '\\\\127.0.0.1\\time', space: 'S:' });
      // The state the OS reports (mount / Get-SmbMapping) agrees.
      const listed = await mounter.list();
      expect(listed.map((x) => x.share).sort()).toEqual(['flux', 'space', 'time']);
      const again = await m.mountAll();
      expect(mounter.calls).toHaveLength(3);
      expect(again.every((s) => s.state === 'mounted')).toBe(true);
      const after = await m.unmount();
      expect(
        after.every((s) => s.state === 'unmounted'),
        JSON.stringify(after),
      ).toBe(true);
      expect(await mounter.list()).toEqual([]);
      assertNoSecret(PASSWORD, states, after);
    });

    it('a password with every quote kind, $(), backticks, a newline and non-ASCII authenticates against smbd, as data', async () => {
      const { m } = manager(os, { user: HOSTILE_USER, password: HOSTILE_PASSWORD, shares: ['flux'] });
      const states = await m.mountAll();
      expect(states[0]).toMatchObject({ share: 'flux', state: 'mounted' });
      // The fake runs only the mounter's own constant program, so the mount went out with the same argv as a plain
      // password's; the password itself is in no argv and no environment.
      const mountCalls = () =>
        log().filter((e) =>
          os === 'darwin'
            ? e.tool === 'osascript'
            : e.tool === 'powershell' &&
              Buffer.from(e.argv.at(-1)!, 'base64').toString('utf16le').startsWith('# fts-mount'),
        );
      const hostileArgv = mountCalls().map((e) => e.argv);
      const plain = manager(os, { shares: ['time'] });
      expect((await plain.m.mountAll())[0]).toMatchObject({ share: 'time', state: 'mounted' });
      const allArgv = mountCalls().map((e) => e.argv);
      expect(allArgv).toHaveLength(2);
      expect(allArgv[1]).toEqual(hostileArgv[0]);
      assertNoSecret(HOSTILE_PASSWORD, states);
      await m.unmount();
      await plain.m.unmount();
    });

    it('a wrong password is credentials-rejected, a missing share share-missing, and neither shows the password', async () => {
      const wrong = 'Not-The-Password-42';
      const { m } = manager(os, { password: wrong, shares: ['flux'] });
      const states = await m.mountAll();
      expect(states[0]).toMatchObject({ state: 'error', errorCode: 'credentials-rejected' });
      assertNoSecret(wrong, states);
      const missing = manager(os, { shares: ['nosuch'] });
      const s2 = await missing.m.mountAll();
      expect(s2[0]).toMatchObject({ state: 'error', errorCode: 'share-missing' });
      assertNoSecret(PASSWORD, s2);
    });
  },
);

describe('Windows drive letters that keep working', { timeout: 180_000 }, () => {
  const stateDir = () => join(fakeDir, 'state');
  /** What Windows keeps across a logoff: non-persistent mappings go; persistent ones come back as "Unavailable". */
  function logoff(): void {
    mkdirSync(stateDir(), { recursive: true });
    for (const f of readdirSync(stateDir())) {
      const row = JSON.parse(readFileSync(join(stateDir(), f), 'utf8')) as { Persistent?: boolean };
      if (row.Persistent) writeFileSync(join(stateDir(), f), JSON.stringify({ ...row, Status: 6 }));
      else rmSync(join(stateDir(), f));
    }
  }
  /** A mapping made outside the tray (an older version, `net use /persistent:yes`, another program). */
  function existingMapping(letter: string, remote: string, status: number): void {
    mkdirSync(stateDir(), { recursive: true });
    writeFileSync(
      join(stateDir(), encodeURIComponent(remote)),
      JSON.stringify({ LocalPath: letter, RemotePath: remote, Status: status, Persistent: true }),
    );
  }
  const mappings = () =>
    (readdirSync(stateDir()) as string[]).map(
      (f) =>
        JSON.parse(readFileSync(join(stateDir(), f), 'utf8')) as {
          LocalPath: string;
          RemotePath: string;
          Status: number;
          Persistent: boolean;
        },
    );

  it('maps without persistence, so a second login starts clean and maps again', async () => {
    const first = manager('win32', { shares: ['flux', 'space'] });
    expect((await first.m.mountAll()).map((s) => [s.share, s.state, s.mountPoint])).toEqual([
      ['flux', 'mounted', 'F:'],
      ['space', 'mounted', 'S:'],
    ]);
    expect(mappings().every((x) => x.Persistent === false)).toBe(true);
    logoff();
    const second = manager('win32', { shares: ['flux', 'space'] });
    expect((await second.m.mountAll()).map((s) => [s.share, s.state, s.mountPoint])).toEqual([
      ['flux', 'mounted', 'F:'],
      ['space', 'mounted', 'S:'],
    ]);
  });

  it('a second login with a remembered "Unavailable" S: to the same share removes it and maps again', async () => {
    existingMapping('S:', `\\\\127.0.0.1\\space`, 0);
    logoff();
    expect(mappings()).toEqual([expect.objectContaining({ LocalPath: 'S:', Status: 6 })]);
    const { m } = manager('win32', { shares: ['flux', 'space'] });
    // Listed as not mounted (it is unavailable), then replaced by a live mapping.
    expect((await m.mountAll()).map((s) => [s.share, s.state, s.mountPoint, s.errorCode])).toEqual([
      ['flux', 'mounted', 'F:', null],
      ['space', 'mounted', 'S:', null],
    ]);
    expect(mappings().find((x) => x.LocalPath === 'S:')).toMatchObject({
      RemotePath: '\\\\127.0.0.1\\space',
      Status: 0,
      Persistent: false,
    });
    await m.unmount();
    expect(mappings()).toEqual([]);
  });

  it('a letter held by a local disk is an error naming the letter and the disk; the other shares mount', async () => {
    const { m } = manager('win32', { shares: ['flux', 'space'], letters: { flux: 'F:', space: 'D:' } });
    const states = await m.mountAll();
    expect(states.find((s) => s.share === 'flux')).toMatchObject({ state: 'mounted', mountPoint: 'F:' });
    const space = states.find((s) => s.share === 'space')!;
    expect(space).toMatchObject({ state: 'error', errorCode: 'drive-letter-taken' });
    expect(space.errorMessage).toBe('D: is in use by a local disk (Data): choose another letter for space in Settings');
  });

  it('a letter mapped to another server is an error naming the letter and the server, and the mapping stays', async () => {
    existingMapping('S:', '\\\\nas\\photos', 0);
    const { m } = manager('win32', { shares: ['space'] });
    const [space] = await m.mountAll();
    expect(space).toMatchObject({ state: 'error', errorCode: 'drive-letter-taken' });
    expect(space!.errorMessage).toContain('S: is mapped to \\\\nas\\photos');
    expect(mappings()).toEqual([
      expect.objectContaining({ LocalPath: 'S:', RemotePath: '\\\\nas\\photos', Status: 0 }),
    ]);
    // A remembered mapping to another server is not ours to remove either.
    logoff();
    const [again] = await manager('win32', { shares: ['space'] }).m.mountAll();
    expect(again).toMatchObject({ state: 'error', errorCode: 'drive-letter-taken' });
    expect(mappings()).toEqual([
      expect.objectContaining({ LocalPath: 'S:', RemotePath: '\\\\nas\\photos', Status: 6 }),
    ]);
  });
});
