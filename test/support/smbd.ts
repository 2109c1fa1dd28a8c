/**
 * A real smbd on loopback with a private configuration (see shared/TOOLBOX.md): absolute paths,
 * a random port, its own passdb. Tests add users and shares, then talk to it with smbclient.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { requireBinaries, requireRoot } from './require.js';

/** A share for the test server. */
export interface TestShare {
  name: string;
  path: string;
  extra?: string;
}

/** A running smbd. */
export interface TestSmbd {
  dir: string;
  port: number;
  /** The main smb.conf (it `include`s `includeFile`, which starts empty). */
  conf: string;
  includeFile: string;
  /** Adds (or re-passwords) a Unix + Samba user; the password goes to smbpasswd on stdin. */
  addUser(name: string, password: string): void;
  /** Runs smbclient against a share with an auth file (no password in argv); returns exit code and output. */
  smbclient(share: string, user: string, password: string, command: string): { code: number; out: string };
  /** Tells smbd to re-read its configuration. */
  reload(): void;
  stop(): Promise<void>;
  /** Starts smbd again after stop() (same port, same config). */
  restart(): Promise<void>;
}

/** Creates a Unix user with no login shell when missing (smbd needs one per Samba user). */
export function ensureUnixUser(name: string): void {
  if (spawnSync('id', ['-u', name]).status === 0) return;
  execFileSync('useradd', ['-M', '-s', '/usr/sbin/nologin', name], { stdio: 'ignore' });
}

/** A private [global] for smbd on loopback with every state folder under dir; `includeFile` adds its include line. */
export function privateGlobal(dir: string, port: number, includeFile?: string): string {
  return `[global]
   server role = standalone server
   smb ports = ${port}
   interfaces = lo
   bind interfaces only = yes
   disable netbios = yes
   lock directory = ${dir}/lock
   state directory = ${dir}/state
   cache directory = ${dir}/cache
   pid directory = ${dir}/pid
   private dir = ${dir}/private
   ncalrpc dir = ${dir}/ncalrpc
   passdb backend = tdbsam:${dir}/private/passdb.tdb
   log file = ${dir}/log.%m
   map to guest = never
   restrict anonymous = 2
${includeFile ? `   include = ${includeFile}\n` : ''}`;
}

/** Makes the state folders privateGlobal names under dir (dir itself must be reachable: 0755). */
export function makePrivateDirs(dir: string): void {
  chmodSync(dir, 0o755);
  for (const d of ['lock', 'state', 'cache', 'pid', 'private', 'ncalrpc']) mkdirSync(join(dir, d), { recursive: true });
}

/**
 * Starts smbd with the given shares (written into the main config) on a free port; or, with `existing`, on a
 * configuration already written (privateGlobal's [global], e.g. by an install under test) without touching it.
 */
export async function startSmbd(
  opts: { shares?: TestShare[]; existing?: { conf: string; dir: string; port: number; includeFile: string } } = {},
): Promise<TestSmbd> {
  requireRoot('smbd on loopback');
  requireBinaries('/usr/sbin/smbd', '/usr/bin/smbclient', '/usr/bin/smbpasswd');
  let dir: string;
  let port: number;
  let conf: string;
  let includeFile: string;
  if (opts.existing) {
    ({ dir, port, conf, includeFile } = opts.existing);
  } else {
    dir = mkdtempSync(join(tmpdir(), 'fts-smbd-'));
    makePrivateDirs(dir);
    port = await freePort();
    conf = join(dir, 'smb.conf');
    includeFile = join(dir, 'fts-shares.conf');
    writeFileSync(includeFile, '');
    const shares = (opts.shares ?? [])
      .map((s) => `\n[${s.name}]\n   path = ${s.path}\n   read only = no\n   guest ok = no\n${s.extra ?? ''}`)
      .join('');
    writeFileSync(conf, privateGlobal(dir, port, includeFile) + shares);
  }
  let proc: ChildProcess | null = null;

  const launch = async () => {
    // Never --no-process-group: its SIGTERM would kill the test runner's group.
    proc = spawn('smbd', ['-F', '--debug-stdout', '-d1', '-s', conf], { stdio: ['ignore', 'ignore', 'ignore'] });
    await waitForPort(port, 10_000);
  };

  const stopNow = async () => {
    const p = proc;
    proc = null;
    if (p && p.exitCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (p.exitCode === null) p.kill('SIGKILL');
    }
    const dcerpc = join(dir, 'pid', 'samba-dcerpcd.pid');
    if (existsSync(dcerpc)) {
      const pid = Number(readFileSync(dcerpc, 'utf8').trim());
      if (pid > 0)
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
    }
  };

  await launch();
  const server: TestSmbd = {
    dir,
    port,
    conf,
    includeFile,
    addUser(name, password) {
      ensureUnixUser(name);
      execFileSync('smbpasswd', ['-c', conf, '-s', '-a', name], {
        input: `${password}\n${password}\n`,
        stdio: ['pipe', 'ignore', 'pipe'],
      });
    },
    smbclient(share, user, password, command) {
      const auth = join(dir, `auth-${process.pid}-${Math.random().toString(36).slice(2)}`);
      writeFileSync(auth, `username = ${user}\npassword = ${password}\ndomain = WORKGROUP\n`, { mode: 0o600 });
      try {
        const r = spawnSync(
          'smbclient',
          [`//127.0.0.1/${share}`, '-p', String(port), '-A', auth, '-s', conf, '-c', command],
          { encoding: 'utf8', timeout: 20_000 },
        );
        return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
      } finally {
        rmSync(auth, { force: true });
      }
    },
    reload() {
      execFileSync('smbcontrol', ['-s', conf, 'smbd', 'reload-config'], { stdio: 'ignore' });
    },
    async stop() {
      await stopNow();
    },
    async restart() {
      await launch();
    },
  };
  return server;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    // The port opens a moment before smbd serves sessions; a short pause avoids a first-request race.
    if (ok) return new Promise((r) => setTimeout(r, 300));
    if (Date.now() > deadline) throw new Error(`smbd did not open port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
