/**
 * When the helper answers 401 (its token for this client was rotated) or its certificate no longer matches the pin
 * (the helper was reinstalled), the client reads token and fingerprint from Key Vault once more — under the
 * contract's names — and retries once before it reports an error. Real helper over TLS, the local Key Vault through
 * the real SDK, the status request and the event stream alike.
 */
import { rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../contract/api.js';
import { clientSecretNames } from '../../contract/secrets.js';
import { ClientCore } from '../../electron/core/client.js';
import { parseClientConfig } from '../../electron/core/config.js';
import { KEYCHAIN_KEYS } from '../../electron/core/credentials.js';
import { HelperHttpError, requestJson } from '../../electron/core/http.js';
import { MemoryCredentialStore, type Mounter } from '../../electron/platform/index.js';
import { startHelper, type RunningHelper } from '../../server-helper/daemon.js';
import { ensureSandbox, type Sandbox } from '../../server-helper/sandbox.js';
import { startKeyVault, type TestKeyVault } from '../support/keyvault.js';
import { vaultFor } from './support.js';

const silent = pino({ level: 'silent' });
const names = clientSecretNames('count-zero');
let kv: TestKeyVault;
let sb: Sandbox;
let helper: RunningHelper;
let port: string;
const cores: ClientCore[] = [];

const memoryMounter: Mounter = {
  os: 'linux',
  mount: async (t) => ({ mountPoint: `/mnt/${t.share}` }),
  unmount: async () => undefined,
  list: async () => [],
};

/** A client whose keychain holds what it cached earlier (possibly stale), with Key Vault behind it. */
async function client(cached: {
  token?: string;
  fingerprint?: string;
}): Promise<{ core: ClientCore; store: MemoryCredentialStore }> {
  const store = new MemoryCredentialStore();
  if (cached.token) await store.set(KEYCHAIN_KEYS.helperToken, cached.token);
  if (cached.fingerprint) await store.set(KEYCHAIN_KEYS.helperFingerprint, cached.fingerprint);
  const config = parseClientConfig(
    JSON.stringify({ clientId: 'count-zero', helper: { url: helper.url }, keyVault: { url: kv.url } }),
  );
  const core = new ClientCore(config, {
    store,
    vault: vaultFor(kv),
    mounter: memoryMounter,
    linkOptions: { minBackoffMs: 50, maxBackoffMs: 200 },
    host: { hostName: 'count-zero', os: 'darwin', osVersion: '25' },
  });
  cores.push(core);
  return { core, store };
}

// Authenticated reads only: the SDK's first request to a vault is the unauthenticated challenge.
const vaultReads = (name: string) =>
  kv.requests.filter((r) => r.token && r.method === 'GET' && r.path.replace(/\/+$/, '') === `/secrets/${name}`).length;
const status = (core: ClientCore) =>
  core.withHelper((ep) => requestJson<{ server: { name: string } }>(ep, routes.status.method, routes.status.path));

async function startTlsHelper(listen = '127.0.0.1:0'): Promise<RunningHelper> {
  return startHelper({
    config: { ...sb.config, api: { ...sb.config.api, tls: 'auto' } },
    listen,
    log: silent,
    sseHeartbeatMs: 500,
  });
}

beforeAll(async () => {
  kv = await startKeyVault();
  sb = ensureSandbox(mkdtempSync(join(tmpdir(), 'fts-refetch-')));
  helper = await startTlsHelper();
  port = new URL(helper.url).port;
  kv.set(names.helperFingerprint, helper.fingerprint!);
});

afterAll(async () => {
  for (const c of cores) await c.close();
  await helper?.close();
  await kv?.close();
});

describe('a stale helper token or pin is read from Key Vault again once', { timeout: 60_000 }, () => {
  it('401: the rotated token is fetched once, the request retried and the stream connects', async () => {
    const old = helper.store.tokens.create('count-zero-old', 'client', { clientId: 'count-zero' });
    helper.store.tokens.revoke('count-zero-old');
    const current = helper.store.tokens.create('count-zero', 'client', { clientId: 'count-zero' });
    kv.set(names.helperToken, current);
    const { core, store } = await client({ token: old, fingerprint: helper.fingerprint! });
    const before = vaultReads(names.helperToken);
    expect((await status(core)).server.name).toBe('motoko');
    expect(vaultReads(names.helperToken)).toBe(before + 1);
    expect(await store.get(KEYCHAIN_KEYS.helperToken)).toBe(current);
    // The event stream goes through the same path.
    const link = core.link();
    link.start();
    await expect.poll(() => link.current.state, { timeout: 15_000 }).toBe('connected');
    expect(vaultReads(names.helperToken)).toBe(before + 1);
    await core.close();
  });

  it('a certificate that no longer matches the pin (a reinstalled helper): the new fingerprint is fetched once', async () => {
    const token = helper.store.tokens.create('count-zero-pin', 'client', { clientId: 'count-zero' });
    kv.set(names.helperToken, token);
    const { core, store } = await client({ token, fingerprint: helper.fingerprint! });
    expect((await status(core)).server.name).toBe('motoko');
    // Reinstalled: same address, a new certificate; pairing wrote the new fingerprint to Key Vault.
    const oldFingerprint = helper.fingerprint!;
    await helper.close();
    rmSync(join(dirname(sb.config.store.path), 'tls'), { recursive: true, force: true });
    helper = await startTlsHelper(`127.0.0.1:${port}`);
    expect(helper.fingerprint).not.toBe(oldFingerprint);
    kv.set(names.helperFingerprint, helper.fingerprint!);
    const before = vaultReads(names.helperFingerprint);
    expect((await status(core)).server.name).toBe('motoko');
    expect(vaultReads(names.helperFingerprint)).toBe(before + 1);
    expect(await store.get(KEYCHAIN_KEYS.helperFingerprint)).toBe(helper.fingerprint);
  });

  it('when Key Vault holds nothing better, the error is reported after that one refetch, and the vault is not asked again at once', async () => {
    const revoked = helper.store.tokens.create('count-zero-gone', 'client', { clientId: 'count-zero' });
    helper.store.tokens.revoke('count-zero-gone');
    kv.set(names.helperToken, revoked);
    const { core } = await client({ token: revoked, fingerprint: helper.fingerprint! });
    const before = vaultReads(names.helperToken);
    const err = await status(core).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelperHttpError);
    expect((err as HelperHttpError).status).toBe(401);
    expect(vaultReads(names.helperToken)).toBe(before + 1);
    // A retry loop (the stream's backoff) must not read the vault on every attempt.
    await expect(status(core)).rejects.toBeInstanceOf(HelperHttpError);
    expect(vaultReads(names.helperToken)).toBe(before + 1);
    expect(String(err)).not.toContain(revoked);
  });
});
