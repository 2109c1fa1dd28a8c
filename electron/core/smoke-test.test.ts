/** keychainSmokeTest on stores that misbehave the ways a broken keychain does (the real one: test/packaged-app.test.ts). */
import { describe, expect, it } from 'vitest';
import { MemoryCredentialStore } from '../platform/keychain.js';
import { keychainSmokeTest, SMOKE_TEST_ITEM } from './smoke-test.js';

describe('keychainSmokeTest', () => {
  it('passes on a working store and leaves nothing behind', async () => {
    const store = new MemoryCredentialStore();
    await keychainSmokeTest(store);
    expect(store.items.size).toBe(0);
  });

  it('fails when a read does not return what was written, and still deletes its item', async () => {
    const store = new MemoryCredentialStore();
    // A store that keeps an older value: a fixed probe would pass here, a fresh random one does not.
    store.set = async (key) => void store.items.set(key, 'fts-smoke-stale');
    await expect(keychainSmokeTest(store)).rejects.toThrow(
      'the keychain returned another value for the item just written',
    );
    expect(store.items.has(SMOKE_TEST_ITEM)).toBe(false);
  });

  it('fails when writes are lost', async () => {
    const store = new MemoryCredentialStore();
    store.set = async () => undefined;
    await expect(keychainSmokeTest(store)).rejects.toThrow('returned nothing');
  });

  it('fails when a delete does not delete', async () => {
    const store = new MemoryCredentialStore();
    store.delete = async () => true;
    await expect(keychainSmokeTest(store)).rejects.toThrow('still holds the item');
  });
});
