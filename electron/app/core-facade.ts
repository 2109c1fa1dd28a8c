/**
 * The one interface the Electron shell uses to drive the client core (electron/core). The shell never reaches past
 * it. ClientCoreFacade (client-core-facade.ts) implements it over the real core; the shell's unit tests use the
 * recording FakeCore (test/client/doubles), and the browser tray uses ClientCoreFacade with a folder mounter
 * (electron/dev/test-mounter-core.ts).
 */
import type { CoreNotification, SettingsPatch, SettingsView, TrayState, TrayTimeMachine } from '../../contract/ipc.js';
import type { ActionStarted, SearchReport } from '../../contract/restore.js';
import type { PairingInfo } from '../../contract/secrets.js';

/** What the shell asks of the client core. Every method resolves when the action is done (or has failed and the state says why). */
export interface CoreFacade {
  /** Mounts every share (in parallel, with the cached credential or a sign-in): "Mount all" means all. */
  mountAll(): Promise<void>;
  /** Mounts the shares whose autoMount is on (a login start). */
  mountAtLogin(): Promise<void>;
  /** Unmounts every share. */
  unmountAll(): Promise<void>;
  /** Mounts one share by name. */
  mount(share: string): Promise<void>;
  /** Unmounts one share by name. */
  unmount(share: string): Promise<void>;
  /** The local path of a mounted share (the shell opens it in Finder/Explorer); null when not mounted. */
  openShare(share: string): Promise<string | null>;
  /** Interactive sign-in (MSAL), then fetches the credentials from Key Vault into the keychain. */
  signIn(): Promise<void>;
  /** Forgets the cached credentials and the account. */
  signOut(): Promise<void>;
  /** Takes a decoded pairing string (vault, tenant, app, client id); the next step is signing in. */
  pair(info: PairingInfo): Promise<SettingsView>;
  /** The current snapshot. */
  getState(): TrayState;
  /** This Mac's Time Machine backups on the server (null: not a Mac). */
  timeMachine(): Promise<TrayTimeMachine>;
  /** "Where is my file?" in the shares this computer has (the helper scopes it to this client). */
  searchFiles(q: string): Promise<SearchReport>;
  /** Brings a file or folder back from space to flux; the helper refuses another member's. */
  bringBack(path: string): Promise<ActionStarted>;
  /** Calls back on every state change; returns the unsubscribe function. */
  onStateChange(listener: (state: TrayState) => void): () => void;
  /** Calls back for every notification the core's notification model raises; returns the unsubscribe function. */
  onNotification(listener: (n: CoreNotification) => void): () => void;
  /** Calls back once, after the first mount that worked, when "Start at login" should be offered. */
  onStartAtLoginOffer(listener: () => void): () => void;
  /** The computer woke up: re-check the server and remount what was mounted. */
  onResume(): void;
  /** The network came or went. */
  onNetworkChange(online: boolean): void;
  /** Records the start-at-login choice (the shell applies it to the OS login items). */
  setStartAtLogin(enabled: boolean): Promise<void>;
  /** The settings without secrets. */
  getSettings(): SettingsView;
  /** Validated partial change; returns the settings after it. */
  updateSettings(patch: SettingsPatch): Promise<SettingsView>;
}
