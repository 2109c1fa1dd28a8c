import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, expect, it } from 'vitest';
import { startKeyVault, type TestKeyVault } from './support/keyvault.js';
let kv: TestKeyVault;
afterAll(() => kv?.close());
it('real SecretClient reads and writes the local vault', async () => {
  kv = await startKeyVault();
  kv.set('smb-password', 'first');
  const cred = { getToken: async () => ({ token: 'tok', expiresOnTimestamp: Date.now() + 3600e3 }) };
  const client = new SecretClient(kv.url, cred, {
    disableChallengeResourceVerification: true,
    tlsOptions: { ca: kv.cert.cert },
  } as never);
  expect((await client.getSecret('smb-password')).value).toBe('first');
  await client.setSecret('smb-password', 'second');
  expect(kv.get('smb-password')).toBe('second');
  await expect(client.getSecret('nope')).rejects.toThrow(/not found/);
});

it('soft delete as Azure does it: delete, a PUT to the deleted name is 409, recover or purge frees it', async () => {
  const cred = { getToken: async () => ({ token: 'tok', expiresOnTimestamp: Date.now() + 3600e3 }) };
  const client = new SecretClient(kv.url, cred, {
    disableChallengeResourceVerification: true,
    tlsOptions: { ca: kv.cert.cert },
  } as never);
  kv.set('to-delete', 'v1');
  await (await client.beginDeleteSecret('to-delete')).pollUntilDone();
  expect(kv.get('to-delete')).toBeUndefined();
  expect(kv.isDeleted('to-delete')).toBe(true);
  await expect(client.setSecret('to-delete', 'v2')).rejects.toMatchObject({ statusCode: 409 });
  await (await client.beginRecoverDeletedSecret('to-delete')).pollUntilDone();
  expect(kv.get('to-delete')).toBe('v1');
  await (await client.beginDeleteSecret('to-delete')).pollUntilDone();
  await client.purgeDeletedSecret('to-delete');
  expect(kv.isDeleted('to-delete')).toBe(false);
  await client.setSecret('to-delete', 'v3');
  expect(kv.get('to-delete')).toBe('v3');
});
