/**
 * The `rotation` job over real smbd and the local Key Vault (the helper's real MSAL credential against a local
 * Entra ID stand-in): every Samba user's password changes in Key Vault first, then in Samba; the old one stops
 * working and the new one works; when Samba refuses one user's new password, the vault keeps that user's old one
 * and the others are rotated; the job is off by default and never logs a password.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sambaPasswordSecret } from '../contract/secrets.js';
import { loadConfig } from '../server-helper/config/load.js';
import { jobsFromConfig } from '../server-helper/jobs/definitions.js';
import { rotatePasswords, rotationTask } from '../server-helper/samba/rotation.js';
import { realUserSystem, type UserSystem } from '../server-helper/samba/users.js';
import { keyVaultSecrets } from '../server-helper/system/keyvault.js';
import { startEntra, type TestEntra } from './support/entra.js';
import { startKeyVault, type TestKeyVault } from './support/keyvault.js';
import { startSmbd, type TestSmbd } from './support/smbd.js';

const repo = join(import.meta.dirname, '..');
const tag = randomBytes(3).toString('hex');
const alice = `ftsra${tag}`;
const bob = `ftsrb${tag}`;
let kv: TestKeyVault;
let entra: TestEntra;
let smbd: TestSmbd;
let dir: string;
let cfgFile: string;

function cli(args: string[], input?: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(repo, 'bin/fts-helper.mjs'), ...args, '--config', cfgFile], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: kv.cert.certFile },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
    p.stdin.end(input ?? '');
  });
}

const works = (user: string, pw: string) => smbd.smbclient('flux', user, pw, 'ls').code === 0;

beforeAll(async () => {
  kv = await startKeyVault();
  entra = await startEntra({
    cert: kv.cert,
    tenantId: kv.tenantId,
    clientId: 'helper-app',
    clientSecret: 'helper-secret',
  });
  dir = mkdtempSync(join(tmpdir(), 'fts-rotation-'));
  mkdirSync(join(dir, 'flux'), { mode: 0o777 });
  spawnSync('chmod', ['755', dir]);
  smbd = await startSmbd({ shares: [{ name: 'flux', path: join(dir, 'flux') }] });
  writeFileSync(join(dir, 'kv-secret'), 'helper-secret\n', { mode: 0o600 });
  cfgFile = join(dir, 'helper.yaml');
  writeFileSync(
    cfgFile,
    stringify({
      store: { path: join(dir, 'helper.db') },
      samba: { smbConf: smbd.conf, includeFile: smbd.includeFile, group: null },
      keyVault: {
        name: 'kv-test',
        url: kv.url,
        tenantId: kv.tenantId,
        clientId: 'helper-app',
        clientSecretFile: join(dir, 'kv-secret'),
        authorityHost: entra.url,
      },
    }),
  );
  for (const [u, pw] of [
    [alice, 'alice-first-1'],
    [bob, 'bob-first-1'],
  ] as const) {
    const r = await cli(['samba', 'users', 'add', u, '--password-stdin'], `${pw}\n`);
    if (r.code !== 0) throw new Error(`users add ${u}: ${r.err}`);
  }
}, 120_000);

afterAll(async () => {
  await smbd?.stop();
  await kv?.close();
  await entra?.close();
  for (const u of [alice, bob]) spawnSync('userdel', [u]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the rotation job', { timeout: 180_000 }, () => {
  it('is off by default and exists only with Key Vault', () => {
    const config = loadConfig(cfgFile);
    expect(jobsFromConfig(config).find((j) => j.name === 'rotation')).toEqual({
      name: 'rotation',
      kind: 'rotation',
      schedule: null,
    });
    expect(jobsFromConfig({ ...config, keyVault: undefined }).find((j) => j.name === 'rotation')).toBeUndefined();
  });

  it('jobs run rotation: Key Vault gets new passwords, Samba takes them, the old ones stop working; history and log say who, never what', async () => {
    expect(kv.get(sambaPasswordSecret(alice))).toBe('alice-first-1');
    const r = await cli(['jobs', 'run', 'rotation', '--json']);
    expect(r.code, r.err).toBe(0);
    const run = JSON.parse(r.out) as { id: number; status: string; summary: { rotated: string[] } };
    expect(run.status).toBe('succeeded');
    expect(run.summary.rotated).toEqual(expect.arrayContaining([alice, bob]));
    for (const [u, old] of [
      [alice, 'alice-first-1'],
      [bob, 'bob-first-1'],
    ] as const) {
      const fresh = kv.get(sambaPasswordSecret(u))!;
      expect(fresh).not.toBe(old);
      expect(fresh.length).toBeGreaterThanOrEqual(32);
      expect(works(u, old)).toBe(false);
      expect(works(u, fresh)).toBe(true);
      expect(r.out + r.err).not.toContain(fresh);
    }
    const log = await cli(['jobs', 'log', String(run.id)]);
    expect(log.out).toContain(`rotated ${alice}: Key Vault secret ${sambaPasswordSecret(alice)}, then Samba`);
    for (const u of [alice, bob]) expect(log.out).not.toContain(kv.get(sambaPasswordSecret(u))!);
    const history = await cli(['jobs', 'history', 'rotation', '--json']);
    expect(JSON.parse(history.out)).toMatchObject([
      { id: run.id, job: 'rotation', kind: 'rotation', status: 'succeeded', trigger: 'manual' },
    ]);
  });

  it("when Samba refuses one user's new password, the vault keeps the old one for that user and the others rotate", async () => {
    const config = loadConfig(cfgFile);
    const vault = keyVaultSecrets(config.keyVault!, {
      credential: { getToken: async () => ({ token: 'in-process', expiresOnTimestamp: Date.now() + 3600e3 }) },
      ca: kv.cert.cert,
    });
    const bobBefore = kv.get(sambaPasswordSecret(bob))!;
    const aliceBefore = kv.get(sambaPasswordSecret(alice))!;
    let vaultHeldNewWhenSambaAsked = false;
    const sys: UserSystem = {
      ...realUserSystem,
      setSambaPassword: async (conf, name, pw, opts) => {
        vaultHeldNewWhenSambaAsked = kv.get(sambaPasswordSecret(name)) === pw;
        if (name === bob) throw new Error('injected: smbpasswd refused');
        return realUserSystem.setSambaPassword(conf, name, pw, opts);
      },
    };
    const r = await rotatePasswords(config, { vault, sys, users: async () => [bob, alice] });
    expect(vaultHeldNewWhenSambaAsked).toBe(true);
    expect(r.failed).toEqual([{ user: bob, reason: 'injected: smbpasswd refused' }]);
    expect(r.rotated.map((x) => x.user)).toEqual([alice]);
    expect(kv.get(sambaPasswordSecret(bob))).toBe(bobBefore);
    expect(works(bob, bobBefore)).toBe(true);
    expect(kv.get(sambaPasswordSecret(alice))).not.toBe(aliceBefore);
    expect(works(alice, kv.get(sambaPasswordSecret(alice))!)).toBe(true);
  });

  it("without the helper's vault credential the job fails and says what is missing", async () => {
    const config = loadConfig(cfgFile);
    const out = await rotationTask.run({
      config: { ...config, keyVault: { ...config.keyVault!, clientSecretFile: undefined } },
      params: null,
      appendLog: () => {},
      signal: new AbortController().signal,
    } as never);
    expect(out).toMatchObject({
      status: 'failed',
      error: expect.stringContaining("rotation needs Key Vault with the helper's credential"),
    });
  });
});
