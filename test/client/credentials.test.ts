/**
 * Credentials end to end without Azure: MSAL node signs in through a test network client (device code),
 * its token cache goes into the real gnome-keyring in chunks, a fresh session gets the token offline, and
 * that token opens the local Key Vault through the real SDK; the Samba credential, helper token and
 * fingerprint are cached in the keychain, and logout removes all of it.
 */
import { randomBytes } from 'node:crypto';
import { findCredentials } from '@napi-rs/keyring';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { INetworkModule, NetworkRequestOptions } from '@azure/msal-node';
import { ChunkedSecret, CHUNK_CHARS } from '../../electron/core/chunked.js';
import { ClientCore } from '../../electron/core/client.js';
import { parseClientConfig } from '../../electron/core/config.js';
import { clientSecretNames } from '../../contract/secrets.js';
import { Credentials, KEYCHAIN_KEYS, KeyVaultSecrets } from '../../electron/core/credentials.js';
import { CredentialError } from '../../electron/core/errors.js';
import { MSAL_CACHE_KEY, MsalSession, MsalTokenCredential } from '../../electron/core/msal.js';
import { OsKeychain } from '../../electron/platform/keychain.js';
import { startDesktopSession, type DesktopSession } from '../support/desktop-session.js';
import { LOGIN_HOST, msalMetadata } from '../support/msal.js';
import { startKeyVault, type TestKeyVault } from '../support/keyvault.js';

const TENANT = '00000000-0000-0000-0000-000000000001';
const CLIENT = '11111111-2222-3333-4444-555555555555';
const b64u = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const { authorityMetadata, cloudDiscoveryMetadata } = msalMetadata(TENANT);

/** Answers MSAL's requests in-process like Entra ID would: device code, then tokens. */
class FakeEntra implements INetworkModule {
  readonly calls: string[] = [];
  offline = false;
  accessToken = `at-${randomBytes(8).toString('hex')}`;

  async sendGetRequestAsync<T>(url: string): Promise<{ headers: Record<string, string>; body: T; status: number }> {
    this.calls.push(`GET ${url}`);
    throw new Error(`unexpected GET ${url}`);
  }

  async sendPostRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<{ headers: Record<string, string>; body: T; status: number }> {
    this.calls.push(`POST ${url}`);
    if (this.offline) throw new Error('network is down');
    const form = new URLSearchParams(options?.body ?? '');
    const path = new URL(url).pathname;
    if (path.endsWith('/devicecode')) {
      return {
        status: 200,
        headers: {},
        body: {
          device_code: 'dc-1',
          user_code: 'ABCD-EFGH',
          verification_uri: 'https://microsoft.com/devicelogin',
          expires_in: 900,
          interval: 1,
          message:
            'To sign in, use a web browser to open https://microsoft.com/devicelogin and enter the code ABCD-EFGH.',
        } as T,
      };
    }
    if (path.endsWith('/token')) {
      const now = Math.floor(Date.now() / 1000);
      const oid = '99999999-8888-7777-6666-555555555555';
      // A large claim makes the cache bigger than one Windows Credential Manager item, to exercise the split.
      const idToken = `${b64u({ alg: 'none', typ: 'JWT' })}.${b64u({ aud: CLIENT, iss: `${LOGIN_HOST}/${TENANT}/v2.0`, iat: now, nbf: now, exp: now + 3600, name: 'Ana', preferred_username: 'ana@example.org', oid, sub: 'sub-1', tid: TENANT, ver: '2.0', groups: Array.from({ length: 60 }, (_, i) => `group-${i}-${'x'.repeat(20)}`) })}.`;
      return {
        status: 200,
        headers: {},
        body: {
          token_type: 'Bearer',
          scope: form.get('scope') ?? '',
          expires_in: 3600,
          ext_expires_in: 3600,
          access_token: this.accessToken,
          refresh_token: `rt-${randomBytes(8).toString('hex')}`,
          id_token: idToken,
          client_info: b64u({ uid: oid, utid: TENANT }),
        } as T,
      };
    }
    throw new Error(`unexpected POST ${url}`);
  }
}

let session: DesktopSession;
let kv: TestKeyVault;
const service = `fts-cred-${randomBytes(4).toString('hex')}`;
let store: OsKeychain;
const entra = new FakeEntra();

const msalFor = (s: OsKeychain) =>
  new MsalSession({
    tenantId: TENANT,
    clientId: CLIENT,
    authorityHost: LOGIN_HOST,
    scopes: ['https://vault.azure.net/.default'],
    store: s,
    networkClient: entra,
    authorityMetadata,
    cloudDiscoveryMetadata,
  });
const itemsInKeychain = () => findCredentials(service).map((c) => c.account);

beforeAll(async () => {
  session = await startDesktopSession({ keyring: true });
  kv = await startKeyVault({ tenantId: TENANT });
  store = new OsKeychain({ service, linuxStore: 'secret-service' });
});
afterAll(async () => {
  await kv?.close();
  await session?.stop();
});

describe('OS keychain (gnome-keyring through the Secret Service)', () => {
  it('round-trips, deletes, and splits values larger than one item', async () => {
    await store.set('probe', 'value-1');
    expect(await store.get('probe')).toBe('value-1');
    expect(await store.delete('probe')).toBe(true);
    expect(await store.get('probe')).toBeNull();
    expect(await store.delete('probe')).toBe(false);
    await expect(store.set('big', 'x'.repeat(3000))).rejects.toThrow(/larger than 2560/);
    const big = new ChunkedSecret(store, 'big');
    const value = JSON.stringify({ text: 'é'.repeat(5000) });
    expect(await big.write(value)).toBeGreaterThan(3);
    expect(await big.read()).toBe(value);
    await big.write('small now');
    expect(await big.read()).toBe('small now');
    // The previous generation's chunks are gone.
    expect(itemsInKeychain().filter((a) => a.startsWith('big.'))).toHaveLength(1);
    expect(await big.clear()).toBe(true);
    expect(itemsInKeychain().filter((a) => a.startsWith('big'))).toEqual([]);
  });
});

describe('MSAL sign-in with the cache in the keychain', () => {
  it('has no token before sign-in: login-required', async () => {
    await expect(msalFor(store).tokenSilent()).rejects.toMatchObject({ code: 'login-required' });
  });

  it('device code sign-in stores the cache in ≤2,000-character chunks; a new session gets the token offline', async () => {
    const messages: string[] = [];
    const account = await msalFor(store).loginDeviceCode((m) => messages.push(m));
    expect(account.username).toBe('ana@example.org');
    expect(messages[0]).toContain('ABCD-EFGH');
    const chunks = itemsInKeychain().filter((a) => a.startsWith(`${MSAL_CACHE_KEY}.`));
    expect(chunks.length).toBeGreaterThan(1);
    for (const a of chunks) expect((await store.get(a))!.length).toBeLessThanOrEqual(CHUNK_CHARS);

    entra.offline = true;
    const callsBefore = entra.calls.length;
    const fresh = msalFor(new OsKeychain({ service }));
    const token = await new MsalTokenCredential(fresh).getToken('https://vault.azure.net/.default');
    expect(token.token).toBe(entra.accessToken);
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now());
    expect(entra.calls.length).toBe(callsBefore);
    entra.offline = false;
  });

  it('the MSAL token opens Key Vault (real SDK); secrets are cached in the keychain; logout removes everything', async () => {
    kv.acceptTokens([entra.accessToken]);
    // The one set of names (contract/secrets.ts): what `fts-helper clients pair count-zero` writes.
    const names = clientSecretNames('count-zero', 'ana');
    kv.set(names.sambaUser, 'ana');
    kv.set(names.sambaPassword!, 'pw-from-vault');
    kv.set(names.helperToken, 'helper-token-1');
    kv.set(names.helperFingerprint, 'ab:'.repeat(31) + 'ab');
    kv.set(names.helperUrl, 'https://motoko:8642');
    const config = parseClientConfig(
      JSON.stringify({
        clientId: 'count-zero',
        keyVault: { url: kv.url },
        auth: { tenantId: TENANT, clientId: CLIENT },
        keychain: { service },
      }),
    );
    const core: ClientCore = new ClientCore(config, {
      msal: { networkClient: entra, authorityMetadata, cloudDiscoveryMetadata },
      vault: async (): Promise<KeyVaultSecrets> =>
        new KeyVaultSecrets(kv.url, new MsalTokenCredential(core.msal), { ca: kv.cert.cert }),
    });
    expect(await core.credentials.smb()).toEqual({ username: 'ana', password: 'pw-from-vault' });
    expect(await core.credentials.helperToken()).toBe('helper-token-1');
    expect(await core.credentials.helperFingerprint()).toBe('AB:'.repeat(31) + 'AB');
    expect(await core.credentials.helperUrl()).toBe('https://motoko:8642');
    expect(kv.requests.filter((r) => r.method === 'GET').map((r) => r.path.replace(/\/+$/, ''))).toEqual(
      expect.arrayContaining([
        '/secrets/fts-client-count-zero-smb-user',
        '/secrets/fts-smb-ana-password',
        '/secrets/fts-client-count-zero-token',
        '/secrets/fts-helper-fingerprint',
        '/secrets/fts-helper-url',
      ]),
    );
    expect(kv.requests.filter((r) => r.token).every((r) => r.token === entra.accessToken)).toBe(true);
    expect(JSON.parse((await store.get(KEYCHAIN_KEYS.smb))!)).toEqual({ username: 'ana', password: 'pw-from-vault' });

    // Offline: the vault is down, the keychain answers.
    kv.setDown(true);
    const reads = kv.requests.length;
    expect((await core.credentials.smb()).password).toBe('pw-from-vault');
    expect(kv.requests.length).toBe(reads);
    // ...but a refetch cannot happen, and says why without a secret.
    const err = await core.credentials.refreshSmb().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialError);
    expect((err as CredentialError).code).toBe('vault-unreachable');
    kv.setDown(false);

    const removed = await core.logout();
    expect(removed).toEqual(
      expect.arrayContaining([
        KEYCHAIN_KEYS.helperToken,
        KEYCHAIN_KEYS.helperFingerprint,
        KEYCHAIN_KEYS.helperUrl,
        MSAL_CACHE_KEY,
      ]),
    );
    expect(itemsInKeychain()).toEqual([]);
    await expect(msalFor(store).tokenSilent()).rejects.toMatchObject({ code: 'login-required' });
  });

  it('the Samba user names the password secret; a user that cannot name a secret is reported, not used', async () => {
    const s2 = new OsKeychain({ service: `${service}-names` });
    const names = clientSecretNames('bo-laptop', 'bo');
    kv.set(names.sambaUser, 'bo');
    kv.set(names.sambaPassword!, 'pw-bo');
    const token = { getToken: async () => ({ token: entra.accessToken, expiresOnTimestamp: Date.now() + 3600e3 }) };
    const creds = new Credentials(
      s2,
      async () => new KeyVaultSecrets(kv.url, token, { ca: kv.cert.cert }),
      'bo-laptop',
    );
    expect(await creds.smb()).toEqual({ username: 'bo', password: 'pw-bo' });
    kv.set(names.sambaUser, 'Bo Smith pw-secret');
    const err = (await creds.refreshSmb().catch((e: unknown) => e)) as CredentialError;
    expect(err.code).toBe('malformed');
    expect(err.message).toContain(names.sambaUser);
    kv.set(names.helperFingerprint, 'not a fingerprint');
    await expect(creds.helperFingerprint()).rejects.toMatchObject({ code: 'malformed' });
    await creds.clear();
  });
});
