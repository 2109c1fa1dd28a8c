/**
 * The CoreFacade over the real client core (electron/core): MountManager for the shares, HelperLink for the
 * state reports and the event stream, the EventGate and NotificationModel for what a person is told (each run
 * once, ever), MSAL + Key Vault + keychain for sign-in. No electron import: the web bridge, the Playwright tray
 * test and `npm start` run it in plain Node with a folder-backed Mounter (electron/dev/test-mounter-core.ts); the
 * Electron shell runs it with the platform mounter.
 */
import type { z } from 'zod';
import type { ClientShareState, FtsEvent } from '../../contract/index.js';
import { routes, Status } from '../../contract/api.js';
import type {
  CoreNotification,
  SettingsPatch,
  SettingsView,
  TrayShare,
  TrayState,
  TrayTimeMachine,
} from '../../contract/ipc.js';
import type { ActionStarted, SearchReport } from '../../contract/restore.js';
import { SettingsView as SettingsSchema } from '../../contract/ipc.js';
import type { PairingInfo } from '../../contract/secrets.js';
import { ClientCore, type ClientDeps } from '../core/client.js';
import { ClientConfig, pairingConfig, smbHost } from '../core/config.js';
import { bringBackFile, ownTimeMachine, searchFiles } from '../core/files.js';
import type { LinkStatus } from '../core/helper-link.js';
import { requestJson } from '../core/http.js';
import { NetworkWatch } from '../core/network-watch.js';
import { NotificationModel } from '../core/notifications.js';
import { openInBrowser } from '../platform/index.js';
import type { CoreFacade } from './core-facade.js';
import { EventGate, memoryEventStore, type EventMemoryStore } from './event-gate.js';
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

/**
 * The MSAL account of a ClientCore: sign-in through the system browser, then, as `fts login` does, everything the
 * pairing put in Key Vault is read into the keychain (Samba credential, helper URL, token and fingerprint), so the
 * next mount works offline.
 */
export function msalAccount(
  core: ClientCore,
  openBrowser: (url: string) => Promise<void> = openInBrowser,
): AccountSource {
  return {
    current: async () => (await core.msal.account().catch(() => null))?.username ?? null,
    signIn: async () => {
      const account = await core.msal.loginInteractive(openBrowser);
      await readPairedSecrets(core);
      return account.username;
    },
    signOut: async () => void (await core.logout()),
  };
}

/** Reads what pairing put in Key Vault into the keychain: Samba credential, helper URL, token and fingerprint. */
export async function readPairedSecrets(core: ClientCore): Promise<void> {
  await core.credentials.refreshSmb();
  if (!core.config.helper.url) await core.credentials.refreshHelperUrl();
  await core.credentials.refreshHelper();
}

/**
 * Maps the settings onto the core's configuration: the pairing gives the vault, the Entra tenant and app and the
 * client id; the helper URL (learnt at sign-in) gives the SMB server's host (one server, "motoko").
 */
export function clientConfigFromSettings(s: SettingsView, base: ClientConfigInput = {}): ClientConfig {
  const paired = s.pairing ? pairingConfig(s.pairing) : {};
  return ClientConfig.parse({
    ...base,
    ...(paired.clientId ? { clientId: paired.clientId } : {}),
    keyVault: { ...base.keyVault, ...paired.keyVault },
    auth: { ...base.auth, ...paired.auth },
    shares: s.shares.map((x) => ({
      name: x.name,
      ...(x.driveLetter ? { driveLetter: x.driveLetter } : {}),
      mount: x.autoMount,
    })),
    helper: { ...base.helper, ...(s.helperUrl ? { url: s.helperUrl } : {}) },
  });
}

/** How to build the facade. */
export interface ClientCoreFacadeOptions {
  settings: SettingsView;
  /** Persists the settings (electron-store in the shell); secrets are never part of them. */
  saveSettings?: (s: SettingsView) => void;
  /** Keeps the last event id and recent activity between launches (electron-store in the shell). */
  eventMemory?: EventMemoryStore;
  /** Configuration the settings do not cover (timeouts, keychain, a test vault URL). */
  baseConfig?: ClientConfigInput;
  /** Seams for tests and the test double: mounter, credential store, probe, host. */
  deps?: ClientDeps;
  /** Defaults to MSAL (msalAccount). */
  account?: (core: ClientCore) => AccountSource;
  /** Status refreshes after a burst of events are coalesced over this many ms. */
  statusDebounceMs?: number;
  /**
   * Watch by itself (the tray app): health passes over the mounts, and the network's interfaces and addresses
   * (a change or a wake from sleep reconnects the stream and repairs the mounts).
   */
  watch?: boolean;
}

const ACTIVITY_CAP = 100;

/** The one CoreFacade implementation. Call `start()` once; `close()` stops the link and timers. */
export class ClientCoreFacade implements CoreFacade {
  private core: ClientCore;
  private account: AccountSource;
  private settings: SettingsView;
  private notes = this.notificationModel();
  private readonly gate: EventGate;
  private readonly stateListeners = new Set<(s: TrayState) => void>();
  private readonly noteListeners = new Set<(n: CoreNotification) => void>();
  private readonly offerListeners = new Set<() => void>();
  private status: Status | null = null;
  private statusOk = false;
  private link: LinkStatus['state'] = 'idle';
  private user: string | null = null;
  private busy = 0;
  private events: Pick<TrayState, 'activity' | 'lastGraduation' | 'lastBackup'>;
  private statusTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private snapshot: TrayState;
  private network: NetworkWatch | null = null;

  constructor(private readonly opts: ClientCoreFacadeOptions) {
    this.settings = opts.settings;
    this.gate = new EventGate(opts.eventMemory ?? memoryEventStore());
    this.events = { ...this.gate.remembered };
    this.core = this.build();
    this.account = (opts.account ?? ((c) => msalAccount(c)))(this.core);
    this.snapshot = this.compute();
  }

  /** The ClientCore underneath (the `fts` CLI and tests reach the same object). */
  get client(): ClientCore {
    return this.core;
  }

  /** Words the notifications; Time Machine warnings only for this computer (read from the current core: a new pairing may rename it). */
  private notificationModel(): NotificationModel {
    return new NotificationModel({
      self: () => (this.core ? { clientId: this.core.clientId, hostName: this.core.host.hostName } : null),
    });
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
      // A rebuilt core (settings changed) resumes the stream where the old one stopped; a launch, from the store.
      lastEventId: this.gate.resumeFrom,
      onEvent: (e) => this.onEvent(e),
      onReady: (helperLastId, resumedFrom) => this.onReady(core, helperLastId, resumedFrom),
      onStatus: (s) => {
        this.link = s.state;
        if (s.state === 'connected') this.scheduleStatus();
        this.emit();
      },
    });
    return core;
  }

  /** Reads the account, what the OS has mounted and the helper's status; starts the link when paired. */
  async start(): Promise<void> {
    this.user = await this.account.current().catch(() => null);
    if (this.settings.pairing || this.opts.baseConfig?.clientId) this.core.link().start();
    await this.core.mounts.refresh().catch(() => undefined);
    if (this.opts.watch) {
      this.core.mounts.watch();
      this.network ??= new NetworkWatch({
        onChange: (online) => this.onNetworkChange(online),
        onWake: () => this.onResume(),
      });
      this.network.start();
    }
    await this.refreshStatus();
  }

  /** Stops the link and timers (mounts stay as they are); the event cursor is written. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.network?.stop();
    await this.core.close();
    this.gate.flush();
  }

  private async refreshStatus(): Promise<void> {
    try {
      this.status = Status.parse(
        await this.core.withHelper((ep) => requestJson(ep, routes.status.method, routes.status.path)),
      );
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

  private onReady(core: ClientCore, helperLastId: number, resumedFrom: number): void {
    if (this.gate.ready(helperLastId, resumedFrom) !== 'reset') return;
    // A reinstalled helper: its ids restarted below ours. Its history is listed afresh from the start of its
    // retention (not notified), and run keys of the old helper must not hide its new runs.
    this.notes = this.notificationModel();
    this.events = { activity: [], lastGraduation: null, lastBackup: null };
    core.link().resumeFrom(0);
    this.emit();
  }

  private onEvent(e: FtsEvent): void {
    const next = applyEvent({ ...this.snapshot, ...this.events }, e, ACTIVITY_CAP);
    this.events = { activity: next.activity, lastGraduation: next.lastGraduation, lastBackup: next.lastBackup };
    const mayNotify = this.gate.admit(e);
    this.gate.remember(this.events);
    // The model words it and keeps one per job run; the gate says whether it is new to this computer.
    const n = this.notes.ingest(e);
    const shown = n && mayNotify ? toCoreNotification(n, e) : null;
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
      return {
        name: s.share,
        ...(role ? { role } : {}),
        ...(driveLetter ? { driveLetter } : {}),
        state: s.state,
        mountPoint: s.mountPoint,
        errorCode: s.errorCode,
        errorMessage: s.errorMessage ?? null,
      };
    });
    return {
      account: { signedIn: this.user !== null, user: this.user },
      server: {
        name: this.status?.server.name ?? smbHost(config),
        url: config.helper.url ?? null,
        // Reachable: the last status request worked and the event stream is not past its grace period.
        reachable: this.statusOk && this.link !== 'disconnected',
        status: this.statusOk ? this.status : null,
      },
      shares,
      ...this.events,
      startAtLogin: this.settings.startAtLogin,
      paired: this.settings.pairing !== null,
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
    this.maybeOfferStartAtLogin();
    // Not awaited: with the helper down a report can take its full timeout, and the mount result is already known.
    void this.core
      .link()
      .reportState()
      .catch(() => undefined)
      .then(() => this.refreshStatus());
  }

  /** After the first mount that worked, "Start at login" is offered once (unless it is on already). */
  private maybeOfferStartAtLogin(): void {
    if (this.settings.startAtLogin || this.settings.startAtLoginOffered || this.offerListeners.size === 0) return;
    if (!this.core.mounts.states().some((s) => s.state === 'mounted')) return;
    this.settings = { ...this.settings, startAtLoginOffered: true };
    this.opts.saveSettings?.(this.settings);
    for (const l of this.offerListeners) l();
  }

  async mountAll(): Promise<void> {
    // "Mount all" in the tray means every configured share; autoMount only decides what mounts on its own.
    await this.run(() => this.core.mounts.mountAll(this.core.config.shares.map((s) => s.name)));
  }

  async mountAtLogin(): Promise<void> {
    // No names: the manager mounts the shares it wants on its own, those whose autoMount is on.
    await this.run(() => this.core.mounts.mountAll());
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
      // The helper's URL came from Key Vault with the sign-in: it names the server and is shown in the window.
      const url = this.core.config.helper.url ?? (await this.core.credentials.cachedHelperUrl());
      if (url && url !== this.settings.helperUrl) await this.updateSettingsInternal({ helperUrl: url });
    } finally {
      this.busy--;
      this.emit();
    }
    // The token may be new: reconnect the stream and re-read the server now.
    this.core.link().start();
    this.core.link().kick();
    await this.refreshStatus();
  }

  async signOut(): Promise<void> {
    await this.unmountAll();
    await this.account.signOut();
    this.user = null;
    this.emit();
  }

  async pair(info: PairingInfo): Promise<SettingsView> {
    // A new pairing may name another vault or client: nothing learnt from the old one is kept.
    await this.updateSettingsInternal({ pairing: info, helperUrl: null });
    return this.settings;
  }

  getState(): TrayState {
    return this.snapshot;
  }

  async timeMachine(): Promise<TrayTimeMachine> {
    return ownTimeMachine(this.core);
  }

  async searchFiles(q: string): Promise<SearchReport> {
    return searchFiles(this.core, q);
  }

  async bringBack(path: string): Promise<ActionStarted> {
    return bringBackFile(this.core, path);
  }

  onStateChange(listener: (state: TrayState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onNotification(listener: (n: CoreNotification) => void): () => void {
    this.noteListeners.add(listener);
    return () => this.noteListeners.delete(listener);
  }

  onStartAtLoginOffer(listener: () => void): () => void {
    this.offerListeners.add(listener);
    return () => this.offerListeners.delete(listener);
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
    await this.updateSettingsInternal({ startAtLogin: enabled, startAtLoginOffered: true });
  }

  getSettings(): SettingsView {
    return this.settings;
  }

  /** Validates and saves what the window may change (drive letters, login mounts, start at login). */
  async updateSettings(patch: SettingsPatch): Promise<SettingsView> {
    return this.updateSettingsInternal(patch);
  }

  /**
   * Validates and saves the change. A change the core's configuration depends on rebuilds the ClientCore (new
   * link, new mount manager reading the OS's mounts), so the next mount uses it; mounts are not touched.
   */
  private async updateSettingsInternal(patch: Partial<SettingsView>): Promise<SettingsView> {
    const next = SettingsSchema.parse({ ...this.settings, ...patch });
    const before = JSON.stringify(clientConfigFromSettings(this.settings, this.opts.baseConfig));
    const wasPaired = this.settings.pairing !== null;
    this.settings = next;
    this.opts.saveSettings?.(next);
    if (
      JSON.stringify(clientConfigFromSettings(next, this.opts.baseConfig)) !== before ||
      wasPaired !== (next.pairing !== null)
    ) {
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
