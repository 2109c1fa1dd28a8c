/**
 * The Electron shell's entry: single-instance tray app with no Dock icon, one hardened window, notifications,
 * login item and power/network hooks. Everything with logic lives in plain modules beside this one.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, net, Notification, powerMonitor, session, shell, Tray, type MenuItemConstructorOptions } from 'electron';
import Store from 'electron-store';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { IPC_CHANNELS } from '../../contract/ipc.js';
import { keychainSmokeTest } from '../core/smoke-test.js';
import type { CoreFacade } from './core-facade.js';
import { createCoreForShell } from './core-binding.js';
import { createIpcHandlers, dispatchIpc } from './ipc-handlers.js';
import { buildMenuModel, runMenuAction, trayIconState, trayTooltip, type MenuEntry, type ShellActions } from './menu-model.js';
import { wireNotifications } from './notifications.js';
import { CONTENT_SECURITY_POLICY, hardenContents, isAutostart, loginItemSettings, secureWebPreferences } from './security.js';
import { defaultSettings, readSettings, settingsJsonSchema } from './settings.js';

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

  const store = new Store<Record<string, unknown>>({ name: 'settings', schema: settingsJsonSchema as never, defaults: defaultSettings(process.platform) as never });
  const settings = readSettings(store.store, process.platform);
  const core = await createCoreForShell({ settings, saveSettings: (s) => store.set(s as never), userDataDir: app.getPath('userData') });

  const setLoginItem = (enabled: boolean) => {
    if (process.platform === 'win32' || process.platform === 'darwin') app.setLoginItemSettings(loginItemSettings(enabled, process.platform, process.execPath));
  };
  // Windows starts at login by default: apply the stored choice on every launch so it survives reinstalls.
  setLoginItem(settings.startAtLogin);

  const actions: ShellActions = {
    openWindow,
    openPath: async (p) => {
      const err = await shell.openPath(p);
      if (err) throw new Error(err);
    },
    setLoginItem,
    quit: () => app.quit(),
    reportError: (action, err) => dialog.showErrorBox('Flux Time Space', `${action.kind} failed: ${err instanceof Error ? err.message : String(err)}`),
  };

  const handlers = createIpcHandlers(core, actions);
  for (const channel of IPC_CHANNELS) ipcMain.handle(channel, (event, raw) => dispatchIpc(handlers, channel, event, raw, trusted));

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
    openPath: actions.openPath,
  });

  powerMonitor.on('resume', () => core.onResume());
  // Electron has no online/offline event in main: poll net.isOnline (cheap) and report changes.
  let online = net.isOnline();
  setInterval(() => {
    const now = net.isOnline();
    if (now !== online) core.onNetworkChange((online = now));
  }, 5000).unref();

  if (isAutostart(process.argv)) void core.mountAll();
  else openWindow();
}

void main();
