/**
 * Credentials: read from Azure Key Vault, cached in the OS keychain, used offline from there.
 * A rejected Samba password is invalidated and fetched once more (rotation), never retried in a loop.
 */
import type { SecretClient } from '@azure/keyvault-secrets';
import { clientSecretNames, sambaPasswordSecret } from '../../contract/secrets.js';
import type { CredentialStore, SmbCredential } from '../platform/index.js';
import { CredentialError } from './errors.js';
import { normaliseFingerprint } from './http.js';
import type { AccessToken } from './msal.js';

/** Keychain keys of the cached credentials (the Key Vault names are in contract/secrets.ts). */
export const KEYCHAIN_KEYS = {
  smb: 'smb-credential',
  helperToken: 'helper-token',
  helperFingerprint: 'helper-fingerprint',
  helperUrl: 'helper-url',
} as const;

/** Anything that yields secrets by name (Key Vault, or a test double). */
export interface SecretSource {
  getSecret(name: string): Promise<string>;
}

/** The TokenCredential the Azure SDK wants. */
export interface TokenSource {
  getToken(scopes: string | string[]): Promise<AccessToken | null>;
}

/** Reads secrets from Azure Key Vault with the real SDK. */
export class KeyVaultSecrets implements SecretSource {
  private client: Promise<SecretClient> | null = null;

  constructor(
    private readonly url: string,
    private readonly credential: TokenSource,
    private readonly opts: { ca?: string } = {},
  ) {}

  // The SDK is loaded on first use: mounting from the keychain never needs it.
  private async open(): Promise<SecretClient> {
    const { SecretClient } = await import('@azure/keyvault-secrets');
    const { url, credential, opts } = this;
    const options = {
      // A short retry budget: the caller falls back to the keychain rather than waiting for a vault outage.
      retryOptions: { maxRetries: 1, retryDelayInMs: 200, maxRetryDelayInMs: 500 },
      ...(opts.ca ? { tlsOptions: { ca: opts.ca }, disableChallengeResourceVerification: true } : {}),
    };
    return new SecretClient(
      url,
      credential as ConstructorParameters<typeof SecretClient>[1],
      options as ConstructorParameters<typeof SecretClient>[2],
    );
  }

  async getSecret(name: string): Promise<string> {
    try {
      this.client ??= this.open();
      const s = await (await this.client).getSecret(name);
      if (typeof s.value !== 'string')
        throw new CredentialError('secret-missing', `Key Vault secret "${name}" has no value`);
      return s.value;
    } catch (err) {
      if (err instanceof CredentialError) throw err;
      const e = err as { statusCode?: number; code?: string; message?: string };
      if (e.statusCode === 404) throw new CredentialError('secret-missing', `Key Vault has no secret "${name}"`);
      if (e.statusCode === 401 || e.statusCode === 403)
        throw new CredentialError(
          'login-required',
          `Key Vault refused access to "${name}" (${e.statusCode}): sign in again with \`fts login\``,
        );
      // The SDK's message can quote the request; only the code and status are kept.
      throw new CredentialError(
        'vault-unreachable',
        `Key Vault is unreachable (${e.code ?? e.statusCode ?? 'network error'})`,
      );
    }
  }
}

/** What the client knows about credentials: the keychain cache first, Key Vault behind it, under the contract's names. */
export class Credentials {
  private refetching: Promise<SmbCredential> | null = null;
  private refetchingHelper: Promise<{ token: string; fingerprint: string }> | null = null;
  private readonly names: ReturnType<typeof clientSecretNames>;

  constructor(
    private readonly store: CredentialStore,
    /** Opens the vault only when it is needed, so offline use never signs in. */
    private readonly vault: () => Promise<SecretSource>,
    /** This client's id: its token and Samba user are secrets named by it (contract/secrets.ts). */
    clientId: string,
  ) {
    this.names = clientSecretNames(clientId);
  }

  /** The Samba credential: cached, else from Key Vault (then cached). */
  async smb(): Promise<SmbCredential> {
    const cached = await this.store.get(KEYCHAIN_KEYS.smb);
    if (cached) {
      const parsed = parseSmbCredential(cached);
      if (parsed) return parsed;
    }
    return this.fetchSmb();
  }

  /** Drops the cached Samba credential and fetches it again once; concurrent callers share the one fetch. */
  refreshSmb(): Promise<SmbCredential> {
    this.refetching ??= (async () => {
      try {
        await this.store.delete(KEYCHAIN_KEYS.smb);
        return await this.fetchSmb();
      } finally {
        this.refetching = null;
      }
    })();
    return this.refetching;
  }

  private async fetchSmb(): Promise<SmbCredential> {
    const vault = await this.vault();
    // This client's Samba user, then that user's password (rotation writes it under the user's name).
    const username = (await vault.getSecret(this.names.sambaUser)).trim();
    let passwordSecret: string;
    try {
      passwordSecret = sambaPasswordSecret(username);
    } catch {
      throw new CredentialError(
        'malformed',
        `Key Vault secret "${this.names.sambaUser}" must hold a Samba user name (lower-case letters, digits and dashes)`,
      );
    }
    const cred = { username, password: await vault.getSecret(passwordSecret) };
    await this.store.set(KEYCHAIN_KEYS.smb, JSON.stringify(cred));
    return cred;
  }

  /** The helper's API token (cached, else Key Vault `fts-client-<id>-token`). */
  helperToken(): Promise<string> {
    return this.cachedSecret(KEYCHAIN_KEYS.helperToken, this.names.helperToken);
  }

  /** The helper's certificate fingerprint to pin (cached, else Key Vault `fts-helper-fingerprint`). */
  helperFingerprint(): Promise<string> {
    return this.cachedSecret(KEYCHAIN_KEYS.helperFingerprint, this.names.helperFingerprint, (value) => {
      const fp = normaliseFingerprint(value);
      if (!/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(fp))
        throw new CredentialError(
          'malformed',
          `Key Vault secret "${this.names.helperFingerprint}" must hold a SHA-256 fingerprint`,
        );
      return fp;
    });
  }

  /** The helper's URL if the keychain has it (no Key Vault: for working offline). */
  cachedHelperUrl(): Promise<string | null> {
    return this.store.get(KEYCHAIN_KEYS.helperUrl);
  }

  /** Reads the helper's URL from Key Vault again (sign-in: the helper may have moved). */
  async refreshHelperUrl(): Promise<string> {
    await this.store.delete(KEYCHAIN_KEYS.helperUrl);
    return this.helperUrl();
  }

  /** The helper's API URL (cached, else Key Vault `fts-helper-url`). */
  helperUrl(): Promise<string> {
    return this.cachedSecret(KEYCHAIN_KEYS.helperUrl, this.names.helperUrl, (url) => {
      if (!/^https?:\/\/[^\s]+$/.test(url) || !URL.canParse(url))
        throw new CredentialError('malformed', `Key Vault secret "${this.names.helperUrl}" must hold the helper's URL`);
      return url;
    });
  }

  /**
   * Drops the cached helper token and fingerprint and reads both from Key Vault again (the helper answered 401, or
   * its certificate no longer matches the pin: the token was rotated or the helper reinstalled). Concurrent callers
   * share the one fetch.
   */
  refreshHelper(): Promise<{ token: string; fingerprint: string }> {
    this.refetchingHelper ??= (async () => {
      try {
        await this.store.delete(KEYCHAIN_KEYS.helperToken);
        await this.store.delete(KEYCHAIN_KEYS.helperFingerprint);
        const [token, fingerprint] = await Promise.all([this.helperToken(), this.helperFingerprint()]);
        return { token, fingerprint };
      } finally {
        this.refetchingHelper = null;
      }
    })();
    return this.refetchingHelper;
  }

  /** The keychain's copy, else Key Vault's (checked by `check` before it is cached: a bad value is never kept). */
  private async cachedSecret(key: string, name: string, check: (value: string) => string = (v) => v): Promise<string> {
    const cached = await this.store.get(key);
    if (cached) return check(cached);
    const value = check((await (await this.vault()).getSecret(name)).trim());
    await this.store.set(key, value);
    return value;
  }

  /** Whether the helper's token is cached (the event stream works without signing in). */
  async hasCachedHelperToken(): Promise<boolean> {
    return (await this.store.get(KEYCHAIN_KEYS.helperToken)) !== null;
  }

  /** Whether a Samba credential is cached (for `fts status`). */
  async hasCachedSmb(): Promise<boolean> {
    return (await this.store.get(KEYCHAIN_KEYS.smb)) !== null;
  }

  /** Removes every cached credential; returns the keys that were present. */
  async clear(): Promise<string[]> {
    const removed: string[] = [];
    for (const key of Object.values(KEYCHAIN_KEYS)) if (await this.store.delete(key)) removed.push(key);
    return removed;
  }
}

/** Parses `{"username","password"}` (also `user`); null when malformed. */
export function parseSmbCredential(text: string): SmbCredential | null {
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    const username = typeof o.username === 'string' ? o.username : typeof o.user === 'string' ? o.user : null;
    if (!username || typeof o.password !== 'string') return null;
    return { username, password: o.password };
  } catch {
    return null;
  }
}
