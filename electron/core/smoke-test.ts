/**
 * What `--smoke-test` proves about an installed app: the OS keychain's native module loads from the package, and
 * the keychain stores, returns and deletes an item. Release CI runs it on the built dmg and Windows installer.
 */
import { randomBytes } from 'node:crypto';
import { createKeychain, type CredentialStore } from '../platform/index.js';
import { ClientConfig } from './config.js';

/** The item the smoke test writes and deletes again, under the app's own keychain service. */
export const SMOKE_TEST_ITEM = 'smoke-test';

/** The keychain as the app opens it (its default service; Secret Service only on Linux). */
export function appKeychain(): CredentialStore {
  const { keychain } = ClientConfig.parse({});
  return createKeychain({ service: keychain.service, linuxStore: keychain.linuxStore });
}

/** Writes a random value, reads it back, deletes it; throws saying which step failed. */
export async function keychainSmokeTest(store: CredentialStore = appKeychain()): Promise<void> {
  // A random value, not a secret: a read that returns an older run's value must not pass.
  const probe = `fts-smoke-${randomBytes(12).toString('hex')}`;
  await store.set(SMOKE_TEST_ITEM, probe);
  try {
    const back = await store.get(SMOKE_TEST_ITEM);
    if (back !== probe)
      throw new Error(`the keychain returned ${back === null ? 'nothing' : 'another value'} for the item just written`);
  } finally {
    await store.delete(SMOKE_TEST_ITEM);
  }
  if ((await store.get(SMOKE_TEST_ITEM)) !== null)
    throw new Error('the keychain still holds the item after deleting it');
}
