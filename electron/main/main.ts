/**
 * The Electron shell's entry: single-instance tray app with no Dock icon, one hardened window, notifications,
 * login item and power/network hooks. Everything with logic lives in plain modules beside this one.
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  Notification,
  powerMonitor,
  session,
  shell,
  Tray,
  type MenuItemConstructorOptions,
} from 'electron';
import Store from 'electron-store';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { IPC_CHANNELS } from '../../contract/ipc.js';
import { keychainSmokeTest } from '../core/smoke-test.js';
import type { CoreFacade } from '../app/core-facade.js';
import { createCoreForShell } from '../app/core-binding.js';
import { createIpcHandlers, dispatchIpc } from '../app/ipc-handlers.js';
import { launchPlan, loginItemSettings } from '../app/launch.js';
import {
  buildMenuModel,
  runMenuAction,
  trayIconState,
  trayTooltip,
  type MenuEntry,
  type ShellActions,
} from '../app/menu-model.js';
import { wireNotifications } from '../app/notifications.js';
import { CONTENT_SECURITY_POLICY, hardenContents, secureWebPreferences } from '../app/security.js';
import type { EventMemory } from '../app/event-gate.js';
import { defaultSettings, readSettings, settingsJsonSchema } from '../app/settings.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Built layout: dist/electron/main.js, dist/electron/preload.cjs, dist/renderer/tray.html, build/icons/. */
const rendererDir = join(here, '..', 'renderer');
const iconsDir = join(here, '..', '..', 'build', 'icons');
const trusted = { fileRoot: pathToFileURL(rendererDir).href };

let tray: Tray | null = null;
let win: BrowserWindow | null = null;

function iconFor(state: ReturnType<typeof trayIconState>) {
  const mac = process.platform === 'darwin';
  const img = nativeImage.createFromPath(join(iconsDir, mac ? `trayTemplate-${state}.png` : `tray-${state}.png`));
  if (mac) img.setTemplateImage(true);
  return img;
}

function toElectronMenu(entries: MenuEntry[], core: CoreFacade, actions: ShellActions): Menu {
  const items: MenuItemConstructorOptions[] = entries.map((e) =>
    e.type === 'separator'
      ? { type: 'separator' }
      : {
          id: e.id,
          type: e.type,
          label: e.label,
          enabled: e.enabled,
          ...(e.type === 'checkbox' ? { checked: e.checked ?? false } : {}),
          click: e.action ? () => void runMenuAction(e.action!, core, actions) : undefined,
        },
  );
  return Menu.buildFromTemplate(items);
}

function openWindow(): void {
  if (win && !win.isDestroyed()) {
    win.show();
    win.focus();
    return;
  }
  win = new BrowserWindow({
    width: 420,
    height: 640,
    show: false,
    title: 'Flux Time Space',
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(join(here, 'preload.cjs')),
  });
  hardenContents(win.webContents, (url) => void shell.openExternal(url));
  win.once('ready-to-show', () => win?.show());
  void win.loadFile(join(rendererDir, 'tray.html'));
}

/** `--smoke-test`: everything is loaded by now; open the keychain, print `ok`, exit 0 (release CI runs it). */
async function smokeTest(): Promise<void> {
  try {
    await keychainSmokeTest();
    process.stdout.write('ok\n', () => app.exit(0));
  } catch (err) {
    process.stderr.write(`smoke test failed: ${err instanceof Error ? err.message : String(err)}\n`, () => app.exit(1));
  }
}

async function main(): Promise<void> {
  // Before the single-instance lock, so the check also runs beside an open tray app.
  if (process.argv.includes('--smoke-test')) return smokeTest();
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => openWindow());
  // A tray app: no Dock icon on macOS, and closing the window does not quit.
  app.dock?.hide();
  app.on('window-all-closed', () => undefined);
  app.on('web-contents-created', (_e, contents) => hardenContents(contents, (url) => void shell.openExternal(url)));
  await app.whenReady();

  session.defaultSession.webRequest.onHeadersReceived((details, cb) =>
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } }),
  );
  // The window never needs camera, microphone, notifications from the page, etc.
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));

  const platform = process.platform;
  const store = new Store<Record<string, unknown>>({
    name: 'settings',
    schema: settingsJsonSchema as never,
    defaults: defaultSettings(platform) as never,
  });
  // The last event id seen and the recent activity: each run notifies once, ever (electron/app/event-gate.ts).
  const events = new Store<Record<string, unknown>>({ name: 'events' });
  const settings = readSettings(store.store, platform);
  const core = await createCoreForShell({
    settings,
    saveSettings: (s) => store.set(s as never),
    eventMemory: { read: () => events.store, write: (m: EventMemory) => void (events.store = m as never) },
    userDataDir: app.getPath('userData'),
  });

  const setLoginItem = (enabled: boolean) => {
    if (platform === 'win32' || platform === 'darwin')
      app.setLoginItemSettings(loginItemSettings(enabled, platform, process.execPath));
  };
  // The stored choice is applied on every launch, so it survives a reinstall.
  setLoginItem(settings.startAtLogin);

  const actions: ShellActions = {
    openWindow,
    openPath: async (p) => {
      const err = await shell.openPath(p);
      if (err) throw new Error(err);
    },
    setLoginItem,
    quit: () => app.quit(),
    reportError: (action, err) =>
      dialog.showErrorBox(
        'Flux Time Space',
        `${action.kind} failed: ${err instanceof Error ? err.message : String(err)}`,
      ),
  };

  const handlers = createIpcHandlers(core, actions);
  for (const channel of IPC_CHANNELS)
    ipcMain.handle(channel, (event, raw) => dispatchIpc(handlers, channel, event, raw, trusted));

  tray = new Tray(iconFor(trayIconState(core.getState())));
  tray.on('click', () => tray?.popUpContextMenu());
  const render = () => {
    const state = core.getState();
    tray?.setImage(iconFor(trayIconState(state)));
    tray?.setToolTip(trayTooltip(state));
    tray?.setContextMenu(toElectronMenu(buildMenuModel(state), core, actions));
    if (win && !win.isDestroyed()) win.webContents.send('fts:state:changed', state);
  };
  core.onStateChange(render);
  render();

  wireNotifications(core, {
    isSupported: () => Notification.isSupported(),
    create: (opts) => new Notification(opts),
    openWindow,
    revealPath: (p) => shell.showItemInFolder(p),
  });

  // After the first mount that worked, once: start at login (and so mount the login shares) from now on?
  core.onStartAtLoginOffer(() => {
    void dialog
      .showMessageBox({
        type: 'question',
        buttons: ['Start at login', 'Not now'],
        defaultId: 0,
        cancelId: 1,
        message: 'Start Flux Time Space when you log in?',
        detail: 'It then mounts your shares at login. You can change this in the menu at any time.',
      })
      .then(async ({ response }) => {
        const yes = response === 0;
        await core.setStartAtLogin(yes);
        setLoginItem(yes);
      })
      .catch(() => undefined);
  });

  // Network changes (interfaces and addresses) are watched by the core; the OS tells the shell about sleep.
  powerMonitor.on('resume', () => core.onResume());

  const plan = launchPlan({
    platform,
    argv: process.argv,
    openedAtLogin: platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin,
    paired: core.getState().paired,
  });
  if (plan.mountLoginShares) void core.mountAtLogin();
  if (plan.openWindow) openWindow();
  // A menu-bar app on macOS: opening it again (Finder, Spotlight) brings the window.
  if (platform === 'darwin') app.on('activate', () => openWindow());
}

void main();
