/**
 * Mounts that recover by themselves, with gvfs against a real smbd: the manager's health passes (on its own timer,
 * no user action) show a share whose server went away as unreachable, and as mounted and readable again once the
 * server is back; a share the OS dropped (its gvfs backend died) is mounted again; a share listed but dead while the
 * server answers is repaired (unmount + mount). The time from smbd answering again to the share being mounted and
 * readable is measured and printed (the README's bound).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MountManager } from '../../electron/core/mount-all.js';
import { LinuxMounter } from '../../electron/platform/mounter-linux.js';
import type { MountedShare, Mounter, MountOptions, MountTarget, SmbCredential } from '../../electron/platform/index.js';
import { startDesktopSession, type DesktopSession } from '../support/desktop-session.js';
import { startSmbd, type TestSmbd } from '../support/smbd.js';
import { shareDirs } from './support.js';

const USER = 'ftsrecover';
const PASSWORD = 'recover-Pw-5521';
let session: DesktopSession;
let smbd: TestSmbd;
let root: string;
const managers: MountManager[] = [];

/** The real gvfs mounter; `dead` shares answer "not usable" once, as a mount with a dead session would. */
class WatchedMounter implements Mounter {
  readonly os = 'linux' as const;
  readonly inner: LinuxMounter;
  readonly dead = new Set<string>();
  readonly calls: string[] = [];
  constructor(runtimeDir: string) {
    this.inner = new LinuxMounter(runtimeDir);
  }
  mount(t: MountTarget, c: SmbCredential, o?: MountOptions) {
    this.calls.push(`mount ${t.share}`);
    return this.inner.mount(t, c, o);
  }
  unmount(t: MountTarget, o?: MountOptions) {
    this.calls.push(`unmount ${t.share}`);
    return this.inner.unmount(t, o);
  }
  list(o?: MountOptions) {
    return this.inner.list(o);
  }
  async usable(m: MountedShare, o?: MountOptions) {
    if (this.dead.delete(m.share)) return false;
    return this.inner.usable(m, o);
  }
}

function manager(mounter: Mounter, shares = ['flux']) {
  const m = new MountManager({
    mounter,
    credentials: {
      smb: async () => ({ username: USER, password: PASSWORD }),
      refreshSmb: async () => ({ username: USER, password: PASSWORD }),
    },
    server: { host: '127.0.0.1', smbPort: smbd.port, workgroup: 'WORKGROUP' },
    shares: shares.map((name) => ({ name, mount: true })),
    autoRetry: false,
    retries: 0,
    timeoutMs: 60_000,
    // The product's cadence (ClientConfig mount.healthCheck / mount.recheck): what the measured bound depends on.
    healthIntervalMs: 30_000,
    degradedIntervalMs: 3000,
  });
  managers.push(m);
  return m;
}

/** The gvfsd-smb backends of this test's D-Bus session (the test may kill only its own). */
function ownSmbBackends(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('gvfsd-smb')) continue;
      if (
        readFileSync(`/proc/${entry}/environ`, 'utf8')
          .split('\0')
          .includes(`DBUS_SESSION_BUS_ADDRESS=${session.busAddress}`)
      )
        pids.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

beforeAll(async () => {
  session = await startDesktopSession({ gvfs: true, keyring: false });
  root = mkdtempSync(join(tmpdir(), 'fts-recover-'));
  chmodSync(root, 0o755);
  smbd = await startSmbd({ shares: shareDirs(root, ['flux', 'space']) });
  smbd.addUser(USER, PASSWORD);
  writeFileSync(join(root, 'flux', 'note.txt'), 'still here');
  writeFileSync(join(root, 'space', 'note.txt'), 'archived');
});

afterAll(async () => {
  for (const m of managers) {
    m.dispose();
    await m.unmount().catch(() => undefined);
  }
  await smbd?.stop();
  await session?.stop();
});

describe('mounts that recover by themselves (gvfs, real smbd)', { timeout: 180_000 }, () => {
  it('smbd stops while mounted: the share shows as unreachable; smbd starts again: mounted and readable, no user action', async () => {
    const mounter = new WatchedMounter(session.runtimeDir);
    const m = manager(mounter);
    const [flux] = await m.mountAll();
    expect(flux).toMatchObject({ state: 'mounted' });
    const point = flux!.mountPoint!;
    expect(await readFile(join(point, 'note.txt'), 'utf8')).toBe('still here');
    m.watch();

    await smbd.stop();
    // The next health pass (the timer's; called here so the test need not wait out 30 s) sees the dead mount.
    await m.checkHealth();
    expect(m.states()[0]).toMatchObject({ state: 'error', errorCode: 'server-unreachable' });
    expect(m.states()[0]!.errorMessage).toContain('comes back by itself');

    await smbd.restart();
    const back = performance.now();
    // Nobody calls the manager now: its own passes bring the share back.
    await expect.poll(() => m.states()[0]!.state, { timeout: 60_000, interval: 50 }).toBe('mounted');
    const recoveredMs = performance.now() - back;
    expect(await readFile(join(m.states()[0]!.mountPoint!, 'note.txt'), 'utf8')).toBe('still here');
    console.log(
      `recovery: share mounted and readable ${Math.round(recoveredMs)} ms after smbd answered again (recheck every 3 s)`,
    );
  });

  it('the OS drops a mount (its gvfs backend died): the next pass mounts it again', async () => {
    const mounter = new WatchedMounter(session.runtimeDir);
    const m = manager(mounter, ['space']);
    expect((await m.mountAll())[0]).toMatchObject({ state: 'mounted' });
    const backends = ownSmbBackends();
    expect(backends.length).toBeGreaterThan(0);
    for (const pid of backends) process.kill(pid, 'SIGKILL');
    await expect.poll(async () => (await mounter.list()).length, { timeout: 10_000 }).toBe(0);
    mounter.calls.length = 0;
    await m.checkHealth();
    expect(mounter.calls).toContain('mount space');
    await expect.poll(() => m.states()[0]!.state, { timeout: 60_000 }).toBe('mounted');
    await expect
      .poll(() => readFile(join(m.states()[0]!.mountPoint!, 'note.txt'), 'utf8').catch(() => null), { timeout: 30_000 })
      .toBe('archived');
  });

  it('listed but dead while the server answers: repaired by unmount and mount', async () => {
    const mounter = new WatchedMounter(session.runtimeDir);
    const m = manager(mounter);
    expect((await m.mountAll())[0]).toMatchObject({ state: 'mounted' });
    mounter.dead.add('flux');
    mounter.calls.length = 0;
    await m.checkHealth();
    expect(mounter.calls).toEqual(['unmount flux', 'mount flux']);
    expect(m.states()[0]).toMatchObject({ state: 'mounted' });
    await expect
      .poll(() => readFile(join(m.states()[0]!.mountPoint!, 'note.txt'), 'utf8').catch(() => null), { timeout: 30_000 })
      .toBe('still here');
    // smbd saw a new session for it (the old one was dropped with the unmount).
    expect(execFileSync('smbstatus', ['-s', smbd.conf, '-b'], { encoding: 'utf8' })).toContain(USER);
  });
});
