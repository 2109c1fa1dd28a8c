/**
 * A private desktop session for one test file: its own D-Bus daemon, an unlocked gnome-keyring on it, and
 * gvfsd with its FUSE view under a private XDG_RUNTIME_DIR. It sets DBUS_SESSION_BUS_ADDRESS and
 * XDG_RUNTIME_DIR in process.env (test files run in separate processes), so keychain and gio use it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinaries } from './require.js';

/** A running session. */
export interface DesktopSession {
  runtimeDir: string;
  busAddress: string;
  stop(): Promise<void>;
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function killGroup(p: ChildProcess | null): void {
  if (!p?.pid) return;
  try {
    process.kill(-p.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
}

/** Starts the session; `gvfs` adds gvfsd (for gio mount), `keyring` adds gnome-keyring's Secret Service. */
export async function startDesktopSession(opts: { gvfs?: boolean; keyring?: boolean } = {}): Promise<DesktopSession> {
  requireBinaries('/usr/bin/gio', '/usr/bin/gnome-keyring-daemon');
  if (!existsSync('/usr/bin/dbus-daemon'))
    throw new Error('missing /usr/bin/dbus-daemon: install with `apt-get install -y dbus`');
  const dir = mkdtempSync(join(tmpdir(), 'fts-session-'));
  const runtimeDir = join(dir, 'run');
  spawnSync('mkdir', ['-m', '700', runtimeDir]);
  chmodSync(runtimeDir, 0o700);
  const dataHome = join(dir, 'data');
  const bus = spawn(
    'dbus-daemon',
    ['--session', '--nofork', '--nopidfile', '--print-address=1', `--address=unix:path=${join(dir, 'bus')}`],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
      env: { ...process.env, XDG_RUNTIME_DIR: runtimeDir, XDG_DATA_HOME: dataHome },
    },
  );
  const busAddress = await new Promise<string>((resolve, reject) => {
    let buf = '';
    bus.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      if (buf.includes('\n')) resolve(buf.trim().split('\n')[0]!);
    });
    bus.once('exit', () => reject(new Error('dbus-daemon exited')));
  });
  process.env.DBUS_SESSION_BUS_ADDRESS = busAddress;
  process.env.XDG_RUNTIME_DIR = runtimeDir;
  process.env.XDG_DATA_HOME = dataHome;
  const env = { ...process.env };
  let keyring: ChildProcess | null = null;
  let gvfsd: ChildProcess | null = null;
  if (opts.keyring !== false) {
    keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
      env,
    });
    // The unlock password only protects this throw-away keyring.
    keyring.stdin!.end('test-keyring');
    await waitFor(
      () =>
        spawnSync(
          'dbus-send',
          [
            '--session',
            '--print-reply',
            '--dest=org.freedesktop.DBus',
            '/org/freedesktop/DBus',
            'org.freedesktop.DBus.NameHasOwner',
            'string:org.freedesktop.secrets',
          ],
          { env, encoding: 'utf8' },
        ).stdout.includes('true'),
      10_000,
      'gnome-keyring',
    );
  }
  if (opts.gvfs) {
    gvfsd = spawn('/usr/libexec/gvfsd', [], { stdio: 'ignore', detached: true, env });
    await waitFor(() => existsSync(join(runtimeDir, 'gvfs')), 10_000, 'gvfsd-fuse');
  }
  return {
    runtimeDir,
    busAddress,
    async stop() {
      if (gvfsd) spawnSync('fusermount3', ['-u', '-z', join(runtimeDir, 'gvfs')], { stdio: 'ignore' });
      for (const p of [gvfsd, keyring, bus]) killGroup(p);
      await new Promise((r) => setTimeout(r, 100));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
