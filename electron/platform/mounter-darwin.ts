/** macOS: `mount volume` through osascript with the script (and so the password) on stdin; shares land in /Volumes. */
import { exec } from '../../lib/exec.js';
import { assertSingleLine, smbUrl, toMountError } from './mount-common.js';
import { classifyOsascriptError, parseDarwinMount } from './parsers.js';
import type { MountedShare, Mounter, MountOptions, MountTarget, SmbCredential } from './types.js';

/** Quotes text as an AppleScript string literal. */
export function appleScriptString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The AppleScript that mounts one share and prints its POSIX path. */
export function darwinMountScript(t: MountTarget, cred: SmbCredential): string {
  return [
    `set mountedVolume to mount volume ${appleScriptString(smbUrl(t))} as user name ${appleScriptString(cred.username)} with password ${appleScriptString(cred.password)}`,
    'return POSIX path of mountedVolume',
    '',
  ].join('\n');
}

/** The Finder-native mounter. */
export class DarwinMounter implements Mounter {
  readonly os = 'darwin' as const;

  async mount(t: MountTarget, cred: SmbCredential, opts: MountOptions = {}): Promise<{ mountPoint: string }> {
    assertSingleLine(cred.password, 'password');
    const secrets = [cred.password];
    try {
      // `osascript -` reads the program from stdin, so the password is never in argv.
      const r = await exec('osascript', ['-'], { input: darwinMountScript(t, cred), secrets, timeoutMs: opts.timeoutMs ?? 30_000, signal: opts.signal });
      const path = r.stdout.trim().replace(/\/+$/, '');
      return { mountPoint: path || `/Volumes/${t.share}` };
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
}

/** macOS writes Bonjour names (`motoko._smb._tcp.local`) for a host configured as `motoko`. */
export function sameHost(seen: string, configured: string): boolean {
  const a = seen.toLowerCase().replace(/\._smb\._tcp\.local$/, '').replace(/\.local$/, '');
  const b = configured.toLowerCase().replace(/\.local$/, '');
  return a === b;
}
