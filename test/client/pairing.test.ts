/**
 * The first run as a person lives it, minus Entra ID: the window's pairing string goes in (decoded in main), the
 * sign-in reads what `fts-helper clients pair` wrote to Key Vault under the contract's names — helper URL, token,
 * fingerprint, Samba user and password — into the keychain, and the tray then talks to the helper over TLS with
 * them. Real helper, the local Key Vault through the real SDK.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSecretNames, decodePairing, encodePairing } from '../../contract/secrets.js';
import { ClientCoreFacade, readPairedSecrets } from '../../electron/app/client-core-facade.js';
import { createIpcHandlers } from '../../electron/app/ipc-handlers.js';
import { defaultSettings } from '../../electron/app/settings.js';
import { KEYCHAIN_KEYS } from '../../electron/core/credentials.js';
import { MemoryCredentialStore, type Mounter } from '../../electron/platform/index.js';
import { startHelper, type RunningHelper } from '../../server-helper/daemon.js';
import { ensureSandbox } from '../../server-helper/sandbox.js';
import { startKeyVault, type TestKeyVault } from '../support/keyvault.js';
import { vaultFor } from './support.js';

let kv: TestKeyVault;
let helper: RunningHelper;
let facade: ClientCoreFacade | null = null;
const memoryMounter: Mounter = {
  os: 'linux',
  mount: async (t) => ({ mountPoint: `/mnt/${t.share}` }),
  unmount: async () => undefined,
  list: async () => [],
};

beforeAll(async () => {
  kv = await startKeyVault();
  const sb = ensureSandbox(mkdtempSync(join(tmpdir(), 'fts-pairing-')));
  helper = await startHelper({
    config: { ...sb.config, api: { ...sb.config.api, tls: 'auto' } },
    listen: '127.0.0.1:0',
    log: pino({ level: 'silent' }),
  });
  // What pairing writes (issue 16's `clients pair`), under the one set of names.
  const names = clientSecretNames('count-zero', 'ana');
  kv.set(names.helperUrl, helper.url);
  kv.set(names.helperFingerprint, helper.fingerprint!);
  kv.set(names.helperToken, helper.store.tokens.create('count-zero', 'client', { clientId: 'count-zero' }));
  kv.set(names.sambaUser, 'ana');
  kv.set(names.sambaPassword!, 'pw-from-vault');
});

afterAll(async () => {
  await facade?.close();
  await helper?.close();
  await kv?.close();
});

describe('first run: the pairing string, then sign-in', { timeout: 60_000 }, () => {
  it('reads every secret under the contract names and reaches the helper with them', async () => {
    const store = new MemoryCredentialStore();
    const saved: unknown[] = [];
    facade = new ClientCoreFacade({
      settings: defaultSettings('darwin'),
      saveSettings: (s) => saved.push(s),
      deps: {
        store,
        vault: vaultFor(kv),
        mounter: memoryMounter,
        mountOptions: { probe: async () => true, autoRetry: false },
        linkOptions: { minBackoffMs: 50 },
        host: { hostName: 'Count-Zero.local', os: 'darwin', osVersion: '25' },
      },
      // Entra ID cannot run here; the sign-in is the same Key Vault reads msalAccount does after MSAL.
      account: (core) => ({
        current: async () => null,
        signIn: async () => (await readPairedSecrets(core), 'ana@example.org'),
        signOut: async () => undefined,
      }),
      statusDebounceMs: 20,
    });
    await facade.start();
    expect(facade.getState()).toMatchObject({ paired: false, account: { signedIn: false } });

    // The window sends exactly the string; main decodes it.
    const handlers = createIpcHandlers(facade, { openPath: async () => undefined, setLoginItem: () => undefined });
    const pairing = encodePairing({
      vault: 'kv-miket-ops',
      vaultUrl: kv.url,
      tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      appId: 'b1e5b1a0-0000-4000-8000-000000000001',
      clientId: 'count-zero',
    });
    const after = await handlers['fts:app:pair']({ pairing });
    expect(after.pairing).toEqual(decodePairing(pairing));
    expect(facade.getState().paired).toBe(true);
    await handlers['fts:auth:sign-in'](undefined);

    expect(facade.getSettings().helperUrl).toBe(helper.url);
    expect(await store.get(KEYCHAIN_KEYS.helperToken)).toMatch(/^fts_/);
    expect(await store.get(KEYCHAIN_KEYS.helperFingerprint)).toBe(helper.fingerprint);
    expect(JSON.parse((await store.get(KEYCHAIN_KEYS.smb))!)).toEqual({ username: 'ana', password: 'pw-from-vault' });
    const read = kv.requests.filter((r) => r.token && r.method === 'GET').map((r) => r.path.replace(/\/+$/, ''));
    expect(new Set(read)).toEqual(
      new Set([
        '/secrets/fts-client-count-zero-smb-user',
        '/secrets/fts-smb-ana-password',
        '/secrets/fts-helper-url',
        '/secrets/fts-client-count-zero-token',
        '/secrets/fts-helper-fingerprint',
      ]),
    );
    // Paired and signed in: the server card fills in over TLS with the pinned certificate, and the SMB server is
    // the helper's host.
    await expect.poll(() => facade!.getState().server.reachable, { timeout: 15_000 }).toBe(true);
    expect(facade.getState().server).toMatchObject({ name: 'motoko', url: helper.url });
    expect(facade.client.mounts.serverHost).toBe('127.0.0.1');
    expect(facade.client.clientId).toBe('count-zero');
    // No secret went into the settings.
    expect(JSON.stringify(saved)).not.toMatch(/pw-from-vault|fts_/);
  });
});
