/**
 * Secrets in Azure Key Vault, from the server's side: read (SecretSource) and write (SecretWriter) by name.
 * The real implementation uses @azure/keyvault-secrets with an MSAL confidential-client credential whose
 * client secret or certificate is read from a 0600 file the config names. Tests inject a TokenCredential.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { SecretClient } from '@azure/keyvault-secrets';
import { ConfidentialClientApplication, type INetworkModule } from '@azure/msal-node';
import { SecretError, type BackupSecretName, type SecretSource as BackupSecretSource } from './secrets.js';

/** What the vault client needs from the config's `keyVault` section (system/ imports no app folder). */
export interface KeyVaultSettings {
  name: string;
  url?: string;
  tenantId?: string;
  clientId?: string;
  clientSecretFile?: string;
  certificateFile?: string;
  /** Entra ID's host (default https://login.microsoftonline.com). */
  authorityHost?: string;
  /** Secret names by role (`resticPassword`: `restic-password`, …). */
  secrets?: Record<string, string>;
  /** The config section these settings came from, for messages (default `keyVault`; the server vault's is `keyVault.server`). */
  configKey?: string;
}

/** Reads secrets by name. */
export interface SecretSource {
  /** The current value, or null when the vault has no such secret. */
  getSecret(name: string): Promise<string | null>;
}

/** Reads and writes secrets by name. */
export interface SecretWriter extends SecretSource {
  /** Stores a new version; clients reading the secret see it from now on. A deleted (recoverable) secret is recovered first. */
  setSecret(name: string, value: string): Promise<void>;
  /** Deletes a secret (and purges it where the vault allows); false when there was none. */
  deleteSecret(name: string): Promise<boolean>;
}

/** Key Vault is configured but cannot be used (missing credential, loose file mode). */
export class KeyVaultSettingsError extends Error {
  override readonly name = 'KeyVaultSettingsError';
}

/** The vault could not be reached at all (no such host, refused, timed out): the name or the network is wrong. */
export class KeyVaultUnreachableError extends Error {
  override readonly name = 'KeyVaultUnreachableError';
}

/** Error codes of a request that never reached the vault (DNS, TCP), as Node and the Azure SDK report them. */
const NETWORK_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'REQUEST_SEND_ERROR',
]);

/**
 * A failure to reach the vault in words a person can act on ("cannot reach Key Vault NAME (URL): check
 * keyVault.name and the network"), or the error itself when the vault answered. The SDK's own message (raw
 * getaddrinfo text, sometimes the request) is not kept, only its code.
 */
export function vaultNetworkError(kv: KeyVaultSettings, err: unknown): unknown {
  const e = err as { code?: string; cause?: { code?: string } };
  const code = [e?.code, e?.cause?.code].find((c) => c && NETWORK_CODES.has(c));
  if (!code) return err;
  const section = kv.configKey ?? 'keyVault';
  const key = kv.url ? `${section}.url` : `${section}.name`;
  return new KeyVaultUnreachableError(
    `cannot reach Key Vault ${kv.name} (${vaultUrl(kv)}): check ${key} and the network (${code})`,
  );
}

/** Reads a secret file, refusing one that group or others may read. */
export function readPrivateFile(path: string, field: string): string {
  const st = statSync(path);
  if ((st.mode & 0o077) !== 0)
    throw new KeyVaultSettingsError(`${field}: ${path} must be readable only by its owner (chmod 600 ${path})`);
  return readFileSync(path, 'utf8');
}

/** The vault's URL: the override, or https://NAME.vault.azure.net. */
export function vaultUrl(kv: KeyVaultSettings): string {
  return kv.url ?? `https://${kv.name}.vault.azure.net`;
}

/** Entra ID's host in Azure's public cloud. */
const PUBLIC_CLOUD = 'https://login.microsoftonline.com';

/** Lets a test answer MSAL's requests in-process (Entra ID cannot be reached here). */
export interface MsalTestHooks {
  networkClient?: INetworkModule;
  authorityMetadata?: string;
  cloudDiscoveryMetadata?: string;
}

/** A TokenCredential over MSAL's client-credentials flow (client secret or certificate from a 0600 file). */
export function msalCredential(kv: KeyVaultSettings, msal: MsalTestHooks = {}): TokenCredential {
  if (!kv.tenantId || !kv.clientId)
    throw new KeyVaultSettingsError(
      'keyVault.tenantId and keyVault.clientId are needed to use Key Vault from the server',
    );
  let auth: ConstructorParameters<typeof ConfidentialClientApplication>[0]['auth'];
  const host = (kv.authorityHost ?? PUBLIC_CLOUD).replace(/\/+$/, '');
  const authority = `${host}/${kv.tenantId}`;
  if (kv.clientSecretFile) {
    auth = {
      clientId: kv.clientId,
      authority,
      clientSecret: readPrivateFile(kv.clientSecretFile, 'keyVault.clientSecretFile').trim(),
    };
  } else if (kv.certificateFile) {
    // One PEM file with the private key and the certificate (as `az ad sp create-for-rbac --create-cert` writes it).
    const pem = readPrivateFile(kv.certificateFile, 'keyVault.certificateFile');
    const key = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/.exec(pem)?.[0];
    const certPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
    if (!key || !certPem)
      throw new KeyVaultSettingsError(
        `keyVault.certificateFile: ${kv.certificateFile} must hold a PEM private key and certificate`,
      );
    const der = new X509Certificate(certPem).raw;
    auth = {
      clientId: kv.clientId,
      authority,
      clientCertificate: {
        thumbprintSha256: createHash('sha256').update(der).digest('hex'),
        privateKey: key,
        x5c: certPem,
      },
    };
  } else {
    throw new KeyVaultSettingsError(
      'keyVault.clientSecretFile or keyVault.certificateFile is needed to use Key Vault from the server',
    );
  }
  // Another host is named as known, so MSAL reads its OpenID configuration from it rather than asking the
  // public cloud's instance discovery about it.
  if (host !== PUBLIC_CLOUD) auth = { ...auth, knownAuthorities: [new URL(host).host] };
  const app = new ConfidentialClientApplication({
    auth: {
      ...auth,
      ...(msal.authorityMetadata ? { authorityMetadata: msal.authorityMetadata } : {}),
      ...(msal.cloudDiscoveryMetadata ? { cloudDiscoveryMetadata: msal.cloudDiscoveryMetadata } : {}),
    },
    ...(msal.networkClient ? { system: { networkClient: msal.networkClient } } : {}),
  });
  return {
    async getToken(scopes: string | string[]): Promise<AccessToken | null> {
      const r = await app.acquireTokenByClientCredential({ scopes: Array.isArray(scopes) ? scopes : [scopes] });
      if (!r) return null;
      return {
        token: r.accessToken,
        expiresOnTimestamp: r.expiresOn ? r.expiresOn.getTime() : Date.now() + 5 * 60_000,
      };
    },
  };
}

/** Whether the config has what the server needs to write secrets (a vault and a credential). */
export function canWriteSecrets(kv: KeyVaultSettings | undefined): kv is KeyVaultSettings {
  return !!kv && !!kv.tenantId && !!kv.clientId && !!(kv.clientSecretFile || kv.certificateFile);
}

/** A Key Vault client over @azure/keyvault-secrets. `ca` trusts a private CA (tests' local vault). */
export function keyVaultSecrets(
  kv: KeyVaultSettings,
  opts: { credential?: TokenCredential; ca?: string } = {},
): SecretWriter {
  const credential = opts.credential ?? msalCredential(kv);
  const client = new SecretClient(vaultUrl(kv), credential, {
    // A vault URL override (a private endpoint, or the tests' vault) does not end in vault.azure.net.
    ...(kv.url ? { disableChallengeResourceVerification: true } : {}),
    ...(opts.ca ? { tlsOptions: { ca: opts.ca } } : {}),
  } as ConstructorParameters<typeof SecretClient>[2]);
  // Every call's failure to reach the vault becomes one message that names the setting to check.
  const reaching = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      throw vaultNetworkError(kv, err);
    }
  };
  return {
    getSecret: (name) =>
      reaching(async () => {
        try {
          return (await client.getSecret(name)).value ?? null;
        } catch (err) {
          if ((err as { code?: string; statusCode?: number }).statusCode === 404) return null;
          throw err;
        }
      }),
    setSecret: (name, value) =>
      reaching(async () => {
        try {
          await client.setSecret(name, value);
        } catch (err) {
          // Soft delete keeps a deleted name taken until it is recovered or purged (an unpaired client paired again).
          if ((err as { statusCode?: number }).statusCode !== 409) throw err;
          await (await client.beginRecoverDeletedSecret(name)).pollUntilDone();
          await client.setSecret(name, value);
        }
      }),
    deleteSecret: (name) =>
      reaching(async () => {
        try {
          await (await client.beginDeleteSecret(name)).pollUntilDone();
        } catch (err) {
          if ((err as { statusCode?: number }).statusCode === 404) return false;
          throw err;
        }
        // Purging needs the purge permission and is refused with purge protection: then the name stays
        // recoverable, and setSecret recovers it when it is used again.
        await client.purgeDeletedSecret(name).catch(() => undefined);
        return true;
      }),
  };
}

/** Secrets for the backup, by role, from Key Vault (names from `keyVault.secrets`); cached for the life of the source. */
export class KeyVaultSecretSource implements BackupSecretSource {
  readonly description: string;
  private readonly vault: SecretWriter;
  private readonly cache = new Map<string, string | null>();

  constructor(
    private readonly settings: KeyVaultSettings,
    opts: { credential?: TokenCredential; caCertFile?: string } = {},
  ) {
    this.description = `Key Vault ${settings.name}`;
    this.vault = keyVaultSecrets(settings, {
      credential: opts.credential,
      ...(opts.caCertFile ? { ca: readFileSync(opts.caCertFile, 'utf8') } : {}),
    });
  }

  /** Reads one secret; null when the vault has no secret of that name. */
  async read(name: BackupSecretName): Promise<string | null> {
    const secretName = this.settings.secrets?.[name];
    if (!secretName) return null;
    if (this.cache.has(secretName)) return this.cache.get(secretName)!;
    try {
      const value = await this.vault.getSecret(secretName);
      this.cache.set(secretName, value);
      return value;
    } catch (err) {
      if (err instanceof KeyVaultUnreachableError) throw new SecretError(err.message);
      const e = err as { statusCode?: number; code?: string; message?: string };
      if (e.statusCode === 401 || e.statusCode === 403) {
        throw new SecretError(
          `${this.description} refused to give secret "${secretName}" (HTTP ${e.statusCode}): check the helper's access policy or role`,
        );
      }
      throw new SecretError(
        `could not read secret "${secretName}" from ${this.description}: ${e.code ?? e.message ?? 'unknown error'}`,
      );
    }
  }
}
