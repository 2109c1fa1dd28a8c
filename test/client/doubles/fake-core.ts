/** A recording CoreFacade for the shell's tests: every call is logged, state and notifications are pushed by hand. */
import type { CoreNotification, SettingsPatch, SettingsView, TrayState } from '../../../contract/ipc.js';
import type { PairingInfo } from '../../../contract/secrets.js';
import type { CoreFacade } from '../../../electron/app/core-facade.js';
import { defaultSettings } from '../../../electron/app/settings.js';

/** A state with flux mounted and time, space not. */
export function sampleState(over: Partial<TrayState> = {}): TrayState {
  return {
    account: { signedIn: true, user: 'mike@example.com' },
    server: { name: 'motoko', url: 'https://motoko:8642', reachable: true, status: null },
    shares: [
      {
        name: 'flux',
        role: 'flux',
        driveLetter: 'F:',
        state: 'mounted',
        mountPoint: '/Volumes/flux',
        errorCode: null,
        errorMessage: null,
      },
      { name: 'time', role: 'time', state: 'unmounted', mountPoint: null, errorCode: null, errorMessage: null },
      {
        name: 'space',
        role: 'space',
        driveLetter: 'S:',
        state: 'unmounted',
        mountPoint: null,
        errorCode: null,
        errorMessage: null,
      },
    ],
    lastGraduation: null,
    lastBackup: null,
    activity: [],
    startAtLogin: false,
    paired: true,
    busy: false,
    ...over,
  };
}

/** The recording core. */
export class FakeCore implements CoreFacade {
  calls: string[] = [];
  state = sampleState();
  settings: SettingsView = defaultSettings('darwin');
  private readonly stateListeners = new Set<(s: TrayState) => void>();
  private readonly noteListeners = new Set<(n: CoreNotification) => void>();
  private readonly offerListeners = new Set<() => void>();

  /** Replaces the state and tells the listeners. */
  push(state: TrayState): void {
    this.state = state;
    for (const l of this.stateListeners) l(state);
  }
  /** Asks the shell to offer "Start at login". */
  offerStartAtLogin(): void {
    for (const l of this.offerListeners) l();
  }
  /** Raises a notification. */
  notify(n: CoreNotification): void {
    for (const l of this.noteListeners) l(n);
  }
  async mountAll() {
    this.calls.push('mountAll');
  }
  async mountAtLogin() {
    this.calls.push('mountAtLogin');
  }
  async pair(info: PairingInfo) {
    this.calls.push(`pair:${info.clientId}`);
    this.settings = { ...this.settings, pairing: info };
    return this.settings;
  }
  onStartAtLoginOffer(l: () => void) {
    this.offerListeners.add(l);
    return () => this.offerListeners.delete(l);
  }
  async unmountAll() {
    this.calls.push('unmountAll');
  }
  async mount(share: string) {
    this.calls.push(`mount:${share}`);
  }
  async unmount(share: string) {
    this.calls.push(`unmount:${share}`);
  }
  async openShare(share: string) {
    this.calls.push(`openShare:${share}`);
    return this.state.shares.find((s) => s.name === share)?.mountPoint ?? null;
  }
  async signIn() {
    this.calls.push('signIn');
  }
  async signOut() {
    this.calls.push('signOut');
  }
  getState() {
    return this.state;
  }
  async timeMachine() {
    this.calls.push('timeMachine');
    return null;
  }
  async searchFiles(q: string) {
    this.calls.push(`searchFiles:${q}`);
    return { query: q, results: [], sources: [] };
  }
  async bringBack(path: string) {
    this.calls.push(`bringBack:${path}`);
    return { runId: 1, status: 'queued' as const };
  }
  onStateChange(l: (s: TrayState) => void) {
    this.stateListeners.add(l);
    return () => this.stateListeners.delete(l);
  }
  onNotification(l: (n: CoreNotification) => void) {
    this.noteListeners.add(l);
    return () => this.noteListeners.delete(l);
  }
  onResume() {
    this.calls.push('onResume');
  }
  onNetworkChange(online: boolean) {
    this.calls.push(`onNetworkChange:${online}`);
  }
  async setStartAtLogin(enabled: boolean) {
    this.calls.push(`setStartAtLogin:${enabled}`);
  }
  getSettings() {
    return this.settings;
  }
  async updateSettings(patch: SettingsPatch) {
    this.calls.push(`updateSettings:${Object.keys(patch).join(',')}`);
    this.settings = { ...this.settings, ...patch };
    return this.settings;
  }
}
