/**
 * Pairing in one step, through the real CLI, the helper's real MSAL credential and Key Vault client (Entra ID
 * answered by a local stand-in, the vault by the local HTTPS vault): a token bound to the client, the contract's
 * secret names written, the pairing string printed (never the token); unpair revokes and deletes; bad input
 * changes nothing; a vault failure half-way puts everything back.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSecretNames, decodePairing } from '../contract/secrets.js';
import { pairClient } from '../server-helper/clients/pairing.js';
import { loadConfig } from '../server-helper/config/load.js';
import { startHelper } from '../server-helper/daemon.js';
import { openStore } from '../server-helper/store/index.js';
import { keyVaultSecrets, type SecretWriter } from '../server-helper/system/keyvault.js';
import { startEntra, type TestEntra } from './support/entra.js';
import { startKeyVault, type TestKeyVault } from './support/keyvault.js';
import { startSmbd, type TestSmbd } from './support/smbd.js';

const repo = join(import.meta.dirname, '..');
const user = `ftsp${randomBytes(3).toString('hex')}`;
const names = clientSecretNames('count-zero');
let kv: TestKeyVault;
let entra: TestEntra;
let smbd: TestSmbd;
let dir: string;
let cfgFile: string;

/** The CLI as a person runs it (a child process; never blocks this process, which serves the vault). */
function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(repo, 'bin/fts-helper.mjs'), ...args, '--config', cfgFile], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: kv.cert.certFile },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

/** The status of a GET over HTTPS with a bearer token, trusting one certificate. */
function httpsStatus(url: string, token: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(url, { ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}

const puts = () => kv.requests.filter((r) => r.method === 'PUT' || r.method === 'DELETE').length;

beforeAll(async () => {
  kv = await startKeyVault();
  entra = await startEntra({
    cert: kv.cert,
    tenantId: kv.tenantId,
    clientId: 'helper-app',
    clientSecret: 'helper-secret',
  });
  smbd = await startSmbd();
  smbd.addUser(user, 'pw-1');
  dir = mkdtempSync(join(tmpdir(), 'fts-pairing-'));
  writeFileSync(join(dir, 'kv-secret'), 'helper-secret\n', { mode: 0o600 });
  cfgFile = join(dir, 'helper.yaml');
  writeFileSync(
    cfgFile,
    stringify({
      api: { listen: '127.0.0.1:18643', tls: 'auto' },
      store: { path: join(dir, 'helper.db') },
      samba: { smbConf: smbd.conf, includeFile: smbd.includeFile, group: null },
      keyVault: {
        name: 'kv-test',
        url: kv.url,
        tenantId: kv.tenantId,
        clientId: 'helper-app',
        clientAppId: 'tray-app',
        clientSecretFile: join(dir, 'kv-secret'),
        authorityHost: entra.url,
      },
    }),
  );
}, 60_000);

afterAll(async () => {
  await smbd?.stop();
  await kv?.close();
  await entra?.close();
  spawnSync('userdel', [user]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('clients pair / unpair', { timeout: 120_000 }, () => {
  let firstToken = '';

  it('pair writes the contract secrets, binds the token to the client and prints the pairing string, never the token', async () => {
    const r = await cli(['clients', 'pair', 'count-zero', '--user', user]);
    expect(r.code, r.err).toBe(0);
    const pairing = /^\s*(fts1:\S+)$/m.exec(r.out)![1]!;
    expect(decodePairing(pairing)).toEqual({
      vault: 'kv-test',
      vaultUrl: kv.url,
      tenant: kv.tenantId,
      appId: 'tray-app',
      clientId: 'count-zero',
    });
    expect(r.out).toContain(`tenant ${kv.tenantId}, app tray-app`);

    const cert = readFileSync(join(dir, 'tls', 'helper.crt'), 'utf8');
    expect(kv.get(names.helperUrl)).toBe('https://motoko:18643');
    expect(kv.get(names.helperFingerprint)).toBe(new X509Certificate(cert).fingerprint256);
    expect(kv.get(names.sambaUser)).toBe(user);
    firstToken = kv.get(names.helperToken)!;
    expect(firstToken).toMatch(/^fts_/);
    expect(r.out + r.err).not.toContain(firstToken);
    // Alice's password is not in the vault yet: the admin is told how to put it there.
    expect(r.err).toContain(`Key Vault has no password for ${user} yet (fts-smb-${user}-password)`);
    // Every vault call used a token the Entra stand-in issued to the helper's own credential.
    expect(kv.requests.filter((q) => q.token).every((q) => entra.issued.includes(q.token!))).toBe(true);

    const store = openStore(join(dir, 'helper.db'));
    try {
      // The token records the Samba user too: what the client's tray may bring back is that user's.
      expect(store.tokens.verify(firstToken)).toEqual({
        name: 'client-count-zero',
        role: 'client',
        clientId: 'count-zero',
        sambaUser: user,
      });
    } finally {
      store.close();
    }
    // The token opens the helper's API (over TLS, trusting the certificate whose fingerprint the client pins).
    const helper = await startHelper({
      config: loadConfig(cfgFile),
      listen: '127.0.0.1:0',
      log: pino({ level: 'silent' }),
    });
    try {
      expect(await httpsStatus(`${helper.url}/api/v1/status`, firstToken, cert)).toBe(200);
      expect(await httpsStatus(`${helper.url}/api/v1/status`, 'fts_not-a-token', cert)).toBe(401);
    } finally {
      await helper.close();
    }
  });

  it('pairing again replaces the token (the old one stops working) and --json says so', async () => {
    const r = await cli(['clients', 'pair', 'count-zero', '--user', user, '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as {
      token: string;
      replaced: string[];
      secrets: string[];
      clientId: string;
      pairing: string;
    };
    expect(j).toMatchObject({ clientId: 'count-zero', token: 'client-count-zero-2', replaced: ['client-count-zero'] });
    expect(j.secrets).toEqual([names.helperUrl, names.helperFingerprint, names.helperToken, names.sambaUser]);
    const store = openStore(join(dir, 'helper.db'));
    try {
      expect(store.tokens.verify(firstToken)).toBeNull();
      expect(store.tokens.verify(kv.get(names.helperToken)!)).toMatchObject({ clientId: 'count-zero' });
    } finally {
      store.close();
    }
  });

  it('bad input changes nothing: a name that is not a host name, an unknown Samba user', async () => {
    const before = puts();
    const bad = await cli(['clients', 'pair', 'Count Zero!']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('client name "Count Zero!": a client id is 1-63 lower-case letters');
    const nobody = await cli(['clients', 'pair', 'wintermute', '--user', 'nosuchuser']);
    expect(nobody.code).toBe(2);
    expect(nobody.err).toContain('--user "nosuchuser": no such Samba user');
    expect(puts()).toBe(before);
  });

  it("unpair revokes the token and deletes the client's secrets; the shared ones stay; a second unpair is refused", async () => {
    const token = kv.get(names.helperToken)!;
    const r = await cli(['clients', 'unpair', 'count-zero']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(
      'unpaired count-zero: revoked client-count-zero-2; deleted fts-client-count-zero-token, fts-client-count-zero-smb-user',
    );
    expect(kv.get(names.helperToken)).toBeUndefined();
    expect(kv.get(names.sambaUser)).toBeUndefined();
    expect(kv.get(names.helperUrl)).toBe('https://motoko:18643');
    const store = openStore(join(dir, 'helper.db'));
    try {
      expect(store.tokens.verify(token)).toBeNull();
    } finally {
      store.close();
    }
    const again = await cli(['clients', 'unpair', 'count-zero']);
    expect(again.code).toBe(2);
    expect(again.err).toContain('client "count-zero" is not paired');
    // Pairing after an unpair works, whether the vault purged the names or only soft-deleted them.
    expect((await cli(['clients', 'pair', 'count-zero', '--user', user])).code).toBe(0);
    expect(kv.get(names.sambaUser)).toBe(user);
  });

  it("a config without the helper's vault credential is refused, naming the keys", async () => {
    const saved = readFileSync(cfgFile, 'utf8');
    try {
      writeFileSync(cfgFile, saved.replace(/ {2}clientSecretFile: .*\n/, ''));
      const r = await cli(['clients', 'pair', 'neuromancer']);
      expect(r.code).toBe(2);
      expect(r.err).toContain(
        'keyVault.tenantId, keyVault.clientId and keyVault.clientSecretFile (or certificateFile) are needed',
      );
    } finally {
      writeFileSync(cfgFile, saved);
    }
  });

  it('a vault that fails half-way: the earlier secrets get their old values back and the new token is revoked', async () => {
    const config = loadConfig(cfgFile);
    const real = keyVaultSecrets(config.keyVault!, {
      credential: { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3600e3 }) },
      ca: kv.cert.cert,
    });
    const before = { url: kv.get(names.helperUrl), token: kv.get(names.helperToken), user: kv.get(names.sambaUser) };
    let sets = 0;
    const failing: SecretWriter = {
      ...real,
      setSecret: async (n, v) =>
        ++sets === 3 ? Promise.reject(new Error('injected: vault unavailable')) : real.setSecret(n, v),
    };
    const store = openStore(join(dir, 'helper.db'));
    try {
      const tokensBefore = store.tokens.list().map((t) => t.name);
      const changed = { ...config, api: { ...config.api, publicUrl: 'https://motoko.example:8642' } };
      await expect(
        pairClient(
          changed,
          'count-zero',
          { sambaUser: user },
          { tokens: store.tokens, vault: failing, fingerprint: 'AB:CD', sambaUserExists: async () => true },
        ),
      ).rejects.toThrow(/injected/);
      expect({ url: kv.get(names.helperUrl), token: kv.get(names.helperToken), user: kv.get(names.sambaUser) }).toEqual(
        before,
      );
      expect(store.tokens.list().map((t) => t.name)).toEqual(tokensBefore);
      expect(store.tokens.verify(before.token!)).toMatchObject({ clientId: 'count-zero' });
    } finally {
      store.close();
    }
  });
});
