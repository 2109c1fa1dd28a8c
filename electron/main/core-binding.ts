/**
 * Where the shell gets its core. MERGE POINT: the lead binds this to the real client core (electron/core, issue 6)
 * with its platform mounter, Key Vault credentials and keychain. Until then it returns the headless core with the
 * TEST MOUNTER (folders, no SMB), reading the helper token from a 0600 file in the app's data folder.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SettingsView } from '../../contract/ipc.js';
import type { CoreFacade } from './core-facade.js';
import { TestMounterCore } from './test-mounter-core.js';

/** Creates the core the Electron shell drives. */
export async function createCoreForShell(opts: { settings: SettingsView; saveSettings(s: SettingsView): void; userDataDir: string }): Promise<CoreFacade> {
  const helperUrl = opts.settings.helperUrl ?? 'http://127.0.0.1:8642';
  const token = (await readFile(join(opts.userDataDir, 'helper-token'), 'utf8').catch(() => '')).trim();
  const core = new TestMounterCore({ helperUrl, token, clientId: 'electron-test-core', mountRoot: join(opts.userDataDir, 'test-mounts') });
  await core.start().catch(() => undefined);
  return core;
}
