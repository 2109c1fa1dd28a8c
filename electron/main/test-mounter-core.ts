/**
 * A headless client core with a TEST MOUNTER, behind the same CoreFacade as the real core (issue 6).
 * It talks to a real fts-helper (shares, status, event stream, client state reports), but its "mounts" are
 * folders it creates under `mountRoot` — no SMB. It exists for `npm start` where Electron cannot run and for the
 * tray window's browser tests; the lead swaps in the real core and its platform mounter at merge.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hostname } from 'node:os';
import type { ClientStateReport, Share } from '../../contract/index.js';
import { Status } from '../../contract/api.js';
import { readEventStream } from '../../contract/sse.js';
import type { CoreNotification, SettingsPatch, SettingsView, TrayShare, TrayState } from '../../contract/ipc.js';
import { SettingsView as SettingsSchema } from '../../contract/ipc.js';
import type { CoreFacade } from './core-facade.js';
import { applyEvent, notificationFromEvent } from './event-model.js';
import { defaultSettings } from './settings.js';

/** The test mounter: a mount is a folder with a marker file; shares listed in `failShares` fail like a missing share. */
export class TestMounter {
  constructor(
    private readonly root: string,
    private readonly failShares: ReadonlySet<string> = new Set(),
  ) {}

  /** "Mounts" a share: creates its folder; returns the mount point. */
  async mount(share: string): Promise<string> {
    if (this.failShares.has(share)) throw Object.assign(new Error(`test mounter: share "${share}" refused`), { code: 'share-missing' as const });
    const dir = join(this.root, share);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, '.fts-test-mount'), `test mount of ${share}\n`);
    return dir;
  }

  /** "Unmounts" a share: removes its folder. */
  async unmount(share: string): Promise<void> {
    await rm(join(this.root, share), { recursive: true, force: true });
  }
}

/** How to reach the helper and where the test mounts go. */
export interface TestCoreOptions {
  helperUrl: string;
  /** A client token for the helper (stays in this process; never part of the state). */
  token: string;
  clientId: string;
  mountRoot: string;
  failShares?: string[];
  hostName?: string;
}

/** The headless core. Call `start()` once; `close()` stops the event stream. */
export class TestMounterCore implements CoreFacade {
  private state: TrayState;
  private settings: SettingsView;
  private readonly stateListeners = new Set<(s: TrayState) => void>();
  private readonly noteListeners = new Set<(n: CoreNotification) => void>();
  private readonly mounter: TestMounter;
  private readonly abort = new AbortController();
  private lastEventId = 0;
  private statusTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: TestCoreOptions) {
    this.mounter = new TestMounter(opts.mountRoot, new Set(opts.failShares ?? []));
    this.settings = { ...defaultSettings('linux'), helperUrl: opts.helperUrl, startAtLogin: false };
    this.state = {
      account: { signedIn: true, user: 'test-user' },
      server: { name: 'helper', url: opts.helperUrl, reachable: false, status: null },
      shares: [],
      lastGraduation: null,
      lastBackup: null,
      activity: [],
      startAtLogin: false,
      busy: false,
    };
  }

  private async api<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await fetch(new URL(path, this.opts.helperUrl), {
      ...init,
      headers: { authorization: `Bearer ${this.opts.token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
      signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(10_000)]),
    });
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  }

  /** Loads shares and status, reports this client, and follows the event stream. */
  async start(): Promise<void> {
    const shares = await this.api<Share[]>('/api/v1/shares');
    this.set({
      shares: shares.map((s) => ({
        name: s.name,
        ...(s.role ? { role: s.role } : {}),
        ...(s.driveLetter ? { driveLetter: s.driveLetter } : {}),
        state: 'unmounted',
        mountPoint: null,
        errorCode: null,
        errorMessage: null,
      })),
    });
    await this.refreshStatus();
    await this.report();
    void this.follow();
  }

  /** Stops the event stream. */
  close(): void {
    this.abort.abort();
    if (this.statusTimer) clearTimeout(this.statusTimer);
  }

  private async follow(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        this.lastEventId = await readEventStream(fetch, new URL('/api/v1/events', this.opts.helperUrl).href, {
          token: this.opts.token,
          lastEventId: this.lastEventId,
          signal: this.abort.signal,
          onEvent: (e) => {
            this.lastEventId = e.id;
            this.set(applyEvent(this.state, e));
            const n = notificationFromEvent(e);
            if (n) for (const l of this.noteListeners) l(n);
            this.scheduleStatus();
          },
        });
      } catch {
        if (this.abort.signal.aborted) return;
        this.set({ server: { ...this.state.server, reachable: false } });
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** Coalesces status refreshes: a burst of progress events costs one request. */
  private scheduleStatus(): void {
    if (this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      void this.refreshStatus();
    }, 200);
  }

  private async refreshStatus(): Promise<void> {
    try {
      const status = Status.parse(await this.api('/api/v1/status'));
      this.set({ server: { name: status.server.name, url: this.opts.helperUrl, reachable: true, status } });
    } catch {
      if (!this.abort.signal.aborted) this.set({ server: { ...this.state.server, reachable: false } });
    }
  }

  private async report(): Promise<void> {
    const body: ClientStateReport = {
      hostName: this.opts.hostName ?? hostname().slice(0, 255),
      os: 'linux',
      appVersion: '0.1.0-test-mounter',
      shares: this.state.shares.map((s) => ({ share: s.name, state: s.state, mountPoint: s.mountPoint, errorCode: s.errorCode, errorMessage: s.errorMessage })),
    };
    await this.api(`/api/v1/clients/${encodeURIComponent(this.opts.clientId)}/state`, { method: 'PUT', body: JSON.stringify(body) }).catch(() => undefined);
    // The server card lists who is connected with what: show our own report there too.
    await this.refreshStatus();
  }

  private set(patch: Partial<TrayState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.stateListeners) l(this.state);
  }

  private setShare(name: string, patch: Partial<TrayShare>): void {
    this.set({ shares: this.state.shares.map((s) => (s.name === name ? { ...s, ...patch } : s)) });
  }

  private async mountOne(name: string): Promise<void> {
    this.setShare(name, { state: 'mounting', errorCode: null, errorMessage: null });
    try {
      const mountPoint = await this.mounter.mount(name);
      this.setShare(name, { state: 'mounted', mountPoint });
    } catch (err) {
      this.setShare(name, { state: 'error', mountPoint: null, errorCode: 'share-missing', errorMessage: err instanceof Error ? err.message : String(err) });
    }
  }

  private async unmountOne(name: string): Promise<void> {
    await this.mounter.unmount(name);
    this.setShare(name, { state: 'unmounted', mountPoint: null, errorCode: null, errorMessage: null });
  }

  async mountAll(): Promise<void> {
    this.set({ busy: true });
    try {
      await Promise.all(this.state.shares.filter((s) => s.state !== 'mounted').map((s) => this.mountOne(s.name)));
    } finally {
      this.set({ busy: false });
    }
    await this.report();
  }

  async unmountAll(): Promise<void> {
    this.set({ busy: true });
    try {
      await Promise.all(this.state.shares.filter((s) => s.state !== 'unmounted').map((s) => this.unmountOne(s.name)));
    } finally {
      this.set({ busy: false });
    }
    await this.report();
  }

  async mount(share: string): Promise<void> {
    await this.mountOne(share);
    await this.report();
  }

  async unmount(share: string): Promise<void> {
    await this.unmountOne(share);
    await this.report();
  }

  async openShare(share: string): Promise<string | null> {
    return this.state.shares.find((s) => s.name === share && s.state === 'mounted')?.mountPoint ?? null;
  }

  async signIn(): Promise<void> {
    this.set({ account: { signedIn: true, user: 'test-user' } });
  }

  async signOut(): Promise<void> {
    await this.unmountAll();
    this.set({ account: { signedIn: false, user: null } });
  }

  getState(): TrayState {
    return this.state;
  }

  onStateChange(listener: (s: TrayState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onNotification(listener: (n: CoreNotification) => void): () => void {
    this.noteListeners.add(listener);
    return () => this.noteListeners.delete(listener);
  }

  onResume(): void {
    void this.refreshStatus();
  }

  onNetworkChange(online: boolean): void {
    if (online) void this.refreshStatus();
    else this.set({ server: { ...this.state.server, reachable: false } });
  }

  async setStartAtLogin(enabled: boolean): Promise<void> {
    this.settings = { ...this.settings, startAtLogin: enabled };
    this.set({ startAtLogin: enabled });
  }

  getSettings(): SettingsView {
    return this.settings;
  }

  async updateSettings(patch: SettingsPatch): Promise<SettingsView> {
    this.settings = SettingsSchema.parse({ ...this.settings, ...patch });
    if (patch.startAtLogin !== undefined) this.set({ startAtLogin: patch.startAtLogin });
    return this.settings;
  }
}
