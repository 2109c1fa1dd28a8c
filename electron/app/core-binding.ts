/**
 * Where the shell gets its core: the real client core (electron/core) behind the CoreFacade, with the platform
 * mounter, the OS keychain, MSAL sign-in and Key Vault credentials, configured from the electron-store settings.
 * (The folder-mounter double in electron/dev/test-mounter-core.ts is only for the browser tray and its tests.)
 */
import type { SettingsView } from '../../contract/ipc.js';
import { ClientCoreFacade } from './client-core-facade.js';
import type { CoreFacade } from './core-facade.js';
import type { EventMemoryStore } from './event-gate.js';

/** Creates and starts the core the Electron shell drives; a helper that cannot be reached yet is not an error. */
export async function createCoreForShell(opts: {
  settings: SettingsView;
  saveSettings(s: SettingsView): void;
  eventMemory: EventMemoryStore;
  userDataDir: string;
}): Promise<CoreFacade> {
  // No mounting here: the shell decides from its launch plan (main.ts), so one launch is one mount pass.
  const core = new ClientCoreFacade({
    settings: opts.settings,
    saveSettings: opts.saveSettings,
    eventMemory: opts.eventMemory,
    watch: true,
  });
  // Offline or signed out at start: the tray shows it; the link keeps retrying and "Sign in…" is offered.
  await core.start().catch(() => undefined);
  return core;
}
