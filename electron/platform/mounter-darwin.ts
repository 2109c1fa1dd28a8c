/**
 * macOS: Finder's `mount volume` through osascript; shares land in /Volumes.
 *
 * Why it is safe: the program is a constant JavaScript for Automation (JXA) script given as `-e` lines, and every
 * value (URL, user, password) travels on stdin as one JSON document that the script reads with NSFileHandle and
 * turns into strings with JSON.parse. No value is ever compiled: no quote kind, `«»`, backslash, `$()` or newline
 * can end a string or add a statement, and the password is in neither argv nor the environment. (The AppleScript
 * this replaces put escaped values into the program text: safe only as long as its escaping was complete.)
 */
import { exec } from '../../lib/exec.js';
import { smbUrl, toMountError } from './mount-common.js';
import { classifyOsascriptError, parseDarwinMount } from './parsers.js';
import { readableWithin } from './usable.js';
import type { MountedShare, Mounter, MountOptions, MountTarget, SmbCredential } from './types.js';

/** The JXA program, one line per `-e`: reads `{url, user, password}` from stdin, mounts, prints the mount's path. */
export const DARWIN_MOUNT_PROGRAM: readonly string[] = [
  "ObjC.import('Foundation');",
  'function run() {',
  '  const data = $.NSFileHandle.fileHandleWithStandardInput.readDataToEndOfFile;',
  '  const request = JSON.parse($.NSString.alloc.initWithDataEncoding(data, $.NSUTF8StringEncoding).js);',
  '  const app = Application.currentApplication();',
  '  app.includeStandardAdditions = true;',
  '  const volume = app.mountVolume(String(request.url), { asUserName: String(request.user), withPassword: String(request.password) });',
  '  return String(volume);',
  '}',
];

/** osascript's argv: the same for every share and credential. */
export function darwinMountArgs(): string[] {
  return ['-l', 'JavaScript', ...DARWIN_MOUNT_PROGRAM.flatMap((line) => ['-e', line])];
}

/** What the program reads on stdin. */
export function darwinMountInput(t: MountTarget, cred: SmbCredential): string {
  return JSON.stringify({ url: smbUrl(t), user: cred.username, password: cred.password });
}

/** The Finder-native mounter. */
export class DarwinMounter implements Mounter {
  readonly os = 'darwin' as const;

  async mount(t: MountTarget, cred: SmbCredential, opts: MountOptions = {}): Promise<{ mountPoint: string }> {
    const secrets = [cred.password];
    try {
      const r = await exec('osascript', darwinMountArgs(), {
        input: darwinMountInput(t, cred),
        secrets,
        timeoutMs: opts.timeoutMs ?? 30_000,
        signal: opts.signal,
      });
      const path = r.stdout.trim().replace(/\/+$/, '');
      if (path.startsWith('/')) return { mountPoint: path };
      // A volume that prints as something other than a POSIX path: the OS's own listing says where it is.
      const listed = (await this.list(opts).catch(() => [])).find(
        (m) => m.share.toLowerCase() === t.share.toLowerCase() && sameHost(m.host, t.host),
      );
      return { mountPoint: listed?.mountPoint ?? `/Volumes/${t.share}` };
    } catch (err) {
      throw toMountError(err, t, secrets, (_o, e) => classifyOsascriptError(e));
    }
  }

  async unmount(t: MountTarget, opts: MountOptions = {}): Promise<void> {
    const m = (await this.list(opts)).find((x) => x.share === t.share && sameHost(x.host, t.host));
    if (!m) return;
    try {
      await exec('diskutil', ['unmount', m.mountPoint], { timeoutMs: opts.timeoutMs ?? 30_000, signal: opts.signal });
    } catch (err) {
      throw toMountError(err, t, [], (_o, e) => classifyOsascriptError(e));
    }
  }

  async list(opts: MountOptions = {}): Promise<MountedShare[]> {
    const r = await exec('mount', [], { timeoutMs: opts.timeoutMs ?? 15_000, signal: opts.signal });
    return parseDarwinMount(r.stdout);
  }

  /** A volume is usable when it lists within the time given. */
  async usable(m: MountedShare, opts: MountOptions = {}): Promise<boolean> {
    return readableWithin(m.mountPoint, opts.timeoutMs ?? 5000);
  }
}

/** macOS writes Bonjour names (`motoko._smb._tcp.local`) for a host configured as `motoko`. */
export function sameHost(seen: string, configured: string): boolean {
  const a = seen
    .toLowerCase()
    .replace(/\._smb\._tcp\.local$/, '')
    .replace(/\.local$/, '');
  const b = configured.toLowerCase().replace(/\.local$/, '');
  return a === b;
}
