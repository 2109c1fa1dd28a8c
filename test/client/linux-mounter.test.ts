/**
 * The Linux mounter for real: gvfs (`gio mount`) against a real smbd on loopback, with the credential from
 * the local Key Vault (real SDK) cached in a real gnome-keyring. Rotation, rejection, an absent server and
 * its return are all exercised end to end.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSecretNames, sambaPasswordSecret } from '../../contract/secrets.js';
import { ClientCore } from '../../electron/core/client.js';
import { KEYCHAIN_KEYS } from '../../electron/core/credentials.js';
import { LinuxMounter } from '../../electron/platform/mounter-linux.js';
import { OsKeychain } from '../../electron/platform/keychain.js';
import { startDesktopSession, type DesktopSession } from '../support/desktop-session.js';
import { startKeyVault, type TestKeyVault } from '../support/keyvault.js';
import { startSmbd, type TestSmbd } from '../support/smbd.js';
import { CountingMounter, shareDirs, testConfig, vaultFor } from './support.js';

const USER = 'ftsclient';
/** The one name of that user's password in Key Vault (contract/secrets.ts). */
const PASSWORD_SECRET = sambaPasswordSecret(USER);
let session: DesktopSession;
let smbd: TestSmbd;
let kv: TestKeyVault;
let root: string;
let config: ReturnType<typeof testConfig>;
const cores: ClientCore[] = [];

function makeCore(extraShares: { name: string }[] = []) {
  const mounter = new CountingMounter(new LinuxMounter(session.runtimeDir));
  const cfg = extraShares.length
    ? { ...config, shares: [...config.shares, ...extraShares.map((s) => ({ ...s, mount: false }))] }
    : config;
  const core = new ClientCore(cfg, { vault: vaultFor(kv), mounter, mountOptions: { autoRetry: false } });
  cores.push(core);
  return { core, mounter };
}

// Authenticated reads only: the SDK's first request of each client is the unauthenticated challenge.
const secretReads = () =>
  kv.requests.filter((r) => r.method === 'GET' && r.token && r.path.startsWith(`/secrets/${PASSWORD_SECRET}`)).length;

beforeAll(async () => {
  session = await startDesktopSession({ gvfs: true });
  root = mkdtempSync(join(tmpdir(), 'fts-client-shares-'));
  chmodSync(root, 0o755);
  smbd = await startSmbd({ shares: shareDirs(root, ['flux', 'time', 'space']) });
  smbd.addUser(USER, 'pw-one-1');
  kv = await startKeyVault();
  kv.set(clientSecretNames('count-zero').sambaUser, USER);
  kv.set(PASSWORD_SECRET, 'pw-one-1');
  config = testConfig(smbd.port);
});

afterAll(async () => {
  for (const c of cores) {
    await c.mounts.unmount().catch(() => undefined);
    await c.close();
  }
  await smbd?.stop();
  await kv?.close();
  await session?.stop();
});

describe('gvfs mounter against real smbd', { timeout: 240_000 }, () => {
  it('mounts all three shares from Key Vault, caches the credential, writes and reads a file, unmounts', async () => {
    const { core, mounter } = makeCore();
    const states = await core.mounts.mountAll();
    expect(
      states.map((s) => [s.share, s.state, s.errorCode]),
      JSON.stringify(states),
    ).toEqual([
      ['flux', 'mounted', null],
      ['time', 'mounted', null],
      ['space', 'mounted', null],
    ]);
    expect(mounter.maxInFlight).toBe(3);
    const flux = states[0]!.mountPoint!;
    expect(flux).toBe(`${session.runtimeDir}/gvfs/smb-share:port=${smbd.port},server=127.0.0.1,share=flux`);
    writeFileSync(join(flux, 'hello.txt'), 'hello from count-zero\n');
    // The file went through Samba to the share's folder, and reads back through the mount.
    expect(readFileSync(join(root, 'flux', 'hello.txt'), 'utf8')).toBe('hello from count-zero\n');
    expect(readFileSync(join(flux, 'hello.txt'), 'utf8')).toBe('hello from count-zero\n');
    const cached = await new OsKeychain({ service: config.keychain.service }).get(KEYCHAIN_KEYS.smb);
    expect(JSON.parse(cached!)).toEqual({ username: USER, password: 'pw-one-1' });

    // Idempotent: a second mountAll leaves mounted shares alone.
    await core.mounts.mountAll();
    expect(mounter.calls).toHaveLength(3);

    const after = await core.mounts.unmount();
    expect(after.every((s) => s.state === 'unmounted')).toBe(true);
    expect(await new LinuxMounter(session.runtimeDir).list()).toEqual([]);
    expect(existsSync(join(flux, 'hello.txt'))).toBe(false);
  });

  it('mounts with the cached credential while Key Vault is unreachable', async () => {
    const { core } = makeCore();
    const before = kv.requests.length;
    kv.setDown(true);
    try {
      const states = await core.mounts.mountAll(['flux']);
      expect(states.find((s) => s.share === 'flux')?.state, JSON.stringify(states)).toBe('mounted');
    } finally {
      kv.setDown(false);
    }
    expect(kv.requests.length).toBe(before);
    await core.mounts.unmount(['flux']);
  });

  it('after rotation: the first mount is refused, the password is fetched again and the retry succeeds', async () => {
    smbd.addUser(USER, 'pw-two-2');
    kv.set(PASSWORD_SECRET, 'pw-two-2');
    const { core, mounter } = makeCore();
    const reads = secretReads();
    const states = await core.mounts.mountAll(['flux']);
    expect(states.find((s) => s.share === 'flux')?.state, JSON.stringify(states)).toBe('mounted');
    expect(mounter.calls.map((c) => c.password)).toEqual(['pw-one-1', 'pw-two-2']);
    expect(secretReads()).toBe(reads + 1);
    expect(JSON.parse((await core.store.get(KEYCHAIN_KEYS.smb))!).password).toBe('pw-two-2');
    await core.mounts.unmount(['flux']);
  });

  it('a password the server refuses even after a refetch is credentials-rejected, and never shown', async () => {
    const wrong = 'Wr0ng-Secret-zz9';
    kv.set(PASSWORD_SECRET, wrong);
    const { core, mounter } = makeCore();
    await core.store.set(KEYCHAIN_KEYS.smb, JSON.stringify({ username: USER, password: wrong }));
    const reads = secretReads();
    const states = await core.mounts.mountAll(['flux']);
    const flux = states.find((s) => s.share === 'flux')!;
    expect(flux.state).toBe('error');
    expect(flux.errorCode).toBe('credentials-rejected');
    // The refetched password equals the refused one, so it is fetched once and not tried again.
    expect(secretReads()).toBe(reads + 1);
    expect(mounter.calls).toHaveLength(1);
    expect(JSON.stringify(states)).not.toContain(wrong);
    kv.set(PASSWORD_SECRET, 'pw-two-2');
    await core.credentials.clear();
  });

  it('a share the server does not have is share-missing', async () => {
    const { core } = makeCore([{ name: 'nosuch' }]);
    const states = await core.mounts.mountAll(['nosuch']);
    expect(states.find((s) => s.share === 'nosuch')).toMatchObject({ state: 'error', errorCode: 'share-missing' });
  });

  it('smbd stopped → server-unreachable without attempting a mount; smbd back → onNetworkChange remounts', async () => {
    const { core, mounter } = makeCore();
    await smbd.stop();
    const started = Date.now();
    const states = await core.mounts.mountAll(['flux']);
    const elapsed = Date.now() - started;
    expect(states.find((s) => s.share === 'flux')).toMatchObject({ state: 'error', errorCode: 'server-unreachable' });
    // The reachability probe answered, so gio was never asked (it would hang on a silent server).
    expect(mounter.calls).toHaveLength(0);
    console.log(`server-unreachable reported in ${elapsed} ms (bench: npm run bench -- client-mount)`);
    await smbd.restart();
    const back = await core.mounts.onNetworkChange();
    expect(back.find((s) => s.share === 'flux')?.state).toBe('mounted');
    await core.mounts.unmount();
  });
});
