/**
 * The server's Key Vault writer through its real credential path: MSAL's client-credentials flow (client
 * secret or certificate from a 0600 file), with Entra ID answered in-process, against the local HTTPS vault.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INetworkModule, NetworkRequestOptions } from '@azure/msal-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { keyVaultSecrets, msalCredential } from '../server-helper/system/keyvault.js';
import { msalMetadata } from './support/msal.js';
import { startKeyVault, type TestKeyVault } from './support/keyvault.js';

const TENANT = '00000000-0000-0000-0000-000000000001';
const CLIENT = '11111111-2222-3333-4444-555555555555';
const { authorityMetadata, cloudDiscoveryMetadata } = msalMetadata(TENANT);

/** Entra ID's token endpoint for the client-credentials grant: checks the secret or the signed assertion. */
class FakeEntra implements INetworkModule {
  readonly forms: URLSearchParams[] = [];
  async sendGetRequestAsync<T>(url: string): Promise<{ headers: Record<string, string>; body: T; status: number }> {
    throw new Error(`unexpected GET ${url}`);
  }
  async sendPostRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<{ headers: Record<string, string>; body: T; status: number }> {
    const form = new URLSearchParams(options?.body ?? '');
    this.forms.push(form);
    if (
      !new URL(url).pathname.endsWith('/token') ||
      form.get('grant_type') !== 'client_credentials' ||
      form.get('client_id') !== CLIENT
    ) {
      return { status: 400, headers: {}, body: { error: 'invalid_request' } as T };
    }
    const ok =
      form.get('client_secret') === 'the-server-secret' ||
      (form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' &&
        !!form.get('client_assertion'));
    if (!ok)
      return {
        status: 401,
        headers: {},
        body: { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' } as T,
      };
    return {
      status: 200,
      headers: {},
      body: {
        token_type: 'Bearer',
        expires_in: 3600,
        ext_expires_in: 3600,
        access_token: `server-at-${this.forms.length}`,
      } as T,
    };
  }
}

let kv: TestKeyVault;
let dir: string;
beforeAll(async () => {
  kv = await startKeyVault({ tenantId: TENANT });
  dir = mkdtempSync(join(tmpdir(), 'fts-server-kv-'));
});
afterAll(async () => {
  await kv?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('writes and reads a secret with a client secret from a 0600 file', async () => {
  const secretFile = join(dir, 'client-secret');
  writeFileSync(secretFile, 'the-server-secret\n', { mode: 0o600 });
  const settings = { name: 'kv-test', url: kv.url, tenantId: TENANT, clientId: CLIENT, clientSecretFile: secretFile };
  const entra = new FakeEntra();
  const vault = keyVaultSecrets(settings, {
    credential: msalCredential(settings, { networkClient: entra, authorityMetadata, cloudDiscoveryMetadata }),
    ca: kv.cert.cert,
  });
  await vault.setSecret('smb-password', 'rotated-1');
  expect(kv.get('smb-password')).toBe('rotated-1');
  expect(await vault.getSecret('smb-password')).toBe('rotated-1');
  expect(await vault.getSecret('missing')).toBeNull();
  expect(kv.requests.filter((r) => r.token).every((r) => r.token!.startsWith('server-at-'))).toBe(true);
  expect(entra.forms[0]!.get('scope')).toContain('https://vault.azure.net/.default');
});

it('uses a certificate (signed client assertion) from a 0600 PEM file', async () => {
  const pem = join(dir, 'server.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'k.pem'),
      '-out',
      join(dir, 'c.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=fts-helper',
    ],
    { stdio: 'ignore' },
  );
  writeFileSync(pem, readFileSync(join(dir, 'k.pem'), 'utf8') + readFileSync(join(dir, 'c.pem'), 'utf8'), {
    mode: 0o600,
  });
  const settings = { name: 'kv-test', url: kv.url, tenantId: TENANT, clientId: CLIENT, certificateFile: pem };
  const entra = new FakeEntra();
  const vault = keyVaultSecrets(settings, {
    credential: msalCredential(settings, { networkClient: entra, authorityMetadata, cloudDiscoveryMetadata }),
    ca: kv.cert.cert,
  });
  await vault.setSecret('smb-password', 'rotated-2');
  expect(kv.get('smb-password')).toBe('rotated-2');
  expect(entra.forms.at(-1)!.get('client_assertion')!.split('.')).toHaveLength(3);
});

it('refuses a credential file others can read, and a config without a credential', () => {
  const loose = join(dir, 'loose-secret');
  writeFileSync(loose, 'x');
  chmodSync(loose, 0o644);
  expect(() => msalCredential({ name: 'kv', tenantId: TENANT, clientId: CLIENT, clientSecretFile: loose })).toThrow(
    /chmod 600/,
  );
  expect(() => msalCredential({ name: 'kv', tenantId: TENANT, clientId: CLIENT })).toThrow(
    /clientSecretFile or keyVault.certificateFile/,
  );
  expect(() => msalCredential({ name: 'kv' })).toThrow(/tenantId and keyVault.clientId/);
});
