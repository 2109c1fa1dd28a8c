/** The platform factory: the only place in the client that reads process.platform. */
import { homedir, hostname, release } from 'node:os';
import { join } from 'node:path';
import { exec } from '../../lib/exec.js';
import { OsKeychain, type KeychainOptions } from './keychain.js';
import { DarwinMounter } from './mounter-darwin.js';
import { LinuxMounter } from './mounter-linux.js';
import { Win32Mounter } from './mounter-win32.js';
import type { CredentialStore, Mounter } from './types.js';

export * from './types.js';
export { KeychainUnavailableError, MemoryCredentialStore, OsKeychain } from './keychain.js';

/** The OSes the client supports. */
export type ClientOs = 'darwin' | 'win32' | 'linux';

/** This machine's OS (anything unknown is treated like Linux). */
export function currentOs(): ClientOs {
  const p = process.platform;
  return p === 'darwin' || p === 'win32' ? p : 'linux';
}

/** The mounter for an OS (tests pick one explicitly to run the darwin and win32 mounters against fakes). */
export function createMounter(os: ClientOs = currentOs()): Mounter {
  if (os === 'darwin') return new DarwinMounter();
  if (os === 'win32') return new Win32Mounter();
  const uid = process.getuid?.() ?? 0;
  return new LinuxMounter(process.env.XDG_RUNTIME_DIR ?? `/run/user/${uid}`);
}

/** The OS keychain. */
export function createKeychain(opts: KeychainOptions): CredentialStore {
  return new OsKeychain(opts);
}

/** Where the client's configuration file lives by default on this OS. */
export function defaultConfigPath(): string {
  const os = currentOs();
  if (os === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Flux Time Space', 'client.yaml');
  if (os === 'win32')
    return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Flux Time Space', 'client.yaml');
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'fts', 'client.yaml');
}

/** This host and OS, as the client reports them. */
export function hostInfo(): { hostName: string; os: ClientOs; osVersion: string } {
  return { hostName: hostname(), os: currentOs(), osVersion: release() };
}

/** Opens a URL in the system browser (the sign-in page). */
export async function openInBrowser(url: string): Promise<void> {
  if (!/^https?:\/\//.test(url)) throw new Error('only http(s) URLs are opened');
  const os = currentOs();
  if (os === 'darwin') await exec('open', [url], { timeoutMs: 15_000 });
  else if (os === 'win32') await exec('rundll32', ['url.dll,FileProtocolHandler', url], { timeoutMs: 15_000 });
  else await exec('xdg-open', [url], { timeoutMs: 15_000 });
}
