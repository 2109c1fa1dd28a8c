/** Faults with real restic and s3rver over TLS: a lock a live restic holds, cancel, and a helper killed mid-backup. */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupInstall, fillRandom, JobHarness, type TestSecrets } from './support/backup-env.js';
import { ORIGINAL_PATH, resticHand as hand, s3Locks } from './support/restic-hand.js';
import { startS3rver, type S3Server } from './support/s3rver.js';

const ROOT = join(__dirname, '..');
let tmp: string;
let s3: S3Server;
const savedPath = ORIGINAL_PATH;

function resticHand(repo: string, secrets: TestSecrets, args: string[], opts: { cacert?: string } = {}) {
  return hand(repo, secrets, args, { ...opts, home: tmp });
}

function install(name: string, backup: Record<string, unknown> = {}, secrets: Partial<TestSecrets> = {}) {
  const root = join(tmp, name);
  mkdirSync(root, { recursive: true });
  return backupInstall(root, { repository: s3.repository(name), caCert: s3.certFile, ...backup }, secrets);
}

/** What the process a lock names is now (a failure seen once under a full suite's load: a zombie? a reused PID?). */
function lockHolder(error: string | null | undefined): string {
  const pid = /PID (\d+)/.exec(error ?? '')?.[1];
  if (!pid) return '';
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return ` [PID ${pid} now: ${/^State:.*$/m.exec(status)?.[0]}, ${/^PPid:.*$/m.exec(status)?.[0]}, ${cmd}]`;
  } catch {
    return ` [PID ${pid} is gone now]`;
  }
}

/** The environment of a restic the test starts by hand on repository `name` (its own cache, the test's S3 keys). */
function holderEnv(name: string, secrets: TestSecrets): NodeJS.ProcessEnv {
  return {
    PATH: savedPath,
    HOME: tmp,
    RESTIC_REPOSITORY: s3.repository(name),
    RESTIC_PASSWORD: secrets.password,
    RESTIC_CACHE_DIR: join(tmp, `${name}-cache`),
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'x',
  };
}

/** A repository `name` with one backup of two small files, and a harness on it that the caller closes. */
async function backedUp(name: string, lockRetry: { attempts: number; delay: string }) {
  const { config, space, secrets } = install(name, { initIfMissing: true, lockRetry });
  fillRandom(space, 2, 5_000);
  const h = new JobHarness(config);
  try {
    expect((await h.run('backup')).status).toBe('succeeded');
  } catch (err) {
    await h.close();
    throw err;
  }
  return { h, secrets };
}

/** The repository's lock files once there is one (or none after 10 s). */
async function waitForLocks(name: string): Promise<string[]> {
  let locks: string[] = [];
  for (let i = 0; i < 400 && locks.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 25));
    locks = s3Locks(s3.dataDir, s3.bucket, name);
  }
  return locks;
}

/** A live restic that holds a lock on `name`: a backup reading stdin, which ends when its stdin does. */
function startLockHolder(name: string, secrets: TestSecrets) {
  return spawn(
    '/usr/bin/restic',
    ['--cacert', s3.certFile, '-o', 's3.bucket-lookup=path', 'backup', '--stdin', '--stdin-filename', 'held.txt'],
    { env: holderEnv(name, secrets), stdio: ['pipe', 'ignore', 'pipe'] },
  );
}

/** Whether any process of the group (zombies included: kill(2) still finds them) is left. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'fts-backup-'));
  s3 = await startS3rver(tmp);
  process.env.FTS_TEST_INHERITED_SECRET = 'inherited-secret-must-not-reach-restic';
});
afterAll(async () => {
  process.env.PATH = ORIGINAL_PATH;
  delete process.env.FTS_TEST_INHERITED_SECRET;
  await s3?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('restic faults', () => {
  it('waits for a lock a live restic holds, never removes it, and reports it when it stays', async () => {
    const { h, secrets } = await backedUp('locked', { attempts: 2, delay: '200ms' });
    try {
      // A live restic (a backup reading stdin that has not ended) holds a lock; check needs an exclusive one.
      const holder = startLockHolder('locked', secrets);
      const locks = await waitForLocks('locked');
      expect(locks).toHaveLength(1);
      const r = await h.run('check');
      expect(r.status).toBe('failed');
      expect(r.error).toMatch(new RegExp(`^the repository is locked by another restic \\(PID ${holder.pid} on `));
      // The final reason says what was tried and what to do; nothing promises a retry that will not come.
      expect(r.error).toContain(
        `, still after 2 tries 200 ms apart: it is \`restic backup\` on this server; if no backup, check or restore of yours is running, stop it: kill -INT ${holder.pid}; the next scheduled run tries again`,
      );
      const log = h.store.runs.log(r.id);
      expect(log).toContain('removing stale locks');
      expect(log).toContain('try 1 of 2');
      expect(log).toContain('looking for stale locks again');
      // restic says "successfully removed locks" even when it removed none: the log says what was counted.
      expect(log).toContain('no stale lock: the lock is held by a restic that still runs');
      expect(log).not.toContain('successfully removed');
      // restic's advice to run `restic unlock` by hand is not passed on: the helper does it, and it frees no live lock.
      expect(log).not.toContain('`unlock` command');
      // While it waits, the run says why (the dashboard's progress line, the CLI's output).
      const waits = h.eventsOf(r.id).filter((e) => e.type === 'backup.progress' && e.data.waiting);
      expect(waits).toHaveLength(1);
      expect(waits[0]!.data).toMatchObject({
        waiting: expect.stringMatching(
          new RegExp(
            `^the repository is locked by another restic \\(PID ${holder.pid} on .*try 1 of 2, trying again in 200 ms$`,
          ),
        ),
      });
      expect(s3Locks(s3.dataDir, s3.bucket, 'locked')).toEqual(locks);
      holder.stdin!.end('held data\n');
      const code = await new Promise<number | null>((res) => holder.on('exit', res));
      expect(code).toBe(0);
      const again = await h.run('check');
      expect(again.status, again.error ?? '').toBe('succeeded');
    } finally {
      await h.close();
    }
  });

  it('a holder that ends while the run waits: the next try goes ahead, and the log says the lock is gone', async () => {
    // Tries enough for the holder's own end to take 10 s on a busy machine; the run goes ahead at the first after it.
    const { h, secrets } = await backedUp('ended', { attempts: 6, delay: '2s' });
    try {
      const holder = startLockHolder('ended', secrets);
      expect(await waitForLocks('ended')).toHaveLength(1);
      const { runId, done } = h.jobs.runner.start('check', 'manual');
      // Once the run says it waits, the holder finishes its backup and takes its lock away.
      for (let i = 0; i < 400 && !h.eventsOf(runId).some((e) => e.type === 'backup.progress' && e.data.waiting); i++)
        await new Promise((r) => setTimeout(r, 25));
      holder.stdin!.end('held data\n');
      expect(await new Promise<number | null>((res) => holder.on('exit', res))).toBe(0);
      const r = await done;
      expect(r.status, r.error ?? '').toBe('succeeded');
      const log = h.store.runs.log(runId);
      expect(log).toContain('no lock left: its holder has ended');
      expect(log).not.toContain('the 0 locks');
    } finally {
      await h.close();
    }
  });

  it('a lock left by a restic killed a moment ago (a zombie not yet reaped) is removed on a later try', async () => {
    const { h, secrets } = await backedUp('zombie', { attempts: 3, delay: '3s' });
    try {
      // restic runs as the child of a `sleep` that never reaps it: killed, it stays a zombie until sleep ends
      // (2 s), and a zombie answers kill(pid, 0) as if alive, so restic's own stale-lock test calls it live.
      const parent = spawn(
        '/bin/sh',
        [
          '-c',
          'restic --cacert "$CACERT" -o s3.bucket-lookup=path backup --stdin --stdin-filename held.txt 0<&3 & echo $!; exec sleep 2',
        ],
        {
          env: { ...holderEnv('zombie', secrets), CACERT: s3.certFile },
          stdio: ['ignore', 'pipe', 'ignore', 'pipe'],
        },
      );
      const resticPid = Number(
        await new Promise<string>((res) => parent.stdout!.once('data', (d: Buffer) => res(d.toString()))),
      );
      expect(await waitForLocks('zombie')).toHaveLength(1);
      process.kill(resticPid, 'SIGKILL');
      for (let i = 0; i < 100 && !/State:\s+Z/.test(readFileSync(`/proc/${resticPid}/status`, 'utf8')); i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(readFileSync(`/proc/${resticPid}/status`, 'utf8')).toMatch(/State:\s+Z/);
      const r = await h.run('check');
      expect(r.status, r.error ?? '').toBe('succeeded');
      expect(h.store.runs.log(r.id)).toContain('removing stale locks');
      expect(h.store.runs.log(r.id)).toContain('removed 1 stale lock');
      expect(s3Locks(s3.dataDir, s3.bucket, 'zombie')).toEqual([]);
      parent.stdio[3]?.destroy();
    } finally {
      await h.close();
    }
  });

  it('cancel stops restic with SIGINT: the run is cancelled and restic removed its lock', async () => {
    const { config, space } = install('cancel', { initIfMissing: true, limitUpload: 512 });
    fillRandom(space, 4, 1_000_000);
    const h = new JobHarness(config);
    try {
      const { runId, done } = h.jobs.runner.start('backup', 'manual');
      // Wait for restic's first progress line: the backup is under way and holds its lock.
      for (let i = 0; i < 300 && !h.eventsOf(runId).some((e) => e.type === 'backup.progress'); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(h.eventsOf(runId).some((e) => e.type === 'backup.progress')).toBe(true);
      h.jobs.runner.cancel(runId);
      const r = await done;
      expect(r.status).toBe('cancelled');
      expect(h.eventsOf(runId).at(-1)).toMatchObject({
        type: 'backup.failed',
        data: { cancelled: true, reason: 'backup cancelled' },
      });
      expect(s3Locks(s3.dataDir, s3.bucket, 'cancel')).toEqual([]);
      expect(h.store.jobLocks.list()).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('after the helper is killed with -9 mid-backup, the next run succeeds and restic check passes', async () => {
    const slow = install('killed', { initIfMissing: true, limitUpload: 512 });
    fillRandom(slow.space, 4, 1_000_000);
    const cfgFile = join(tmp, 'killed', 'helper.yaml');
    const { stringify } = await import('yaml');
    writeFileSync(cfgFile, stringify(slow.config));
    const helper = spawn(
      process.execPath,
      [join(ROOT, 'bin', 'fts-helper.mjs'), 'backup', 'run', '--config', cfgFile],
      {
        env: { ...process.env },
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
      },
    );
    let err = '';
    helper.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    // Wait until restic has started uploading (its progress shows in the helper's output).
    for (let i = 0; i < 400 && !/\d+%\s+\d+/.test(err.replace(/^0%.*$/m, '')); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(err).toMatch(/backup of .* started/);
    // The whole group: the helper and the restic it started die at once, as in a power cut of the process tree.
    process.kill(-helper.pid!, 'SIGKILL');
    await new Promise((r) => helper.on('exit', r));
    // The restic it started is reparented and reaped a moment later; "the next run" comes after that, as it
    // would after a real crash (the zombie case on its own is the test above).
    for (let i = 0; i < 600 && groupAlive(helper.pid!); i++) await new Promise((r) => setTimeout(r, 50));

    const h = new JobHarness({ ...slow.config, backup: { ...slow.config.backup!, limitUpload: undefined } });
    try {
      const killed = h.store.runs.list({ job: 'backup' })[0]!;
      expect(killed).toMatchObject({ status: 'failed', error: expect.stringContaining('interrupted') });
      const next = await h.run('backup');
      expect(next.status, `${next.error ?? ''}${lockHolder(next.error)}`).toBe('succeeded');
      const check = await h.run('check');
      expect(check.status, check.error ?? '').toBe('succeeded');
      const hand = resticHand(s3.repository('killed'), slow.secrets, ['check', '--read-data'], { cacert: s3.certFile });
      expect(hand.code, hand.out).toBe(0);
    } finally {
      await h.close();
    }
    // A helper started through tsx, a restic upload throttled to 512 KiB/s and two full runs: over a minute
    // when the machine is busy.
  }, 180_000);
});
