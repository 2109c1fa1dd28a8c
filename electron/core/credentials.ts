/**
 * Credentials: read from Azure Key Vault, cached in the OS keychain, used offline from there.
 * A rejected Samba password is invalidated and fetched once more (rotation), never retried in a loop.
 */
import type { SecretClient } from '@azure/keyvault-secrets';
import type { CredentialStore, SmbCredential } from '../platform/index.js';
import type { SambaSecretNames } from './config.js';
import { CredentialError } from './errors.js';
import type { AccessToken } from './msal.js';

/** Keychain keys of the cached credentials. */
export const KEYCHAIN_KEYS = { smb: 'smb-credential', helperToken: 'helper-token', helperFingerprint: 'helper-fingerprint' } as const;

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
    return new SecretClient(url, credential as ConstructorParameters<typeof SecretClient>[1], options as ConstructorParameters<typeof SecretClient>[2]);
  }

  async getSecret(name: string): Promise<string> {
    try {
      this.client ??= this.open();
      const s = await (await this.client).getSecret(name);
      if (typeof s.value !== 'string') throw new CredentialError('secret-missing', `Key Vault secret "${name}" has no value`);
      return s.value;
    } catch (err) {
      if (err instanceof CredentialError) throw err;
      const e = err as { statusCode?: number; code?: string; message?: string };
      if (e.statusCode === 404) throw new CredentialError('secret-missing', `Key Vault has no secret "${name}"`);
      if (e.statusCode === 401 || e.statusCode === 403) throw new CredentialError('login-required', `Key Vault refused access to "${name}" (${e.statusCode}): sign in again with \`fts login\``);
      // The SDK's message can quote the request; only the code and status are kept.
      throw new CredentialError('vault-unreachable', `Key Vault is unreachable (${e.code ?? e.statusCode ?? 'network error'})`);
    }
  }
}

/** What the client knows about credentials: the keychain cache first, Key Vault behind it. */
export class Credentials {
  private refetching: Promise<SmbCredential> | null = null;

  constructor(
    private readonly store: CredentialStore,
    /** Opens the vault only when it is needed, so offline use never signs in. */
    private readonly vault: () => Promise<SecretSource>,
    private readonly names: { samba: SambaSecretNames; helperToken: string; helperFingerprint: string },
  ) {}

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
    const n = this.names.samba;
    let cred: SmbCredential | null;
    if ('json' in n) {
      cred = parseSmbCredential(await vault.getSecret(n.json));
      if (!cred) throw new CredentialError('malformed', `Key Vault secret "${n.json}" must be JSON {"username": "...", "password": "..."}`);
    } else {
      const [username, password] = await Promise.all([vault.getSecret(n.user), vault.getSecret(n.password)]);
      cred = { username, password };
    }
    await this.store.set(KEYCHAIN_KEYS.smb, JSON.stringify(cred));
    return cred;
  }

  /** The helper's API token (cached, else Key Vault). */
  helperToken(): Promise<string> {
    return this.cachedSecret(KEYCHAIN_KEYS.helperToken, this.names.helperToken);
  }

  /** The helper's certificate fingerprint to pin (cached, else Key Vault). */
  helperFingerprint(): Promise<string> {
    return this.cachedSecret(KEYCHAIN_KEYS.helperFingerprint, this.names.helperFingerprint);
  }

  private async cachedSecret(key: string, name: string): Promise<string> {
    const cached = await this.store.get(key);
    if (cached) return cached;
    const value = (await (await this.vault()).getSecret(name)).trim();
    await this.store.set(key, value);
    return value;
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
