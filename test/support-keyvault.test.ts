import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, expect, it } from 'vitest';
import { startKeyVault, type TestKeyVault } from './support/keyvault.js';
let kv: TestKeyVault;
afterAll(() => kv?.close());
it('real SecretClient reads and writes the local vault', async () => {
  kv = await startKeyVault();
  kv.set('smb-password', 'first');
  const cred = { getToken: async () => ({ token: 'tok', expiresOnTimestamp: Date.now() + 3600e3 }) };
  const client = new SecretClient(kv.url, cred, { disableChallengeResourceVerification: true, tlsOptions: { ca: kv.cert.cert } } as never);
  expect((await client.getSecret('smb-password')).value).toBe('first');
  await client.setSecret('smb-password', 'second');
  expect(kv.get('smb-password')).toBe('second');
  await expect(client.getSecret('nope')).rejects.toThrow(/not found/);
});
