/**
 * The server's own secrets (restic password, B2 key) come from the server vault (`keyVault.server`), never from the
 * client vault every paired client may read. Two local HTTPS vaults, the real @azure/keyvault-secrets client.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelperConfig } from '../server-helper/config/schema.js';
import { seedConfig } from '../server-helper/config/seed.js';
import { BackupError } from '../server-helper/lifecycle/backup/errors.js';
import { resticTargetFor, secretSourceFor } from '../server-helper/lifecycle/backup/target.js';
import { startKeyVault, type TestKeyVault } from './support/keyvault.js';

let clientVault: TestKeyVault;
let serverVault: TestKeyVault;
let dir: string;

// Entra ID cannot be reached here; the MSAL credential path is tested in server-keyvault.test.ts.
const credential: TokenCredential = {
  getToken: async () => ({ token: 'helper-access-token', expiresOnTimestamp: Date.now() + 3600_000 }),
};

beforeAll(async () => {
  clientVault = await startKeyVault();
  serverVault = await startKeyVault();
  dir = mkdtempSync(join(tmpdir(), 'fts-kv-scope-'));
  // A restic password in the client vault would be readable by every client; the helper must not use it.
  clientVault.set('restic-password', 'client-readable-decoy');
  clientVault.set('smb-password', 'samba-secret');
  serverVault.set('restic-password', 'server-only-restic-pw');
  serverVault.set('b2-key-id', 'K004server');
  serverVault.set('b2-application-key', 'server-only-b2-key');
});
afterAll(async () => {
  await clientVault?.close();
  await serverVault?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function config(server: boolean): HelperConfig {
  const secretFile = join(dir, 'client-secret');
  writeFileSync(secretFile, 'the-server-secret\n', { mode: 0o600 });
  return HelperConfig.parse({
    store: { path: join(dir, 'helper.db') },
    keyVault: {
      name: 'kv-miket-ops',
      url: clientVault.url,
      tenantId: '00000000-0000-0000-0000-000000000001',
      clientId: '11111111-2222-3333-4444-555555555555',
      clientSecretFile: secretFile,
      ...(server ? { server: { name: 'kv-miket-ops-server', url: serverVault.url } } : {}),
    },
    backup: { repository: join(dir, 'repo'), secretsFrom: 'keyvault' },
  });
}

describe('Key Vault scope of the backup secrets', () => {
  it('reads the restic password and the B2 key from the server vault only', async () => {
    const c = config(true);
    const source = await secretSourceFor(c, { credential, caCertFile: serverVault.cert.certFile });
    expect(source.description).toBe('Key Vault kv-miket-ops-server');
    const target = await resticTargetFor(c, source);
    expect(target).toMatchObject({
      password: 'server-only-restic-pw',
      keyId: 'K004server',
      applicationKey: 'server-only-b2-key',
    });
    expect(
      serverVault.requests
        .filter((r) => r.method === 'GET' && r.token)
        .map((r) => r.path.split('/')[2])
        .sort(),
    ).toEqual(['b2-application-key', 'b2-key-id', 'restic-password']);
    expect(clientVault.requests).toEqual([]);
  });

  it('without keyVault.server, refuses to read backup secrets from Key Vault, saying what to set', async () => {
    const err = await secretSourceFor(config(false), { credential, caCertFile: clientVault.cert.certFile }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BackupError);
    expect((err as BackupError).kind).toBe('secrets');
    expect((err as Error).message).toMatch(
      /keyVault\.server is not set: put the restic password and B2 key in a vault no client can read/,
    );
    expect(clientVault.requests).toEqual([]);
  });

  it('the seed names a server vault apart from the client vault', () => {
    const kv = seedConfig().keyVault!;
    expect(kv.name).toBe('kv-miket-ops');
    expect(kv.server?.name).toBe('kv-miket-ops-server');
  });
});
