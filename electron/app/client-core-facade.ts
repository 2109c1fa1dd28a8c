/**
 * The CoreFacade over the real client core (electron/core): MountManager for the shares, HelperLink for the
 * state reports and the event stream, NotificationModel for what a person is told, MSAL + Key Vault + keychain
 * for sign-in. No electron import: the web bridge, the Playwright tray test and `npm start` run it in plain Node
 * with a folder-backed Mounter (electron/dev/test-mounter-core.ts); the Electron shell runs it with the platform mounter.
 */
import type { z } from 'zod';
import type { ClientShareState, FtsEvent } from '../../contract/index.js';
import { routes, Status } from '../../contract/api.js';
import type { CoreNotification, SettingsPatch, SettingsView, TrayShare, TrayState } from '../../contract/ipc.js';
import { SettingsView as SettingsSchema } from '../../contract/ipc.js';
import { ClientCore, type ClientDeps } from '../core/client.js';
import { ClientConfig } from '../core/config.js';
import type { LinkStatus } from '../core/helper-link.js';
import { requestJson } from '../core/http.js';
import { NotificationModel } from '../core/notifications.js';
import { openInBrowser } from '../platform/index.js';
import type { CoreFacade } from './core-facade.js';
import { applyEvent, toCoreNotification } from './event-model.js';

/** The core's configuration as written (defaults not yet applied). */
export type ClientConfigInput = z.input<typeof ClientConfig>;

/** Who is signed in, and how to sign in and out. The default is MSAL + Key Vault; the test double swaps it. */
export interface AccountSource {
  /** The signed-in user's name, or null. */
  current(): Promise<string | null>;
  /** Interactive sign-in, then the credentials are fetched into the keychain; resolves to the user's name. */
  signIn(): Promise<string | null>;
  /** Forgets the account and every cached secret. */
  signOut(): Promise<void>;
}

/** The MSAL account of a ClientCore: sign-in through the system browser, then the Samba credential from Key Vault. */
export function msalAccount(core: ClientCore, openBrowser: (url: string) => Promise<void> = openInBrowser): AccountSource {
  return {
    current: async () => (await core.msal.account().catch(() => null))?.username ?? null,
    signIn: async () => {
      const account = await core.msal.loginInteractive(openBrowser);
      // As `fts login` does: cache the Samba credential now, so the next mount works offline from Key Vault.
      await core.credentials.refreshSmb();
      return account.username;
    },
    signOut: async () => void (await core.logout()),
  };
}

/**
 * Maps the settings the window edits onto the core's configuration. The SMB server is the helper's host (one
 * server, "motoko"); `clientId` in the settings is the Entra app registration, not the id this client reports as.
 */
export function clientConfigFromSettings(s: SettingsView, base: ClientConfigInput = {}): ClientConfig {
  const baseHelper = base.helper ?? {};
  const baseVault = base.keyVault ?? {};
  const baseSecrets = baseVault.secrets ?? {};
  return ClientConfig.parse({
    ...base,
    server: { ...base.server, ...(s.helperUrl ? { host: new URL(s.helperUrl).hostname.replace(/^\[|\]$/g, '') } : {}) },
    shares: s.shares.map((x) => ({ name: x.name, ...(x.driveLetter ? { driveLetter: x.driveLetter } : {}), mount: x.autoMount })),
    helper: { ...baseHelper, ...(s.helperUrl ? { url: s.helperUrl } : {}), ...(s.helperFingerprint ? { fingerprint: s.helperFingerprint } : {}) },
    keyVault: {
      ...baseVault,
      name: s.keyVaultName,
      secrets: { ...baseSecrets, samba: { user: s.secretNames.sambaUser, password: s.secretNames.sambaPassword }, helperToken: s.secretNames.helperToken },
    },
    auth: { ...base.auth, ...(s.tenantId ? { tenantId: s.tenantId } : {}), ...(s.clientId ? { clientId: s.clientId } : {}) },
  });
}

/** How to build the facade. */
export interface ClientCoreFacadeOptions {
  settings: SettingsView;
  /** Persists the settings (electron-store in the shell); secrets are never part of them. */
  saveSettings?: (s: SettingsView) => void;
  /** Configuration the settings do not cover (timeouts, keychain, a test vault URL). */
  baseConfig?: ClientConfigInput;
  /** Seams for tests and the test double: mounter, credential store, probe, host. */
  deps?: ClientDeps;
  /** Defaults to MSAL (msalAccount). */
  account?: (core: ClientCore) => AccountSource;
  /** Mount the autoMount shares on start (the shell: yes; the browser tray test: no, it starts unmounted). */
  autoMount?: boolean;
  /** Status refreshes after a burst of events are coalesced over this many ms. */
  statusDebounceMs?: number;
}

const ACTIVITY_CAP = 100;

/** The one CoreFacade implementation. Call `start()` once; `close()` stops the link and timers. */
export class ClientCoreFacade implements CoreFacade {
  private core: ClientCore;
  private account: AccountSource;
  private settings: SettingsView;
  private readonly notes = new NotificationModel();
  private readonly stateListeners = new Set<(s: TrayState) => void>();
  private readonly noteListeners = new Set<(n: CoreNotification) => void>();
  private status: Status | null = null;
  private statusOk = false;
  private link: LinkStatus['state'] = 'idle';
  private user: string | null = null;
  private busy = 0;
  private events: Pick<TrayState, 'activity' | 'lastGraduation' | 'lastBackup'> = { activity: [], lastGraduation: null, lastBackup: null };
  private statusTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private lastEventId = 0;
  private snapshot: TrayState;

  constructor(private readonly opts: ClientCoreFacadeOptions) {
    this.settings = opts.settings;
    this.core = this.build();
    this.account = (opts.account ?? ((c) => msalAccount(c)))(this.core);
    this.snapshot = this.compute();
  }

  /** The ClientCore underneath (the `fts` CLI and tests reach the same object). */
  get client(): ClientCore {
    return this.core;
  }

  private build(): ClientCore {
    const config = clientConfigFromSettings(this.settings, this.opts.baseConfig);
    const deps = this.opts.deps ?? {};
    const core: ClientCore = new ClientCore(config, {
      ...deps,
      mountOptions: {
        ...deps.mountOptions,
        // ClientCore's own onChange (report soon) is replaced here, so both happen: report, and redraw the tray.
        onChange: () => {
          core.link().stateChanged();
          this.emit();
        },
      },
    });
    core.link({
      // A rebuilt core (settings changed) resumes the stream where the old one stopped.
      lastEventId: this.lastEventId,
      onEvent: (e) => this.onEvent(e),
      onStatus: (s) => {
        this.link = s.state;
        if (s.state === 'connected') this.scheduleStatus();
        this.emit();
      },
    });
    return core;
  }

  /** Reads the account, what the OS has mounted and the helper's status; starts the link. */
  async start(): Promise<void> {
    this.user = await this.account.current().catch(() => null);
    this.core.link().start();
    await this.core.mounts.refresh().catch(() => undefined);
    await this.refreshStatus();
    if (this.opts.autoMount) void this.run(() => this.core.mounts.mountAll());
  }

  /** Stops the link and timers (mounts stay as they are). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.statusTimer) clearTimeout(this.statusTimer);
    await this.core.close();
  }

  private async refreshStatus(): Promise<void> {
    try {
      this.status = Status.parse(await requestJson(await this.core.endpoint(), routes.status.method, routes.status.path));
      this.statusOk = true;
    } catch {
      this.statusOk = false;
    }
    if (!this.closed) this.emit();
  }

  /** A burst of progress events costs one status request. */
  private scheduleStatus(): void {
    if (this.statusTimer || this.closed) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      void this.refreshStatus();
    }, this.opts.statusDebounceMs ?? 200);
    this.statusTimer.unref();
  }

  private onEvent(e: FtsEvent): void {
    this.lastEventId = Math.max(this.lastEventId, e.id);
    const next = applyEvent({ ...this.snapshot, ...this.events }, e, ACTIVITY_CAP);
    this.events = { activity: next.activity, lastGraduation: next.lastGraduation, lastBackup: next.lastBackup };
    // The core's model: one notification per job run, replays ignored.
    const n = this.notes.ingest(e);
    const shown = n ? toCoreNotification(n, e) : null;
    if (shown) for (const l of this.noteListeners) l(shown);
    this.scheduleStatus();
    this.emit();
  }

  private compute(): TrayState {
    const config = this.core.config;
    const shares: TrayShare[] = this.core.mounts.states().map((s: ClientShareState) => {
      // The role labels the row; it comes from the helper's share list in the status (absent until first fetched).
      const role = this.status?.shares.find((x) => x.name === s.share)?.role;
      const driveLetter = config.shares.find((c) => c.name === s.share)?.driveLetter;
      return { name: s.share, ...(role ? { role } : {}), ...(driveLetter ? { driveLetter } : {}), state: s.state, mountPoint: s.mountPoint, errorCode: s.errorCode, errorMessage: s.errorMessage ?? null };
    });
    return {
      account: { signedIn: this.user !== null, user: this.user },
      server: {
        name: this.status?.server.name ?? config.server.host,
        url: config.helper.url,
        // Reachable: the last status request worked and the event stream is not past its grace period.
        reachable: this.statusOk && this.link !== 'disconnected',
        status: this.statusOk ? this.status : null,
      },
      shares,
      ...this.events,
      startAtLogin: this.settings.startAtLogin,
      busy: this.busy > 0,
    };
  }

  private emit(): void {
    this.snapshot = this.compute();
    for (const l of this.stateListeners) l(this.snapshot);
  }

  /** Runs a mount action with `busy` set, then reports at once and refreshes the server card (it lists this client). */
  private async run(action: () => Promise<unknown>): Promise<void> {
    this.busy++;
    this.emit();
    try {
      await action();
    } finally {
      this.busy--;
      this.emit();
    }
    // Not awaited: with the helper down a report can take its full timeout, and the mount result is already known.
    void this.core
      .link()
      .reportState()
      .catch(() => undefined)
      .then(() => this.refreshStatus());
  }

  async mountAll(): Promise<void> {
    // "Mount all" in the tray means every configured share; autoMount only decides what mounts on its own.
    await this.run(() => this.core.mounts.mountAll(this.core.config.shares.map((s) => s.name)));
  }

  async unmountAll(): Promise<void> {
    await this.run(() => this.core.mounts.unmount());
  }

  async mount(share: string): Promise<void> {
    await this.run(() => this.core.mounts.mountAll([share]));
  }

  async unmount(share: string): Promise<void> {
    await this.run(() => this.core.mounts.unmount([share]));
  }

  async openShare(share: string): Promise<string | null> {
    const s = this.core.mounts.states().find((x) => x.share === share);
    return s?.state === 'mounted' ? s.mountPoint : null;
  }

  async signIn(): Promise<void> {
    this.busy++;
    this.emit();
    try {
      this.user = await this.account.signIn();
    } finally {
      this.busy--;
      this.emit();
    }
    // The token may be new: reconnect the stream and re-read the server now.
    this.core.link().kick();
    await this.refreshStatus();
  }

  async signOut(): Promise<void> {
    await this.unmountAll();
    await this.account.signOut();
    this.user = null;
    this.emit();
  }

  getState(): TrayState {
    return this.snapshot;
  }

  onStateChange(listener: (state: TrayState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onNotification(listener: (n: CoreNotification) => void): () => void {
    this.noteListeners.add(listener);
    return () => this.noteListeners.delete(listener);
  }

  onResume(): void {
    this.core.link().onResume();
    void this.run(() => this.core.mounts.onResume());
  }

  onNetworkChange(online: boolean): void {
    this.core.link().onNetworkChange();
    // Offline: nothing to remount; MountManager's background retry takes over when shares report unreachable.
    if (online) void this.run(() => this.core.mounts.onNetworkChange());
    else void this.refreshStatus();
  }

  async setStartAtLogin(enabled: boolean): Promise<void> {
    await this.updateSettings({ startAtLogin: enabled });
  }

  getSettings(): SettingsView {
    return this.settings;
  }

  /**
   * Validates and saves the change. A change the core's configuration depends on rebuilds the ClientCore (new
   * link, new mount manager reading the OS's mounts), so the next mount uses it; mounts are not touched.
   */
  async updateSettings(patch: SettingsPatch): Promise<SettingsView> {
    const next = SettingsSchema.parse({ ...this.settings, ...patch });
    const before = JSON.stringify(clientConfigFromSettings(this.settings, this.opts.baseConfig));
    this.settings = next;
    this.opts.saveSettings?.(next);
    if (JSON.stringify(clientConfigFromSettings(next, this.opts.baseConfig)) !== before) {
      await this.core.close();
      this.link = 'idle';
      this.core = this.build();
      this.account = (this.opts.account ?? ((c) => msalAccount(c)))(this.core);
      if (!this.closed) await this.start();
    }
    this.emit();
    return this.settings;
  }
}
