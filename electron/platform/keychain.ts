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

/** The OS keychain cannot be used at all (Linux: no D-Bus session bus, no Secret Service); the message says what to do. */
export class KeychainUnavailableError extends Error {
  override readonly name = 'KeychainUnavailableError';
}

/**
 * A keyring failure that means "there is no keychain here" in words a person can act on; other errors unchanged.
 * On Linux @napi-rs/keyring reports a missing session bus or Secret Service as `Platform failure: DBus error: …`.
 */
export function keychainFailure(err: unknown): unknown {
  const message = (err as Error)?.message ?? '';
  if (/dbus|org\.freedesktop\.secrets|secret service/i.test(message))
    return new KeychainUnavailableError(
      'no keychain available: the Secret Service (GNOME Keyring or KWallet) cannot be reached over D-Bus. Run fts in a desktop session, or start one (dbus-run-session, with gnome-keyring-daemon unlocked); or set keychain.linuxStore: auto in the client config to use the kernel keyring, which forgets everything at reboot',
    );
  if (/^Platform failure|NoStorageAccess/i.test(message))
    return new KeychainUnavailableError(
      `no keychain available: the OS keychain refused access (${message.split(':')[0]})`,
    );
  return err;
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
    try {
      return (await this.entry(key).getPassword()) ?? null;
    } catch (err) {
      throw keychainFailure(err);
    }
  }

  async set(key: string, value: string): Promise<void> {
    if (Buffer.byteLength(value, 'utf8') > KEYCHAIN_ITEM_LIMIT)
      throw new Error(`keychain item "${key}" is larger than ${KEYCHAIN_ITEM_LIMIT} bytes; split it`);
    try {
      await this.entry(key).setPassword(value);
    } catch (err) {
      throw keychainFailure(err);
    }
  }

  async delete(key: string): Promise<boolean> {
    try {
      return await this.entry(key).deleteCredential();
    } catch (err) {
      // Older keyring builds report a missing item as an error rather than false.
      if (/no (matching )?entry|not found/i.test((err as Error).message)) return false;
      throw keychainFailure(err);
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
