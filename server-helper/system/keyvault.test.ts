/**
 * Key Vault as the backup's secret source: the real SecretClient and MSAL confidential client against a local
 * HTTPS stand-in (no Azure here). The vault answers a challenge first, then only with the token MSAL obtained.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyVaultSecretSource, msalCredential, type KeyVaultSettings } from './keyvault.js';
import { FileSecretSource, SecretError, type SecretSource } from './secrets.js';
import { msalMetadata } from '../../test/support/msal.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const TOKEN = 'vault-token-from-msal';
let dir: string;
let server: Server;
let url: string;
const secrets: Record<string, string> = {
  'restic-password': 'kv-restic-pw-9f8e',
  'b2-key-id': 'K004abc',
  'b2-application-key': 'kv-app-key-77aa',
};
const tokenRequests: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fts-kv-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  server = createServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (req, res) => {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401, {
          'WWW-Authenticate': `Bearer authorization="https://login.microsoftonline.com/${TENANT}", resource="https://vault.azure.net"`,
        });
        return res.end();
      }
      const m = /^\/secrets\/([^/?]+)\/?\?api(-|%2D)version=/i.exec(req.url ?? '');
      const name = m?.[1];
      if (!name || !(name in secrets)) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({
            error: {
              code: 'SecretNotFound',
              message: `A secret with (name/id) ${name} was not found in this key vault.`,
            },
          }),
        );
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          value: secrets[name],
          id: `${url}/secrets/${name}/0123456789abcdef`,
          attributes: { enabled: true },
        }),
      );
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

/** MSAL's HTTP, answered in-process: the token endpoint checks the client secret. */
const networkClient = {
  async sendGetRequestAsync<T>(): Promise<{ headers: Record<string, string>; body: T; status: number }> {
    throw new Error('no GET expected: metadata is given');
  },
  async sendPostRequestAsync<T>(
    u: string,
    options?: { body?: string },
  ): Promise<{ headers: Record<string, string>; body: T; status: number }> {
    tokenRequests.push(u);
    const form = new URLSearchParams(options?.body ?? '');
    if (form.get('client_secret') !== 'helper-client-secret') {
      return {
        headers: {},
        status: 401,
        body: { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' } as T,
      };
    }
    expect(form.get('scope')).toContain('https://vault.azure.net/.default');
    return {
      headers: {},
      status: 200,
      body: { token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: TOKEN } as T,
    };
  },
};

function settings(): KeyVaultSettings {
  const secretFile = join(dir, 'client-secret');
  writeFileSync(secretFile, 'helper-client-secret\n', { mode: 0o600 });
  return {
    name: 'kv-miket-ops',
    url,
    tenantId: TENANT,
    clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    clientSecretFile: secretFile,
    secrets: { resticPassword: 'restic-password', b2KeyId: 'b2-key-id', b2ApplicationKey: 'b2-application-key' },
  };
}

function credential(s: KeyVaultSettings) {
  return msalCredential(s, { networkClient, ...msalMetadata(TENANT) });
}

describe('KeyVaultSecretSource', () => {
  it('reads the backup secrets with a token from the MSAL confidential client', async () => {
    const s = settings();
    const source = new KeyVaultSecretSource(s, { credential: credential(s), caCertFile: join(dir, 'cert.pem') });
    expect(await source.read('resticPassword')).toBe('kv-restic-pw-9f8e');
    expect(await source.read('b2KeyId')).toBe('K004abc');
    expect(await source.read('b2ApplicationKey')).toBe('kv-app-key-77aa');
    expect(tokenRequests.at(-1)!.split('?')[0]).toBe(`https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`);
    expect((source as SecretSource).fileOf).toBeUndefined();
  });

  it('answers null for a secret the vault does not have', async () => {
    const s = { ...settings(), secrets: { ...settings().secrets, b2KeyId: 'no-such-secret' } };
    const source = new KeyVaultSecretSource(s, { credential: credential(s), caCertFile: join(dir, 'cert.pem') });
    expect(await source.read('b2KeyId')).toBeNull();
  });

  it('fails with a clear error, and without the secret, when the client secret is wrong', async () => {
    const s = settings();
    writeFileSync(s.clientSecretFile!, 'wrong-client-secret', { mode: 0o600 });
    const source = new KeyVaultSecretSource(s, { credential: credential(s), caCertFile: join(dir, 'cert.pem') });
    const err = await source.read('resticPassword').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretError);
    expect(String((err as Error).message)).toMatch(
      /could not read secret "restic-password" from Key Vault kv-miket-ops/,
    );
    expect(String((err as Error).message)).not.toContain('wrong-client-secret');
  });

  it('needs tenant, client id and a credential file', () => {
    expect(() => msalCredential({ ...settings(), tenantId: undefined })).toThrow(
      /keyVault.tenantId and keyVault.clientId/,
    );
    expect(() => msalCredential({ ...settings(), clientSecretFile: undefined })).toThrow(
      /clientSecretFile or keyVault.certificateFile/,
    );
  });
});

describe('FileSecretSource', () => {
  it('reads 0600 files and refuses files others can read', async () => {
    const f = join(dir, 'pw');
    writeFileSync(f, 'file-secret\n', { mode: 0o600 });
    const src = new FileSecretSource({ resticPassword: f });
    expect(await src.read('resticPassword')).toBe('file-secret');
    expect(src.fileOf('resticPassword')).toBe(f);
    expect(await src.read('b2KeyId')).toBeNull();
    writeFileSync(join(dir, 'open'), 'x', { mode: 0o644 });
    const open = new FileSecretSource({ resticPassword: join(dir, 'open') });
    await expect(open.read('resticPassword')).rejects.toThrow(/readable by others \(mode 644\): run chmod 600/);
    await expect(new FileSecretSource({ resticPassword: join(dir, 'missing') }).read('resticPassword')).rejects.toThrow(
      /does not exist/,
    );
  });
});
