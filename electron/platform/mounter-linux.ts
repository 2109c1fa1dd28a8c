/** Linux: gvfs through `gio mount`, the credential on stdin; mounted shares appear under $XDG_RUNTIME_DIR/gvfs. */
import { exec, ExecError } from '../../lib/exec.js';
import { assertSingleLine, smbUrl, toMountError } from './mount-common.js';
import { classifyGioError, gvfsMountPoint, parseGioMountList } from './parsers.js';
import { readableWithin, untilReadable } from './usable.js';
import {
  MountError,
  type MountedShare,
  type Mounter,
  type MountOptions,
  type MountTarget,
  type SmbCredential,
} from './types.js';

/** The gvfs mounter. */
export class LinuxMounter implements Mounter {
  readonly os = 'linux' as const;
  constructor(private readonly runtimeDir: string) {}

  async mount(t: MountTarget, cred: SmbCredential, opts: MountOptions = {}): Promise<{ mountPoint: string }> {
    assertSingleLine(cred.username, 'user name');
    assertSingleLine(cred.password, 'password');
    const secrets = [cred.password];
    try {
      // gio asks for user, domain and password in that order when the server wants them.
      await exec('gio', ['mount', smbUrl(t)], {
        input: `${cred.username}\n${t.workgroup}\n${cred.password}\n`,
        secrets,
        timeoutMs: opts.timeoutMs ?? 30_000,
        signal: opts.signal,
      });
    } catch (err) {
      if (!(err instanceof ExecError && /already mounted/i.test(err.stderr)))
        throw toMountError(err, t, secrets, classifyGioError);
    }
    const mountPoint = gvfsMountPoint(this.runtimeDir, t.host, t.port, t.share);
    // Mounted means a person can open it: gvfs's FUSE folder can lag behind `gio mount` (see untilReadable).
    if (!(await untilReadable(mountPoint, Math.min(opts.timeoutMs ?? 30_000, 10_000)))) {
      throw new MountError('unknown', `${t.share} was mounted, but its folder ${mountPoint} cannot be read`);
    }
    return { mountPoint };
  }

  async unmount(t: MountTarget, opts: MountOptions = {}): Promise<void> {
    const mounted = await this.list(opts);
    if (!mounted.some((m) => m.host === t.host && m.share === t.share)) return;
    try {
      await exec('gio', ['mount', '-u', smbUrl(t)], { timeoutMs: opts.timeoutMs ?? 30_000, signal: opts.signal });
    } catch (err) {
      throw toMountError(err, t, [], classifyGioError);
    }
  }

  async list(opts: MountOptions = {}): Promise<MountedShare[]> {
    const r = await exec('gio', ['mount', '-l'], { timeoutMs: opts.timeoutMs ?? 15_000, signal: opts.signal });
    return parseGioMountList(r.stdout, this.runtimeDir);
  }

  /** A gvfs mount is usable when its FUSE folder lists (gvfs answers EIO while its server is away). */
  async usable(m: MountedShare, opts: MountOptions = {}): Promise<boolean> {
    return readableWithin(m.mountPoint, opts.timeoutMs ?? 5000);
  }
}
