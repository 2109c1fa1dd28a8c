/** The OS keychain through @napi-rs/keyring: macOS Keychain, Windows Credential Manager, Secret Service on Linux. */
import { AsyncEntry, type EntryOptions } from '@napi-rs/keyring';
import type { CredentialStore } from './types.js';

/** Windows Credential Manager holds 2,560 bytes per item; callers split anything larger (see chunked.ts in core). */
export const KEYCHAIN_ITEM_LIMIT = 2560;

/** How to open the keychain. */
export interface KeychainOptions {
  /** The service name every item is filed under. */
  service: string;
  /** Linux: `secret-service` refuses to fall back silently to the kernel keyring (lost at reboot). */
  linuxStore?: 'secret-service' | 'auto';
}

/** A CredentialStore on the OS keychain. */
export class OsKeychain implements CredentialStore {
  private readonly options: EntryOptions | undefined;

  constructor(private readonly opts: KeychainOptions) {
    this.options = opts.linuxStore === 'auto' ? undefined : { linux: { store: 'secret-service' } };
  }

  private entry(key: string): AsyncEntry {
    return new AsyncEntry(this.opts.service, key, this.options);
  }

  async get(key: string): Promise<string | null> {
    return (await this.entry(key).getPassword()) ?? null;
  }

  async set(key: string, value: string): Promise<void> {
    if (Buffer.byteLength(value, 'utf8') > KEYCHAIN_ITEM_LIMIT)
      throw new Error(`keychain item "${key}" is larger than ${KEYCHAIN_ITEM_LIMIT} bytes; split it`);
    await this.entry(key).setPassword(value);
  }

  async delete(key: string): Promise<boolean> {
    try {
      return await this.entry(key).deleteCredential();
    } catch (err) {
      // Older keyring builds report a missing item as an error rather than false.
      if (/no (matching )?entry|not found/i.test((err as Error).message)) return false;
      throw err;
    }
  }
}

/** A CredentialStore in memory (for tests of code that does not exercise the keychain itself). */
export class MemoryCredentialStore implements CredentialStore {
  readonly items = new Map<string, string>();
  async get(key: string): Promise<string | null> {
    return this.items.get(key) ?? null;
  }
  async set(key: string, value: string): Promise<void> {
    this.items.set(key, value);
  }
  async delete(key: string): Promise<boolean> {
    return this.items.delete(key);
  }
}
