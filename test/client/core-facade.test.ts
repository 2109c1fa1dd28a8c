/**
 * The shell's CoreFacade over the real client core, against a real fts-helper: mount states and the helper's
 * status become the TrayState, helper events become one CoreNotification per run (the core's NotificationModel),
 * the activity feed and last graduation fill in, settings map onto the core's configuration, and the folder
 * test double (TestMounterCore) is the same facade. Only the Mounter is fake (no SMB client mount here).
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientRecord } from '../../contract/index.js';
import { CoreNotification, TrayState, type SettingsView } from '../../contract/ipc.js';
import { KEYCHAIN_KEYS } from '../../electron/core/credentials.js';
import { requestJson } from '../../electron/core/http.js';
import { ClientCore } from '../../electron/core/client.js';
import { parseClientConfig, smbHost } from '../../electron/core/config.js';
import {
  ClientCoreFacade,
  clientConfigFromSettings,
  msalAccount,
  type AccountSource,
} from '../../electron/app/client-core-facade.js';
import { defaultSettings } from '../../electron/app/settings.js';
import { TestMounterCore } from '../../electron/dev/test-mounter-core.js';
import { MemoryCredentialStore, MountError, type Mounter } from '../../electron/platform/index.js';
import { startHelper, type RunningHelper } from '../../server-helper/daemon.js';
import { ensureSandbox } from '../../server-helper/sandbox.js';

let helper: RunningHelper;
let token: string;
const facades: ClientCoreFacade[] = [];

/** In memory; `refuse` shares fail like a share the server does not have. Records every call. */
function fakeMounter(refuse: string[] = []): Mounter & { calls: string[] } {
  const mounted = new Map<string, string>();
  const calls: string[] = [];
  return {
    os: 'linux',
    calls,
    mount: async (t) => {
      calls.push(`mount ${t.share} ${t.host}:${t.port}`);
      if (refuse.includes(t.share)) throw new MountError('share-missing', `no share ${t.share}`);
      mounted.set(t.share, `/mnt/fts/${t.share}`);
      return { mountPoint: `/mnt/fts/${t.share}` };
    },
    unmount: async (t) => {
      calls.push(`unmount ${t.share}`);
      mounted.delete(t.share);
    },
    list: async () => [...mounted].map(([share, mountPoint]) => ({ share, host: '127.0.0.1', mountPoint })),
  };
}

function account(): AccountSource & { signedOut: number } {
  let user: string | null = 'ana@example.com';
  const a = {
    signedOut: 0,
    current: async () => user,
    signIn: async () => (user = 'ana@example.com'),
    signOut: async () => {
      a.signedOut++;
      user = null;
    },
  };
  return a;
}

async function facade(opts: {
  refuse?: string[];
  id: string;
  settings?: Partial<SettingsView>;
  saved?: SettingsView[];
}) {
  const store = new MemoryCredentialStore();
  // Each client has its own token, bound to its id and its Samba user, as pairing makes them. root stands in for
  // the member here: the helper tells a client the names its user could see (test/client/client-scope.test.ts
  // covers real members).
  await store.set(
    KEYCHAIN_KEYS.helperToken,
    helper.store.tokens.create(`facade-${opts.id}`, 'client', { clientId: opts.id, sambaUser: 'root' }),
  );
  await store.set(KEYCHAIN_KEYS.smb, JSON.stringify({ username: 'ana', password: 'pw' }));
  const mounter = fakeMounter(opts.refuse);
  const acc = account();
  const f = new ClientCoreFacade({
    settings: { ...defaultSettings('linux'), pairing: pairingFor(opts.id), helperUrl: helper.url, ...opts.settings },
    saveSettings: (s) => opts.saved?.push(s),
    baseConfig: { server: { smbPort: 1445 } },
    deps: {
      store,
      mounter,
      mountOptions: { probe: async () => true, autoRetry: false, retries: 0 },
      linkOptions: { minBackoffMs: 50 },
      host: { hostName: opts.id, os: 'linux', osVersion: '6' },
    },
    account: () => acc,
    statusDebounceMs: 20,
  });
  facades.push(f);
  await f.start();
  return { f, mounter, acc, store };
}

/** What `fts-helper clients pair ID` prints, decoded. */
function pairingFor(clientId: string) {
  return {
    vault: 'kv-miket-ops',
    tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    appId: 'b1e5b1a0-0000-4000-8000-000000000001',
    clientId,
  };
}

function graduationRun(runId: number, moved: number): void {
  const bus = helper.ctx.bus;
  bus.publish('graduation.started', { runId, job: 'graduation', from: 'flux', to: 'space', dryRun: false });
  bus.publish('graduation.progress', {
    runId,
    job: 'graduation',
    scanned: 100,
    moved: 10,
    bytesMoved: 1e6,
    currentPath: '/flux/f1',
  });
  bus.publish('graduation.finished', {
    runId,
    job: 'graduation',
    scanned: 300,
    eligible: moved,
    moved,
    bytesMoved: 5.6e9,
    skipped: {},
    failed: 0,
    examples: ['projects/2025/a.mov'],
    from: 'flux',
    to: 'space',
    durationMs: 1200,
  });
}

beforeAll(async () => {
  const sb = ensureSandbox(mkdtempSync(join(tmpdir(), 'fts-facade-')));
  helper = await startHelper({
    config: sb.config,
    listen: '127.0.0.1:0',
    log: pino({ level: 'silent' }),
    sseHeartbeatMs: 500,
  });
  token = helper.store.tokens.create('facade', 'client');
  // The graduated file the runs below name, where the member can see it.
  const space = helper.ctx.config.shares.find((x) => x.name === 'space')!.path;
  mkdirSync(join(space, 'projects', '2025'), { recursive: true });
  writeFileSync(join(space, 'projects', '2025', 'a.mov'), 'a movie');
});

afterAll(async () => {
  for (const f of facades) await f.close();
  await helper?.close();
});

describe('ClientCoreFacade (real core, fake mounter, real helper)', () => {
  it('builds the TrayState from the mounts and the helper status; mount all, open, unmount, reported to the helper', async () => {
    const { f, mounter } = await facade({ id: 'facade-a', refuse: ['time'] });
    await expect.poll(() => f.getState().server.reachable, { timeout: 10_000 }).toBe(true);
    let s = TrayState.parse(f.getState());
    expect(s.server).toMatchObject({ name: 'motoko', url: helper.url });
    expect(s.account).toEqual({ signedIn: true, user: 'ana@example.com' });
    // Shares from the settings, roles from the helper's share list, all unmounted at start (autoMount off).
    expect(s.shares.map((x) => [x.name, x.role, x.state])).toEqual([
      ['flux', 'flux', 'unmounted'],
      ['time', 'time', 'unmounted'],
      ['space', 'space', 'unmounted'],
    ]);

    const seen: TrayState[] = [];
    f.onStateChange((st) => seen.push(st));
    await f.mountAll();
    s = TrayState.parse(f.getState());
    expect(s.shares.map((x) => [x.name, x.state, x.mountPoint, x.errorCode])).toEqual([
      ['flux', 'mounted', '/mnt/fts/flux', null],
      ['time', 'error', null, 'share-missing'],
      ['space', 'mounted', '/mnt/fts/space', null],
    ]);
    // The SMB server is the helper's host, on the configured port.
    expect(mounter.calls).toContain('mount flux 127.0.0.1:1445');
    expect(seen.some((st) => st.busy)).toBe(true);
    expect(s.busy).toBe(false);
    // The server card lists this client with what it mounted (reported before the status was re-read).
    await expect
      .poll(
        () =>
          f
            .getState()
            .server.status?.clients.find((c) => c.id === 'facade-a')
            ?.shares.map((x) => x.state),
        { timeout: 10_000 },
      )
      .toEqual(['mounted', 'error', 'mounted']);

    expect(await f.openShare('space')).toBe('/mnt/fts/space');
    expect(await f.openShare('time')).toBeNull();
    await f.unmount('space');
    expect(await f.openShare('space')).toBeNull();
    const clients = () => requestJson<ClientRecord[]>({ url: helper.url, token }, 'GET', '/api/v1/clients');
    await expect
      .poll(async () => (await clients()).find((c) => c.id === 'facade-a')?.shares.map((x) => x.state), {
        timeout: 10_000,
      })
      .toEqual(['mounted', 'error', 'unmounted']);
  });

  it('one notification per run from the core model, with the graduated folder to open; feed and last graduation fill in', async () => {
    const { f } = await facade({ id: 'facade-b' });
    await expect.poll(() => f.client.link().current.state, { timeout: 10_000 }).toBe('connected');
    const notes: CoreNotification[] = [];
    f.onNotification((n) => notes.push(CoreNotification.parse(n)));
    graduationRun(71, 1234);
    await expect
      .poll(() => f.getState().lastGraduation, { timeout: 10_000 })
      .toMatchObject({ moved: 1234, to: 'space' });
    // A dropped stream replays from Last-Event-ID: the run is not announced twice.
    helper.app.server.closeAllConnections();
    graduationRun(72, 5);
    await expect.poll(() => notes.length, { timeout: 10_000 }).toBe(2);
    expect(notes.map((n) => [n.id, n.kind, n.title])).toEqual([
      ['graduation#71', 'graduation', 'Graduated 1,234 files (5.6 GB) from Flux to Space'],
      ['graduation#72', 'graduation', 'Graduated 5 files (5.6 GB) from Flux to Space'],
    ]);
    expect(notes[0]!.open).toEqual({ kind: 'share', share: 'space', subPath: 'projects/2025/a.mov' });
    const s = TrayState.parse(f.getState());
    // Progress ticks are not in the feed; started and finished are, newest first, each once.
    const feed = s.activity.filter((e) => e.type.startsWith('graduation')).map((e) => e.type);
    expect(feed).toEqual(['graduation.finished', 'graduation.started', 'graduation.finished', 'graduation.started']);
  });

  it('sign out unmounts everything and forgets the account; sign in comes back', async () => {
    const { f, acc } = await facade({ id: 'facade-c' });
    await f.mountAll();
    expect(f.getState().shares.every((x) => x.state === 'mounted')).toBe(true);
    await f.signOut();
    expect(acc.signedOut).toBe(1);
    expect(f.getState().account).toEqual({ signedIn: false, user: null });
    expect(f.getState().shares.every((x) => x.state === 'unmounted')).toBe(true);
    await f.signIn();
    expect(f.getState().account.signedIn).toBe(true);
  });

  it('a login start mounts only the shares whose autoMount is on; Mount all mounts all', async () => {
    const { f, mounter } = await facade({
      id: 'facade-login',
      settings: {
        shares: [
          { name: 'flux', driveLetter: null, autoMount: true },
          { name: 'time', driveLetter: null, autoMount: false },
          { name: 'space', driveLetter: null, autoMount: true },
        ],
      },
    });
    await f.mountAtLogin();
    expect(f.getState().shares.map((x) => [x.name, x.state])).toEqual([
      ['flux', 'mounted'],
      ['time', 'unmounted'],
      ['space', 'mounted'],
    ]);
    expect(mounter.calls.filter((c) => c.startsWith('mount '))).toEqual([
      'mount flux 127.0.0.1:1445',
      'mount space 127.0.0.1:1445',
    ]);
    await f.mountAll();
    expect(f.getState().shares.every((x) => x.state === 'mounted')).toBe(true);
  });

  it('"Start at login" is offered once, after the first mount that worked, and never when it is on', async () => {
    const saved: SettingsView[] = [];
    const { f } = await facade({ id: 'facade-offer', refuse: ['flux', 'time', 'space'], saved });
    let offers = 0;
    f.onStartAtLoginOffer(() => offers++);
    await f.mountAll();
    // Nothing mounted: not yet.
    expect(offers).toBe(0);
    const ok = await facade({ id: 'facade-offer-2', saved });
    ok.f.onStartAtLoginOffer(() => offers++);
    await ok.f.mountAll();
    expect(offers).toBe(1);
    expect(saved.at(-1)).toMatchObject({ startAtLogin: false, startAtLoginOffered: true });
    await ok.f.unmountAll();
    await ok.f.mountAll();
    expect(offers).toBe(1);
    const on = await facade({ id: 'facade-offer-3', settings: { startAtLogin: true } });
    on.f.onStartAtLoginOffer(() => offers++);
    await on.f.mountAll();
    expect(offers).toBe(1);
  });

  it('a settings change is saved and rebuilds the core with the new shares', async () => {
    const saved: SettingsView[] = [];
    const { f } = await facade({ id: 'facade-d', saved });
    const next = await f.updateSettings({ shares: [{ name: 'flux', driveLetter: 'F:', autoMount: true }] });
    expect(saved).toEqual([next]);
    expect(f.client.config.shares).toEqual([{ name: 'flux', driveLetter: 'F:', mount: true }]);
    expect(f.getState().shares.map((x) => [x.name, x.driveLetter])).toEqual([['flux', 'F:']]);
    await f.setStartAtLogin(true);
    expect(f.getState().startAtLogin).toBe(true);
    // startAtLogin is not core configuration: the same core stays.
    const core = f.client;
    await f.updateSettings({ startAtLogin: false });
    expect(f.client).toBe(core);
    // Letters are validated and unique; a refused change changes nothing.
    const savedBefore = saved.length;
    await expect(
      f.updateSettings({
        shares: [
          { name: 'flux', driveLetter: 'F:', autoMount: true },
          { name: 'space', driveLetter: 'F:', autoMount: true },
        ],
      }),
    ).rejects.toThrow(/F: is already the letter of flux/);
    await expect(f.updateSettings({ shares: [{ name: 'flux', driveLetter: 'C:', autoMount: true }] })).rejects.toThrow(
      /D: to Z:/,
    );
    expect(f.getSettings().shares).toEqual([{ name: 'flux', driveLetter: 'F:', autoMount: true }]);
    expect(saved).toHaveLength(savedBefore);
  });
});

describe('clientConfigFromSettings', () => {
  it('maps every setting onto the core configuration', () => {
    const c = clientConfigFromSettings({
      ...defaultSettings('win32'),
      pairing: {
        vault: 'kv-test-1',
        tenant: '11111111-2222-3333-4444-555555555555',
        appId: '66666666-7777-8888-9999-000000000000',
        clientId: 'count-zero',
      },
      helperUrl: 'https://motoko.local:8642',
    });
    expect(smbHost(c)).toBe('motoko.local');
    expect(c.clientId).toBe('count-zero');
    expect(c.helper.url).toBe('https://motoko.local:8642');
    // The pin is not a setting: it comes from Key Vault into the keychain (and is re-read when it stops matching).
    expect(c.helper.fingerprint).toBeUndefined();
    expect(c.shares).toEqual([
      { name: 'flux', driveLetter: 'F:', mount: true },
      { name: 'time', mount: false },
      { name: 'space', driveLetter: 'S:', mount: true },
    ]);
    expect(c.keyVault).toEqual({ name: 'kv-test-1' });
    expect(c.auth).toMatchObject({
      tenantId: '11111111-2222-3333-4444-555555555555',
      clientId: '66666666-7777-8888-9999-000000000000',
    });
    // Not paired, no helper URL yet: the seed's server name stands and the URL comes from Key Vault later.
    const unpaired = clientConfigFromSettings(defaultSettings('linux'));
    expect(unpaired.helper.url).toBeUndefined();
    expect(smbHost(unpaired)).toBe('motoko');
  });
});

describe('TestMounterCore (the same facade with the folder mounter)', () => {
  it('mounts are folders with a marker, and a new core finds them mounted', async () => {
    const root = mkdtempSync(join(tmpdir(), 'fts-folder-mounts-'));
    const opts = {
      helperUrl: helper.url,
      token: helper.store.tokens.create('folder-a', 'client', { clientId: 'folder-a' }),
      clientId: 'folder-a',
      hostName: 'folder-a',
      mountRoot: root,
      failShares: ['time'],
    };
    const a = new TestMounterCore(opts);
    facades.push(a);
    await a.start();
    await a.mountAll();
    expect(a.getState().shares.map((x) => [x.name, x.state])).toEqual([
      ['flux', 'mounted'],
      ['time', 'error'],
      ['space', 'mounted'],
    ]);
    expect(existsSync(join(root, 'flux', '.fts-test-mount'))).toBe(true);
    const b = new TestMounterCore(opts);
    facades.push(b);
    await b.start();
    expect(
      b
        .getState()
        .shares.filter((x) => x.state === 'mounted')
        .map((x) => x.name),
    ).toEqual(['flux', 'space']);
    await b.unmountAll();
    expect(existsSync(join(root, 'flux'))).toBe(false);
  });
});

describe('createCoreForShell', () => {
  it('binds the shell to the real core: ClientCoreFacade from the settings, signed out with nothing cached', async () => {
    const { createCoreForShell } = await import('../../electron/app/core-binding.js');
    const { memoryEventStore } = await import('../../electron/app/event-gate.js');
    const core = await createCoreForShell({
      settings: { ...defaultSettings('linux'), helperUrl: helper.url, shares: [] },
      saveSettings: () => undefined,
      eventMemory: memoryEventStore(),
      userDataDir: tmpdir(),
    });
    expect(core).toBeInstanceOf(ClientCoreFacade);
    facades.push(core as ClientCoreFacade);
    const s = TrayState.parse(core.getState());
    // No sign-in and no helper token in this keychain: the tray says so instead of failing to start.
    expect(s.account.signedIn).toBe(false);
    expect(s.server).toMatchObject({ url: helper.url, reachable: false, status: null });
  });
});

describe('msalAccount', () => {
  it('sign-out is `fts logout`: every cached secret leaves the keychain; nobody is signed in', async () => {
    const store = new MemoryCredentialStore();
    await store.set(KEYCHAIN_KEYS.helperToken, 'tok');
    await store.set(KEYCHAIN_KEYS.smb, JSON.stringify({ username: 'ana', password: 'pw' }));
    const core = new ClientCore(parseClientConfig('{}'), { store, mounter: fakeMounter() });
    const acc = msalAccount(core, async () => {
      throw new Error('no browser in this test');
    });
    expect(await acc.current()).toBeNull();
    await acc.signOut();
    expect(await store.get(KEYCHAIN_KEYS.helperToken)).toBeNull();
    expect(await store.get(KEYCHAIN_KEYS.smb)).toBeNull();
    await core.close();
  });
});
