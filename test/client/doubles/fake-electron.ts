/**
 * A fake `electron` module for the shell's tests (the real binary cannot run here). It records what main.ts asks
 * of Electron — the tray's menus, IPC handlers, windows, notifications, login items — so tests can click menu items,
 * call handlers as a renderer would, and check the hardening. It checks what the real one would: a Menu template
 * item needs a label or a type, an IPC channel can be handled once.
 */
import { EventEmitter } from 'node:events';

type Listener = (...args: unknown[]) => unknown;

/** Everything the fake recorded; tests read and reset it. */
export const recorded = {
  trays: [] as FakeTray[],
  windows: [] as FakeBrowserWindow[],
  notifications: [] as FakeNotification[],
  ipcHandlers: new Map<string, Listener>(),
  loginItemSettings: [] as unknown[],
  openedPaths: [] as string[],
  shownInFolder: [] as string[],
  openedExternal: [] as string[],
  errorBoxes: [] as string[],
  /** Message boxes shown, and the button the "person" clicks (an index into `buttons`). */
  messageBoxes: [] as { message: string; buttons: string[] }[],
  messageBoxResponse: 0,
  /** What app.getLoginItemSettings() answers (macOS: whether this launch was a login start). */
  wasOpenedAtLogin: false,
  quitCalls: 0,
  dockHidden: false,
  singleInstanceLock: true,
  online: true,
};

class FakeWebContents extends EventEmitter {
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null;
  sent: { channel: string; payload: unknown }[] = [];
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }): void {
    this.windowOpenHandler = h;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
}

/** A fake BrowserWindow that records its options and the file it loads. */
export class FakeBrowserWindow extends EventEmitter {
  readonly webContents = new FakeWebContents();
  loaded: string | null = null;
  shown = false;
  constructor(readonly options: { webPreferences?: Record<string, unknown> } & Record<string, unknown>) {
    super();
    recorded.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  async loadFile(path: string): Promise<void> {
    this.loaded = path;
    this.emit('ready-to-show');
  }
  isDestroyed(): boolean {
    return false;
  }
  show(): void {
    this.shown = true;
  }
  focus(): void {}
}

/** A fake tray that keeps its image, tooltip and the menus it was given. */
export class FakeTray extends EventEmitter {
  menus: FakeMenu[] = [];
  tooltip = '';
  image: unknown;
  constructor(image: unknown) {
    super();
    this.image = image;
    recorded.trays.push(this);
  }
  setContextMenu(menu: FakeMenu): void {
    this.menus.push(menu);
  }
  setToolTip(t: string): void {
    this.tooltip = t;
  }
  setImage(i: unknown): void {
    this.image = i;
  }
  popUpContextMenu(): void {}
}

/** A menu built from a template; `item(id)` finds an entry to click. */
export class FakeMenu {
  constructor(
    readonly items: {
      id?: string;
      label?: string;
      type?: string;
      enabled?: boolean;
      checked?: boolean;
      click?: () => void;
    }[],
  ) {}
  item(id: string) {
    const found = this.items.find((i) => i.id === id);
    if (!found) throw new Error(`no menu item ${id}; have ${this.items.map((i) => i.id).join(', ')}`);
    return found;
  }
}

/** A fake OS notification. */
export class FakeNotification extends EventEmitter {
  shown = false;
  constructor(readonly options: { title: string; body: string }) {
    super();
    recorded.notifications.push(this);
  }
  show(): void {
    this.shown = true;
  }
  static isSupported(): boolean {
    return true;
  }
}

class FakeApp extends EventEmitter {
  requestSingleInstanceLock(): boolean {
    return recorded.singleInstanceLock;
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  quit(): void {
    recorded.quitCalls++;
  }
  /** Ends the process at once, as Electron's does (the packaged-app test boots main.js with the fake in a child). */
  exit(code = 0): never {
    process.exit(code);
  }
  getPath(): string {
    return '/tmp/fts-fake-electron';
  }
  setLoginItemSettings(s: { openAtLogin?: boolean; args?: string[]; openAsHidden?: boolean }): void {
    recorded.loginItemSettings.push(s);
  }
  getLoginItemSettings() {
    const last = recorded.loginItemSettings.at(-1) as { openAtLogin?: boolean } | undefined;
    return {
      openAtLogin: last?.openAtLogin ?? false,
      wasOpenedAtLogin: recorded.wasOpenedAtLogin,
      status: 'not-registered',
    };
  }
  dock = {
    hide: () => {
      recorded.dockHidden = true;
    },
  };
}

/** Forgets everything recorded and every listener, for the next boot of main.ts in the same test file. */
export function resetFake(): void {
  recorded.trays.length = 0;
  recorded.windows.length = 0;
  recorded.notifications.length = 0;
  recorded.ipcHandlers.clear();
  recorded.loginItemSettings.length = 0;
  recorded.openedPaths.length = 0;
  recorded.shownInFolder.length = 0;
  recorded.openedExternal.length = 0;
  recorded.errorBoxes.length = 0;
  recorded.messageBoxes.length = 0;
  recorded.messageBoxResponse = 0;
  recorded.wasOpenedAtLogin = false;
  recorded.quitCalls = 0;
  recorded.dockHidden = false;
  recorded.singleInstanceLock = true;
  recorded.online = true;
  app.removeAllListeners();
  powerMonitor.removeAllListeners();
}

/** The fake `app`. */
export const app = new FakeApp();
/** The fake `powerMonitor`. */
export const powerMonitor = new EventEmitter();
/** The fake `ipcMain`: handle() may be called once per channel, as in Electron. */
export const ipcMain = {
  handle(channel: string, listener: Listener): void {
    if (recorded.ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    recorded.ipcHandlers.set(channel, listener);
  },
};
/** The fake `Menu`. */
export const Menu = {
  buildFromTemplate(items: { label?: string; type?: string }[]): FakeMenu {
    for (const i of items) if (!i.label && !i.type) throw new Error('menu item needs a label or a type');
    return new FakeMenu(items);
  },
};
/** The fake `nativeImage`. */
export const nativeImage = {
  createFromPath: (path: string) => ({
    path,
    template: false,
    setTemplateImage(this: { template: boolean }, t: boolean) {
      this.template = t;
    },
  }),
};
/** The fake `shell`. */
export const shell = {
  openPath: async (p: string) => (recorded.openedPaths.push(p), ''),
  showItemInFolder: (p: string) => void recorded.shownInFolder.push(p),
  openExternal: async (u: string) => void recorded.openedExternal.push(u),
};
/** The fake `dialog`. */
export const dialog = {
  showErrorBox: (_t: string, m: string) => void recorded.errorBoxes.push(m),
  showMessageBox: async (opts: { message: string; buttons: string[] }) => {
    recorded.messageBoxes.push({ message: opts.message, buttons: opts.buttons });
    return { response: recorded.messageBoxResponse, checkboxChecked: false };
  },
};
/** The fake `net`. */
export const net = { isOnline: () => recorded.online };
/** The fake `session`. */
export const session = {
  defaultSession: {
    headerHook: null as
      | null
      | ((
          d: { responseHeaders?: Record<string, string[]> },
          cb: (r: { responseHeaders: Record<string, string[]> }) => void,
        ) => void),
    permissionHandler: null as null | ((wc: unknown, perm: string, cb: (ok: boolean) => void) => void),
    webRequest: {
      onHeadersReceived(
        h: (
          d: { responseHeaders?: Record<string, string[]> },
          cb: (r: { responseHeaders: Record<string, string[]> }) => void,
        ) => void,
      ) {
        session.defaultSession.headerHook = h;
      },
    },
    setPermissionRequestHandler(h: (wc: unknown, perm: string, cb: (ok: boolean) => void) => void) {
      session.defaultSession.permissionHandler = h;
    },
  },
};
export { FakeBrowserWindow as BrowserWindow, FakeTray as Tray, FakeNotification as Notification };
