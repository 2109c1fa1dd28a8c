/**
 * The Electron shell (main.ts) driven through a fake `electron` module: the tray menu calls the right core
 * methods, core notifications become OS notifications, IPC rejects bad input and unknown senders, the window is
 * hardened, and `--autostart` mounts everything without a window.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FakeCore } from './doubles/fake-core.js';

const holder = vi.hoisted(() => ({ core: null as FakeCore | null }));
vi.mock('electron', async () => await import('./doubles/fake-electron.js'));
vi.mock('electron-store', () => ({
  default: class {
    store: Record<string, unknown> = {};
    constructor(readonly opts: { schema: unknown; defaults: unknown }) {}
    set(v: Record<string, unknown>) {
      Object.assign(this.store, v);
    }
  },
}));
vi.mock('../../electron/app/core-binding.js', () => ({ createCoreForShell: async () => holder.core }));

const trayPage = new URL('../../electron/renderer/tray.html', import.meta.url).href;
const argv = process.argv;

const realPlatform = process.platform;

/** Starts main.ts on the fake electron module, as if on `platform` (Electron reads process.platform). */
async function boot(
  extraArgs: string[] = [],
  opts: { platform?: NodeJS.Platform; paired?: boolean; openedAtLogin?: boolean } = {},
) {
  vi.resetModules();
  const { FakeCore } = await import('./doubles/fake-core.js');
  holder.core = new FakeCore();
  holder.core.state = { ...holder.core.state, paired: opts.paired ?? true };
  process.argv = [...argv, ...extraArgs];
  const fe = (await import('electron')) as unknown as typeof import('./doubles/fake-electron.js');
  fe.resetFake();
  fe.recorded.wasOpenedAtLogin = opts.openedAtLogin ?? false;
  Object.defineProperty(process, 'platform', { value: opts.platform ?? realPlatform });
  try {
    await import('../../electron/main/main.js');
    await vi.waitFor(() => expect(fe.recorded.trays).toHaveLength(1));
  } finally {
    Object.defineProperty(process, 'platform', { value: realPlatform });
  }
  return { fe, core: holder.core };
}

function lastMenu(fe: typeof import('./doubles/fake-electron.js')) {
  const menus = fe.recorded.trays[0]!.menus;
  return menus[menus.length - 1]!;
}

afterAll(() => {
  process.argv = argv;
});

describe('tray menu', () => {
  let fe: typeof import('./doubles/fake-electron.js');
  let core: FakeCore;
  beforeAll(async () => ({ fe, core } = await boot()));

  it('is a tray app: single instance, no Dock icon, a window on a normal launch', () => {
    expect(fe.recorded.dockHidden).toBe(true);
    expect(fe.recorded.windows).toHaveLength(1);
    expect(fe.recorded.windows[0]!.loaded).toMatch(/renderer[/\\]tray\.html$/);
    expect(fe.recorded.trays[0]!.tooltip).toContain('1/3 mounted');
  });

  it('has every entry the issue asks for, with share states', () => {
    const labels = lastMenu(fe).items.map((i) => i.label ?? `--${i.type}`);
    expect(labels).toEqual([
      'Mount all',
      'Unmount all',
      '--separator',
      'flux (F:) — mounted',
      'time — not mounted',
      'space (S:) — not mounted',
      '--separator',
      'Last graduation: none yet',
      'Last backup: none yet',
      '--separator',
      'Open Flux Time Space…',
      'Sign out (mike@example.com)',
      'Start at login',
      '--separator',
      'Quit Flux Time Space',
    ]);
  });

  it.each([
    ['mount-all', ['mountAll']],
    ['unmount-all', ['unmountAll']],
    ['share:space', ['mount:space']],
    ['share:flux', ['openShare:flux']],
    ['sign-out', ['signOut']],
    ['start-at-login', ['setStartAtLogin:true']],
  ])('%s calls the core: %j', async (id, expected) => {
    core.calls = [];
    lastMenu(fe).item(id).click!();
    await vi.waitFor(() => expect(core.calls).toEqual(expected));
  });

  it('opening a mounted share opens its folder in Finder/Explorer', async () => {
    fe.recorded.openedPaths.length = 0;
    lastMenu(fe).item('share:flux').click!();
    await vi.waitFor(() => expect(fe.recorded.openedPaths).toEqual(['/Volumes/flux']));
  });

  it('Start at login also sets the OS login item', async () => {
    fe.recorded.loginItemSettings.length = 0;
    lastMenu(fe).item('start-at-login').click!();
    // Linux (this machine) has no login items; the call must be skipped, not crash.
    await vi.waitFor(() => expect(core.calls).toContain('setStartAtLogin:true'));
    expect(fe.recorded.loginItemSettings).toHaveLength(process.platform === 'linux' ? 0 : 1);
  });

  it('Open window and Quit go to the shell, not the core', async () => {
    core.calls = [];
    lastMenu(fe).item('open-window').click!();
    lastMenu(fe).item('quit').click!();
    await vi.waitFor(() => expect(fe.recorded.quitCalls).toBe(1));
    expect(fe.recorded.windows[0]!.shown).toBe(true);
    expect(core.calls).toEqual([]);
  });

  it('rebuilds the menu and icon on a state change, and pushes the state to the window', () => {
    const before = fe.recorded.trays[0]!.menus.length;
    core.push({
      ...core.state,
      account: { signedIn: false, user: null },
      shares: core.state.shares.map((s) => ({ ...s, state: 'mounted' as const, mountPoint: `/Volumes/${s.name}` })),
    });
    expect(fe.recorded.trays[0]!.menus.length).toBe(before + 1);
    expect(lastMenu(fe).item('sign-in').label).toBe('Sign in…');
    expect(lastMenu(fe).item('mount-all').enabled).toBe(false);
    expect((fe.recorded.trays[0]!.image as { path: string }).path).toMatch(/signed-out\.png$/);
    const sent = fe.recorded.windows[0]!.webContents.sent.at(-1)!;
    expect(sent.channel).toBe('fts:state:changed');
  });

  it('a failing action is reported in a dialog, not thrown into Electron', async () => {
    core.mountAll = async () => {
      throw new Error('server unreachable');
    };
    lastMenu(fe).item('mount-all').click!();
    await vi.waitFor(() => expect(fe.recorded.errorBoxes.at(-1)).toContain('server unreachable'));
  });

  it('resume reaches the core', async () => {
    core.calls = [];
    fe.powerMonitor.emit('resume');
    expect(core.calls).toEqual(['onResume']);
  });
});

describe('notifications', () => {
  let fe: typeof import('./doubles/fake-electron.js');
  let core: FakeCore;
  beforeAll(async () => ({ fe, core } = await boot()));

  it('a core notification becomes an OS notification; clicking it reveals the graduated file in its folder', async () => {
    core.push({
      ...core.state,
      shares: core.state.shares.map((s) =>
        s.name === 'space' ? { ...s, state: 'mounted' as const, mountPoint: '/Volumes/space' } : s,
      ),
    });
    core.notify({
      id: 'e1',
      kind: 'graduation',
      severity: 'info',
      title: '9 files graduated to space',
      body: '9 MiB',
      open: { kind: 'share', share: 'space', subPath: 'projects/2025/a.pdf' },
    });
    expect(fe.recorded.notifications).toHaveLength(1);
    const n = fe.recorded.notifications[0]!;
    expect(n.shown).toBe(true);
    expect(n.options.title).toBe('9 files graduated to space');
    fe.recorded.openedPaths.length = 0;
    n.emit('click');
    await vi.waitFor(() => expect(fe.recorded.shownInFolder).toEqual(['/Volumes/space/projects/2025/a.pdf']));
    expect(fe.recorded.openedPaths).toEqual([]);
  });

  it('a graduated Evil.app is revealed in Finder, never opened (an app must not launch from a notification)', async () => {
    const { NotificationModel } = await import('../../electron/core/notifications.js');
    const { toCoreNotification } = await import('../../electron/app/event-model.js');
    // What the helper sends for a run that graduated an app bundle: its files are the examples.
    const e = {
      id: 901,
      ts: new Date().toISOString(),
      type: 'graduation.finished' as const,
      data: {
        runId: 901,
        job: 'graduation',
        scanned: 3,
        eligible: 3,
        moved: 3,
        bytesMoved: 3000,
        skipped: {},
        failed: 0,
        examples: ['Evil.app/PkgInfo', 'Evil.app/Contents/MacOS/Evil'],
        from: 'flux',
        to: 'space',
        durationMs: 5,
        eligibleBytes: 0,
        dryRun: false,
        stopped: null,
      },
    };
    const raised = new NotificationModel().ingest(e)!;
    core.notify(toCoreNotification(raised, e)!);
    fe.recorded.openedPaths.length = 0;
    fe.recorded.shownInFolder.length = 0;
    fe.recorded.notifications.at(-1)!.emit('click');
    await vi.waitFor(() => expect(fe.recorded.shownInFolder).toEqual(['/Volumes/space/Evil.app/PkgInfo']));
    expect(fe.recorded.openedPaths).toEqual([]);
    expect(fe.recorded.openedExternal).toEqual([]);
  });

  it('clicking a notification about an unmounted share opens the window instead', async () => {
    core.notify({
      id: 'e2',
      kind: 'graduation',
      severity: 'info',
      title: 'x',
      body: 'y',
      open: { kind: 'share', share: 'time' },
    });
    const w = fe.recorded.windows[0]!;
    w.shown = false;
    const opened = fe.recorded.openedPaths.length;
    fe.recorded.notifications.at(-1)!.emit('click');
    await vi.waitFor(() => expect(w.shown).toBe(true));
    expect(fe.recorded.openedPaths.length).toBe(opened);
  });

  it('a malformed notification from the core shows nothing', () => {
    const before = fe.recorded.notifications.length;
    core.notify({ id: '', kind: 'graduation', severity: 'info', title: 't', body: 'b', open: { kind: 'window' } });
    expect(fe.recorded.notifications.length).toBe(before);
  });
});

describe('IPC', () => {
  let fe: typeof import('./doubles/fake-electron.js');
  let core: FakeCore;
  beforeAll(async () => ({ fe, core } = await boot()));
  const fromWindow = { senderFrame: { url: trayPage } };

  it('registers one handler per contract channel', async () => {
    const { IPC_CHANNELS } = await import('../../contract/ipc.js');
    expect([...fe.recorded.ipcHandlers.keys()].sort()).toEqual([...IPC_CHANNELS].sort());
  });

  it('runs a valid request from the app window', async () => {
    core.calls = [];
    await expect(fe.recorded.ipcHandlers.get('fts:share:mount')!(fromWindow, { share: 'space' })).resolves.toEqual({
      ok: true,
    });
    expect(core.calls).toEqual(['mount:space']);
    const state = await fe.recorded.ipcHandlers.get('fts:state:get')!(fromWindow, undefined);
    expect((state as { shares: unknown[] }).shares).toHaveLength(3);
  });

  it.each([
    ['fts:share:mount', { share: 'bad/name' }, /share: a share name cannot contain/],
    ['fts:share:mount', { share: 'flux', extra: 1 }, /invalid-input|Unrecognized key/i],
    ['fts:share:mount', 'flux', /argument/],
    ['fts:app:start-at-login', { enabled: 'yes' }, /enabled/],
    ['fts:settings:set', { helperUrl: 'https://evil.example' }, /Unrecognized key|helperUrl/],
    [
      'fts:settings:set',
      {
        shares: [
          { name: 'flux', driveLetter: 'F:', autoMount: true },
          { name: 'space', driveLetter: 'F:', autoMount: true },
        ],
      },
      /shares\.1\.driveLetter: F: is already the letter of flux/,
    ],
    [
      'fts:settings:set',
      { shares: [{ name: 'flux', driveLetter: 'A:', autoMount: true }] },
      /shares\.0\.driveLetter: a drive letter from D: to Z:/,
    ],
  ])('rejects invalid input on %s: %j', async (channel, arg, message) => {
    core.calls = [];
    await expect(fe.recorded.ipcHandlers.get(channel)!(fromWindow, arg)).rejects.toThrow(message);
    expect(core.calls).toEqual([]);
  });

  it.each([
    ['a remote page', { senderFrame: { url: 'https://evil.example/tray.html' } }],
    ['a file outside the renderer folder', { senderFrame: { url: new URL('../../../etc/tray.html', trayPage).href } }],
    ['a frame-less sender', { senderFrame: null }],
  ])('rejects %s', async (_what, event) => {
    core.calls = [];
    await expect(fe.recorded.ipcHandlers.get('fts:shares:mount-all')!(event, undefined)).rejects.toThrow(
      /unknown sender/,
    );
    expect(core.calls).toEqual([]);
  });

  it('pairing takes exactly the pairing string: decoded in main, a bad one refused naming what is wrong', async () => {
    const { encodePairing } = await import('../../contract/secrets.js');
    const good = encodePairing({
      vault: 'kv-miket-ops',
      tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      appId: 'b1e5b1a0-0000-4000-8000-000000000001',
      clientId: 'count-zero',
    });
    core.calls = [];
    const after = (await fe.recorded.ipcHandlers.get('fts:app:pair')!(fromWindow, { pairing: `  ${good}\n` })) as {
      pairing: { clientId: string };
    };
    expect(after.pairing.clientId).toBe('count-zero');
    expect(core.calls).toEqual(['pair:count-zero']);
    core.calls = [];
    await expect(
      fe.recorded.ipcHandlers.get('fts:app:pair')!(fromWindow, { pairing: 'https://motoko:8642' }),
    ).rejects.toThrow(/pairing: a pairing string starts with "fts1:"/);
    await expect(fe.recorded.ipcHandlers.get('fts:app:pair')!(fromWindow, { pairing: 'fts1:%%%' })).rejects.toThrow(
      /pairing: the pairing string is damaged/,
    );
    // Nothing else can be sent with it (no vault, tenant or URL fields of its own).
    await expect(
      fe.recorded.ipcHandlers.get('fts:app:pair')!(fromWindow, { pairing: good, helperUrl: 'https://evil.example' }),
    ).rejects.toThrow(/invalid-input|Unrecognized key/i);
    expect(core.calls).toEqual([]);
  });

  it('rejects a share the core does not know', async () => {
    await expect(fe.recorded.ipcHandlers.get('fts:share:open')!(fromWindow, { share: 'nope' })).rejects.toThrow(
      /no share named "nope"/,
    );
  });
});

describe('window hardening', () => {
  let fe: typeof import('./doubles/fake-electron.js');
  beforeAll(async () => ({ fe } = await boot()));

  it('isolates and sandboxes the renderer, with a preload and no Node', () => {
    const prefs = fe.recorded.windows[0]!.options.webPreferences!;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
    expect(String(prefs.preload)).toMatch(/preload\.cjs$/);
  });

  it('denies navigation and new windows; https links go to the browser', () => {
    const wc = fe.recorded.windows[0]!.webContents;
    const ev = { preventDefault: vi.fn() };
    wc.emit('will-navigate', ev, 'https://evil.example');
    expect(ev.preventDefault).toHaveBeenCalled();
    expect(wc.windowOpenHandler!({ url: 'https://learn.microsoft.com' })).toEqual({ action: 'deny' });
    expect(wc.windowOpenHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(fe.recorded.openedExternal).toEqual(['https://learn.microsoft.com']);
  });

  it('sets the strict CSP on every response and refuses permission requests', () => {
    let headers: Record<string, string[]> = {};
    fe.session.defaultSession.headerHook!({ responseHeaders: {} }, (r) => (headers = r.responseHeaders));
    expect(headers['Content-Security-Policy']![0]).toContain("script-src 'self'");
    expect(headers['Content-Security-Policy']![0]).toContain("default-src 'none'");
    let granted = true;
    fe.session.defaultSession.permissionHandler!({}, 'media', (ok) => (granted = ok));
    expect(granted).toBe(false);
  });
});

describe('login starts', () => {
  it('Windows: the login item (--autostart) mounts the login shares only (autoMount), silently, without a window', async () => {
    const { fe, core } = await boot(['--autostart'], { platform: 'win32' });
    await vi.waitFor(() => expect(core.calls).toContain('mountAtLogin'));
    // "Mount all" stays "all": a login start does not call it.
    expect(core.calls).not.toContain('mountAll');
    expect(fe.recorded.windows).toHaveLength(0);
  });

  it('Windows: a start by hand opens the window and mounts nothing by itself', async () => {
    const { fe, core } = await boot([], { platform: 'win32' });
    expect(fe.recorded.windows).toHaveLength(1);
    expect(core.calls).toEqual([]);
  });

  it('macOS: every start mounts the login shares (a login start has no arguments there), without a window', async () => {
    for (const openedAtLogin of [true, false]) {
      const { fe, core } = await boot([], { platform: 'darwin', openedAtLogin });
      await vi.waitFor(() => expect(core.calls).toContain('mountAtLogin'));
      expect(core.calls).not.toContain('mountAll');
      expect(fe.recorded.windows).toHaveLength(0);
      // Opening the app again (Finder, Spotlight) brings the window.
      fe.app.emit('activate');
      expect(fe.recorded.windows).toHaveLength(1);
    }
  });

  it('not paired yet: any start opens the window (it asks for the pairing string) and mounts nothing', async () => {
    for (const platform of ['darwin', 'win32'] as const) {
      const { fe, core } = await boot(['--autostart'], { platform, paired: false });
      expect(fe.recorded.windows).toHaveLength(1);
      expect(core.calls).toEqual([]);
    }
  });

  it('a second instance quits at once', async () => {
    vi.resetModules();
    const fe = (await import('electron')) as unknown as typeof import('./doubles/fake-electron.js');
    fe.resetFake();
    fe.recorded.singleInstanceLock = false;
    await import('../../electron/main/main.js');
    await vi.waitFor(() => expect(fe.recorded.quitCalls).toBe(1));
    expect(fe.recorded.trays).toHaveLength(0);
  });
});

describe('"Start at login" is offered after the first mount that worked', () => {
  it.each([
    ['darwin', 0, { openAtLogin: true }],
    ['win32', 0, { openAtLogin: true, args: ['--autostart'] }],
    ['darwin', 1, { openAtLogin: false }],
  ] as const)('on %s, answering button %i sets the login item to %j', async (platform, answer, item) => {
    const { fe, core } = await boot([], { platform });
    fe.recorded.loginItemSettings.length = 0;
    fe.recorded.messageBoxResponse = answer;
    core.calls = [];
    core.offerStartAtLogin();
    await vi.waitFor(() => expect(core.calls).toEqual([`setStartAtLogin:${answer === 0}`]));
    expect(fe.recorded.messageBoxes).toEqual([
      { message: 'Start Flux Time Space when you log in?', buttons: ['Start at login', 'Not now'] },
    ]);
    await vi.waitFor(() => expect(fe.recorded.loginItemSettings).toEqual([expect.objectContaining(item)]));
  });
});
