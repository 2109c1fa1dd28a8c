/**
 * A household in one test: the seed's household lived on this machine, every part real except the Mac and the
 * cloud. install-server.sh into a scratch root (three loop-mounted ext4 disks labelled flux, time and space), a
 * private smbd and fts-helper serve started from what it wrote (no systemd here: loopback ports), samba apply,
 * samba users add alice and bob (passwords on stdin), clients pair count-zero, then a client core with gvfs and
 * the local Key Vault: the pairing string in, Mount all → three shares; alice writes in flux, bob edits, the file
 * is made old, the graduation job moves it, alice reads it through the space mount, the client shows exactly one
 * "Graduated" notification; a backup to an S3 server over TLS, the file restored byte-identical; the rotation job;
 * the next mount fetches the new password and succeeds. Each step prints what it did, so a failure names it.
 *
 * Run only this: npm test -- test/household-journey.test.ts
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { get as httpsGet, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import type { FtsEvent, JobRun } from '../contract/index.js';
import { decodePairing, sambaPasswordSecret } from '../contract/secrets.js';
import { ClientCore } from '../electron/core/client.js';
import { pairingConfig, parseClientConfig } from '../electron/core/config.js';
import { KEYCHAIN_KEYS, KeyVaultSecrets } from '../electron/core/credentials.js';
import { NotificationModel, type Notification } from '../electron/core/notifications.js';
import { LinuxMounter } from '../electron/platform/mounter-linux.js';
import { installServerInto } from './support/install-server.js';
import { sha256 } from './support/backup-env.js';
import { startDesktopSession, type DesktopSession } from './support/desktop-session.js';
import { startEntra, type TestEntra } from './support/entra.js';
import { startKeyVault, type TestKeyVault } from './support/keyvault.js';
import { freePort } from './support/ports.js';
import { requireBinaries, requireRoot } from './support/require.js';
import { startS3rver, type S3Server } from './support/s3rver.js';
import { makePrivateDirs, privateGlobal, startSmbd, type TestSmbd } from './support/smbd.js';

const repo = join(import.meta.dirname, '..');
const tag = randomBytes(2).toString('hex');
const alice = `alice-${tag}`;
const bob = `bob-${tag}`;
const group = `ftsj${tag}`;
const PW = { [alice]: `alice-Pa55-${tag}`, [bob]: `bob-Pa55-${tag}` };

let root = '';
let kv: TestKeyVault | null = null;
let entra: TestEntra | null = null;
let s3: S3Server | null = null;
let smbd: TestSmbd | null = null;
let helper: ChildProcess | null = null;
let session: DesktopSession | null = null;
let core: ClientCore | null = null;
const mounted: string[] = [];

let stepNo = 0;
/** Runs one step of the journey; prints what it did, and names the step when it fails. */
async function step<T>(what: string, fn: () => Promise<T> | T, said: (r: T) => string = () => 'done'): Promise<T> {
  const n = ++stepNo;
  const t0 = Date.now();
  try {
    const r = await fn();
    console.log(`step ${n}: ${what}: ${said(r)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return r;
  } catch (err) {
    throw new Error(`step ${n} (${what}) failed: ${(err as Error).message}`, { cause: err });
  }
}

/** fts-helper as an admin runs it: a child process (this process serves the vault, Entra and watches the rest). */
function cli(args: string[], input = ''): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(repo, 'bin/fts-helper.mjs'), ...args], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: kv!.cert.certFile },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
    p.stdin.end(input);
  });
}

async function ok(args: string[], input = ''): Promise<string> {
  const r = await cli(args, input);
  if (r.code !== 0) throw new Error(`fts-helper ${args.join(' ')} exited ${r.code}: ${r.err || r.out}`);
  return r.out;
}

/** A request to the helper's API over TLS, trusting the certificate the install made. */
function api<T>(method: string, url: string, token: string, ca: string): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method,
        ca,
        headers: {
          authorization: `Bearer ${token}`,
          ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : null) as T }));
      },
    );
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

function healthy(url: string, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsGet(`${url}/healthz`, { ca }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
  });
}

async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

afterAll(async () => {
  await core?.mounts.unmount().catch(() => undefined);
  await core?.close().catch(() => undefined);
  await session?.stop().catch(() => undefined);
  if (helper && helper.exitCode === null) {
    const gone = new Promise((r) => helper!.once('exit', r));
    helper.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
  }
  await smbd?.stop();
  await s3?.stop();
  await kv?.close();
  await entra?.close();
  for (const mp of mounted.reverse()) spawnSync('umount', [mp]);
  for (const u of [alice, bob]) spawnSync('userdel', [u]);
  spawnSync('groupdel', [group]);
  if (root) rmSync(root, { recursive: true, force: true });
}, 120_000);

describe('a household in one test', () => {
  it('from install-server.sh to a rotated password, through every part of the seed', { timeout: 900_000 }, async () => {
    requireRoot('loop-mounted disks, Unix users, smbd');
    requireBinaries(
      '/usr/sbin/smbd',
      '/usr/bin/smbclient',
      '/usr/bin/gio',
      '/usr/bin/restic',
      '/usr/sbin/mkfs.ext4',
      '/usr/bin/xmllint',
    );
    root = mkdtempSync(join(tmpdir(), 'fts-household-'));
    chmodSync(root, 0o755);
    const apiPort = await freePort();
    const smbPort = await freePort();
    const cfgFile = join(root, 'etc/fts/helper.yaml');

    await step(
      'disks',
      () => {
        for (const label of ['flux', 'time', 'space']) {
          const img = join(root, `${label}.img`);
          execFileSync('truncate', ['-s', '64M', img]);
          execFileSync('mkfs.ext4', ['-q', '-L', label, img]);
          mkdirSync(join(root, label));
          execFileSync('mount', ['-o', 'loop', img, join(root, label)]);
          mounted.push(join(root, label));
        }
      },
      () => 'three ext4 images labelled flux, time and space, loop-mounted where the install puts the shares',
    );

    const installOut = await step(
      'install-server.sh --root',
      () => installServerInto(root, { group, listen: `127.0.0.1:${apiPort}`, extra: ['--no-packages'] }),
      (out) =>
        out
          .split('\n')
          .filter((l) => /created group|fingerprint|wrote the seed/.test(l))
          .map((l) => l.replace('install-server: ', ''))
          .join('; '),
    );
    expect(installOut).toContain(`created group ${group}`);
    const helperCert = readFileSync(join(root, 'var/lib/fts/tls/helper.crt'), 'utf8');

    await step(
      'local Key Vault, Entra ID stand-in and S3 server (the cloud)',
      async () => {
        kv = await startKeyVault();
        entra = await startEntra({
          cert: kv.cert,
          tenantId: kv.tenantId,
          clientId: 'fts-helper-app',
          clientSecret: 'helper-credential',
        });
        s3 = await startS3rver(mkdtempSync(join(tmpdir(), 'fts-household-s3-')), 'household');
      },
      () => `vault ${kv!.url}, S3 on port ${s3!.port} over TLS`,
    );

    await step(
      'the admin edits the config: Key Vault, the URL clients use, the B2 (S3) bucket and keys, a margin for small disks',
      () => {
        writeFileSync(join(root, 'etc/fts/helper-credential'), 'helper-credential\n', { mode: 0o600 });
        writeFileSync(join(root, 'etc/fts/b2-key-id'), 'S3RVER\n', { mode: 0o600 });
        writeFileSync(join(root, 'etc/fts/b2-application-key'), 'S3RVER\n', { mode: 0o600 });
        const doc = parse(readFileSync(cfgFile, 'utf8')) as Record<string, Record<string, unknown>>;
        doc.api!.publicUrl = `https://127.0.0.1:${apiPort}`;
        doc.keyVault = {
          name: 'kv-miket-ops',
          url: kv!.url,
          tenantId: kv!.tenantId,
          clientId: 'fts-helper-app',
          clientAppId: 'fts-tray-app',
          clientSecretFile: join(root, 'etc/fts/helper-credential'),
          authorityHost: entra!.url,
        };
        // The test's disks are 64 MB: the default 1 GB free-space margin would keep everything in flux.
        doc.graduation!.freeSpaceMargin = '4M';
        Object.assign(doc.backup!, {
          repository: `s3:https://127.0.0.1:${s3!.port}/household/fts`,
          caCert: s3!.certFile,
        });
        writeFileSync(cfgFile, stringify(doc));
      },
    );

    await step(
      'private smbd on loopback from the installed smb.conf',
      async () => {
        const state = join(root, 'var/lib/samba-private');
        mkdirSync(state, { recursive: true });
        makePrivateDirs(state);
        writeFileSync(join(root, 'etc/samba/smb.conf'), privateGlobal(state, smbPort));
        smbd = await startSmbd({
          existing: {
            conf: join(root, 'etc/samba/smb.conf'),
            dir: state,
            port: smbPort,
            includeFile: join(root, 'etc/samba/fts-shares.conf'),
          },
        });
      },
      () => `port ${smbPort}`,
    );

    const applied = await step(
      'fts-helper samba apply',
      () => ok(['samba', 'apply', '--json', '--config', cfgFile]),
      (out) =>
        `wrote ${(JSON.parse(out) as { written: string[] }).written.map((w) => w.slice(root.length)).join(', ')}`,
    );
    expect((JSON.parse(applied) as { written: string[] }).written).toContain(
      join(root, 'etc/avahi/services/fts-helper.service'),
    );

    await step(
      'fts-helper samba users add alice and bob (passwords on stdin)',
      async () => {
        for (const u of [alice, bob])
          await ok(['samba', 'users', 'add', u, '--password-stdin', '--config', cfgFile], `${PW[u]}\n`);
        for (const u of [alice, bob])
          if (kv!.get(sambaPasswordSecret(u)) !== PW[u]) throw new Error(`Key Vault does not hold ${u}'s password`);
      },
      () => `${alice} and ${bob} in ${group}, their passwords in Key Vault, their own Time Machine folders`,
    );

    const pairing = await step(
      'fts-helper clients pair count-zero --user alice',
      async () =>
        /^\s*(fts1:\S+)$/m.exec(await ok(['clients', 'pair', 'count-zero', '--user', alice, '--config', cfgFile]))![1]!,
      (p) => `${p.slice(0, 24)}…`,
    );

    const adminToken = await step(
      'fts-helper token create admin, then fts-helper serve',
      async () => {
        const token = (await ok(['token', 'create', 'admin', '--role', 'admin', '--config', cfgFile])).trim();
        helper = spawn(process.execPath, [join(repo, 'bin/fts-helper.mjs'), 'serve', '--config', cfgFile], {
          env: { ...process.env, NODE_EXTRA_CA_CERTS: kv!.cert.certFile },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        helper.stderr!.on('data', (c: Buffer) => (err += c.toString()));
        await until(
          'the helper answering /healthz',
          async () =>
            helper!.exitCode !== null
              ? Promise.reject(new Error(`serve exited: ${err}`))
              : healthy(`https://127.0.0.1:${apiPort}`, helperCert),
          60_000,
        );
        return token;
      },
      () => `https://127.0.0.1:${apiPort}`,
    );
    const helperUrl = `https://127.0.0.1:${apiPort}`;
    const runJob = async (name: string): Promise<JobRun> => {
      const started = await api<JobRun>('POST', `${helperUrl}/api/v1/jobs/${name}/run`, adminToken, helperCert);
      if (started.status !== 200 && started.status !== 202)
        throw new Error(`POST /jobs/${name}/run: ${started.status} ${JSON.stringify(started.body)}`);
      return until(`the ${name} run ending`, async () => {
        const runs = await api<JobRun[]>('GET', `${helperUrl}/api/v1/runs?job=${name}`, adminToken, helperCert);
        const run = runs.body.find((r) => r.id === started.body.id);
        return run && !['queued', 'running'].includes(run.status) ? run : null;
      });
    };

    const shown: Notification[] = [];
    const mounts = await step(
      'count-zero: the pairing string in, Mount all',
      async () => {
        session = await startDesktopSession({ gvfs: true, keyring: true });
        const info = decodePairing(pairing);
        // The pairing string gives the vault, tenant, app and client id; everything else the tray reads from Key Vault
        // under the contract's names (the helper's URL, pin and token, this client's Samba user and its password).
        // Only the person's Entra sign-in is a stand-in: a fixed bearer token the local vault accepts.
        const token = { getToken: async () => ({ token: 'count-zero-user', expiresOnTimestamp: Date.now() + 3600e3 }) };
        const vault = new KeyVaultSecrets(info.vaultUrl!, token, { ca: kv!.cert.cert });
        const config = parseClientConfig(
          JSON.stringify({
            ...pairingConfig(info),
            server: { host: '127.0.0.1', smbPort },
            helper: { heartbeat: '5s' },
            mount: { timeout: '60s', retries: 0 },
            keychain: { service: `fts-household-${tag}` },
          }),
        );
        core = new ClientCore(config, {
          vault: async () => vault,
          mounter: new LinuxMounter(session.runtimeDir),
          mountOptions: { autoRetry: false },
          host: { hostName: 'count-zero', os: 'linux', osVersion: 'test' },
        });
        const model = new NotificationModel();
        core
          .link({
            onEvent: (e: FtsEvent) => {
              const n = model.ingest(e);
              if (n) shown.push(n);
            },
          })
          .start();
        const states = await core.mounts.mountAll();
        const bad = states.filter((s) => s.state !== 'mounted');
        if (bad.length) throw new Error(`not mounted: ${JSON.stringify(bad)}`);
        return Object.fromEntries(states.map((s) => [s.share, s.mountPoint!]));
      },
      (m) => `${Object.keys(m).join(', ')} mounted as ${alice}`,
    );
    expect(Object.keys(mounts)).toEqual(['flux', 'time', 'space']);
    await step(
      'the client is linked to the helper (pinned certificate, bound token)',
      () => until('the link connected', async () => core!.link().current.state === 'connected', 60_000),
      () => 'connected',
    );

    const onDisk = join(root, 'flux', 'Budget 2026.txt');
    await step(
      'alice writes a file in flux through the mount',
      () => writeFileSync(join(mounts.flux!, 'Budget 2026.txt'), 'rent 1200\n'),
      () => `${onDisk.slice(root.length)} on the server`,
    );
    expect(readFileSync(onDisk, 'utf8')).toBe('rent 1200\n');

    await step(
      'bob edits it (his own SMB session)',
      () => {
        const local = join(root, 'bob-edit.txt');
        writeFileSync(local, 'rent 1200\nheating 80\n');
        const r = smbd!.smbclient('flux', bob, PW[bob]!, `put "${local}" "Budget 2026.txt"`);
        if (r.code !== 0 || /NT_STATUS_/.test(r.out)) throw new Error(r.out);
      },
      () => "written over alice's file",
    );
    expect(readFileSync(onDisk, 'utf8')).toBe('rent 1200\nheating 80\n');

    await step('its mtime is made old (60 days)', () => {
      const old = new Date(Date.now() - 60 * 86_400_000);
      utimesSync(onDisk, old, old);
    });

    const graduated = await step(
      'the graduation job',
      () => runJob('graduation'),
      (r) => `${r.status}: ${JSON.stringify(r.summary)}`,
    );
    expect(graduated.status).toBe('succeeded');
    const inSpace = join(root, 'space', 'Budget 2026.txt');
    expect(readFileSync(inSpace, 'utf8')).toBe('rent 1200\nheating 80\n');

    await step(
      'alice reads it through the space mount',
      () => {
        const text = readFileSync(join(mounts.space!, 'Budget 2026.txt'), 'utf8');
        if (text !== 'rent 1200\nheating 80\n') throw new Error(`read ${JSON.stringify(text)}`);
      },
      () => "bob's edit, in space",
    );

    const graduatedNotes = await step(
      'the client shows one "Graduated" notification',
      () =>
        until(
          'the notification',
          async () =>
            shown.filter((n) => n.title.startsWith('Graduated')).length > 0 &&
            shown.filter((n) => n.title.startsWith('Graduated')),
        ),
      (n) => n.map((x) => x.title).join(' | '),
    );
    expect(graduatedNotes).toHaveLength(1);
    expect(graduatedNotes[0]!.title).toMatch(/^Graduated 1 file \(\d+ bytes\) from Flux to Space$/);

    await step(
      'fts-helper backup init (the S3 bucket over TLS)',
      () => ok(['backup', 'init', '--config', cfgFile]),
      () => 'repository made',
    );
    const backedUp = await step(
      'the backup job',
      () => runJob('backup'),
      (r) => `${r.status}: ${JSON.stringify(r.summary)}`,
    );
    expect(backedUp.status).toBe('succeeded');

    const restored = await step(
      'the file restored from the backup',
      async () => {
        const snaps = JSON.parse(await ok(['backup', 'snapshots', '--json', '--config', cfgFile])) as {
          id?: string;
          short_id?: string;
          shortId?: string;
        }[];
        const id = snaps.at(-1)!.id ?? snaps.at(-1)!.short_id ?? snaps.at(-1)!.shortId!;
        const to = join(root, 'restored');
        await ok(['backup', 'restore', '--snapshot', id, '--path', inSpace, '--to', to, '--config', cfgFile]);
        const found = execFileSync('find', [to, '-type', 'f', '-name', 'Budget 2026.txt'], { encoding: 'utf8' }).trim();
        return found;
      },
      (f) => f.slice(root.length),
    );
    expect(sha256(restored)).toBe(sha256(inSpace));

    const rotated = await step(
      'the rotation job',
      () => runJob('rotation'),
      (r) => `${r.status}: ${JSON.stringify(r.summary)}`,
    );
    expect(rotated.status).toBe('succeeded');
    const alicePassword = kv!.get(sambaPasswordSecret(alice))!;
    expect(alicePassword).not.toBe(PW[alice]);

    const reads = () =>
      kv!.requests.filter(
        (q) => q.method === 'GET' && q.token && q.path.startsWith(`/secrets/${sambaPasswordSecret(alice)}`),
      ).length;
    const readsBefore = reads();
    const again = await step(
      'the next Mount all: refused with the cached password, fetched again, mounted',
      async () => {
        await core!.mounts.unmount();
        // After Unmount all nothing is wanted; Mount all names every share, as the tray's menu item does.
        const states = await core!.mounts.mountAll(['flux', 'time', 'space']);
        const bad = states.filter((s) => s.state !== 'mounted');
        if (bad.length) throw new Error(`not mounted: ${JSON.stringify(bad)}`);
        return states;
      },
      (s) => `${s.map((x) => x.share).join(', ')} mounted; Key Vault read ${reads() - readsBefore} time(s)`,
    );
    expect(again).toHaveLength(3);
    expect(reads()).toBe(readsBefore + 1);
    expect(JSON.parse((await core!.store.get(KEYCHAIN_KEYS.smb))!).password).toBe(alicePassword);
    expect(readFileSync(join(again.find((s) => s.share === 'space')!.mountPoint!, 'Budget 2026.txt'), 'utf8')).toBe(
      'rent 1200\nheating 80\n',
    );
    // Still exactly one: the backup and the rotation are not graduations, and nothing was notified twice.
    expect(shown.filter((n) => n.title.startsWith('Graduated'))).toHaveLength(1);
  });
});
