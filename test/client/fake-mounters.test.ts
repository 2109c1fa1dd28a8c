/**
 * The darwin and win32 mounters against fake `osascript`/`mount`/`diskutil` and `powershell` executables that
 * parse the real scripts from stdin and authenticate against the real smbd with smbclient. The password must
 * never appear in any child's argv or environment, nor in a state or error.
 */
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MountManager } from '../../electron/core/mount-all.js';
import { createMounter, type ClientOs } from '../../electron/platform/index.js';
import { startSmbd, type TestSmbd } from '../support/smbd.js';
import { CountingMounter, shareDirs } from './support.js';

const USER = 'ftsfake';
const PASSWORD = 'S3cret-"quote\'-\\-pw';
let smbd: TestSmbd;
let fakeDir: string;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fts-fake-shares-'));
  chmodSync(root, 0o755);
  smbd = await startSmbd({ shares: shareDirs(root, ['flux', 'time', 'space']) });
  smbd.addUser(USER, PASSWORD);
  fakeDir = mkdtempSync(join(tmpdir(), 'fts-fake-os-'));
  for (const tool of ['osascript', 'mount', 'diskutil', 'powershell']) {
    copyFileSync(new URL('./fakes/fake-os.mjs', import.meta.url), join(fakeDir, tool));
    chmodSync(join(fakeDir, tool), 0o755);
  }
  writeFileSync(join(fakeDir, 'config.json'), JSON.stringify({ smbConf: smbd.conf }));
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
  return readFileSync(join(fakeDir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

function manager(os: ClientOs, password = PASSWORD, shares = ['flux', 'time', 'space']) {
  const mounter = new CountingMounter(createMounter(os));
  const m = new MountManager({
    mounter,
    credentials: { smb: async () => ({ username: USER, password }), refreshSmb: async () => ({ username: USER, password }) },
    server: { host: '127.0.0.1', smbPort: smbd.port, workgroup: 'WORKGROUP' },
    shares: shares.map((name) => ({ name, mount: true, ...(name === 'flux' ? { driveLetter: 'F:' } : name === 'space' ? { driveLetter: 'S:' } : {}) })),
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

describe.each(['darwin', 'win32'] as const)('%s mounter against a fake that checks with the real smbd', { timeout: 180_000 }, (os) => {
  it('mounts all shares in parallel, lists them, unmounts; the password stays on stdin', async () => {
    const { m, mounter } = manager(os);
    const states = await m.mountAll();
    expect(states.map((s) => [s.share, s.state])).toEqual([
      ['flux', 'mounted'],
      ['time', 'mounted'],
      ['space', 'mounted'],
    ]);
    expect(mounter.maxInFlight).toBe(3);
    const points = Object.fromEntries(states.map((s) => [s.share, s.mountPoint]));
    if (os === 'darwin') expect(points).toEqual({ flux: '/Volumes/flux', time: '/Volumes/time', space: '/Volumes/space' });
    else expect(points).toEqual({ flux: 'F:', time: '\\\\127.0.0.1\\time', space: 'S:' });
    // The state the OS reports (mount / Get-SmbMapping) agrees.
    const listed = await mounter.list();
    expect(listed.map((x) => x.share).sort()).toEqual(['flux', 'space', 'time']);
    const again = await m.mountAll();
    expect(mounter.calls).toHaveLength(3);
    expect(again.every((s) => s.state === 'mounted')).toBe(true);
    const after = await m.unmount();
    expect(after.every((s) => s.state === 'unmounted')).toBe(true);
    expect(await mounter.list()).toEqual([]);
    assertNoSecret(PASSWORD, states, after);
  });

  it('a wrong password is credentials-rejected, a missing share share-missing, and neither shows the password', async () => {
    const wrong = 'Not-The-Password-42';
    const { m } = manager(os, wrong, ['flux']);
    const states = await m.mountAll();
    expect(states[0]).toMatchObject({ state: 'error', errorCode: 'credentials-rejected' });
    assertNoSecret(wrong, states);
    const missing = manager(os, PASSWORD, ['nosuch']);
    const s2 = await missing.m.mountAll();
    expect(s2[0]).toMatchObject({ state: 'error', errorCode: 'share-missing' });
    assertNoSecret(PASSWORD, s2);
  });
});
