/**
 * Secrets from Azure Key Vault, server side: the helper signs in as a confidential client (MSAL, with a client
 * secret or a certificate from a 0600 file) and reads secrets with @azure/keyvault-secrets.
 */
import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { SecretClient } from '@azure/keyvault-secrets';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readSecretFile, SecretError, type BackupSecretName, type SecretSource } from './secrets.js';

/** What the Key Vault source needs from the config's `keyVault` section. */
export interface KeyVaultSettings {
  name: string;
  url?: string;
  tenantId?: string;
  clientId?: string;
  clientSecretFile?: string;
  certificateFile?: string;
  secrets: Record<BackupSecretName, string> & Record<string, string>;
}

/** The vault's URL: the configured override, or https://NAME.vault.azure.net. */
export function vaultUrl(s: KeyVaultSettings): string {
  return s.url ?? `https://${s.name}.vault.azure.net`;
}

/** A TokenCredential over an MSAL confidential client (client secret or certificate). */
export class MsalConfidentialCredential implements TokenCredential {
  private readonly app: ConfidentialClientApplication;

  constructor(s: KeyVaultSettings, extra: Pick<Configuration, 'system'> & { authorityMetadata?: string; cloudDiscoveryMetadata?: string } = {}) {
    if (!s.tenantId || !s.clientId) throw new SecretError('keyVault.tenantId and keyVault.clientId are needed to read secrets from Key Vault');
    let clientCredential: NonNullable<Configuration['auth']['clientSecret']> | undefined;
    let clientCertificate: Configuration['auth']['clientCertificate'];
    if (s.clientSecretFile) clientCredential = readSecretFile(s.clientSecretFile);
    else if (s.certificateFile) {
      const pem = readSecretFile(s.certificateFile);
      const cert = new X509Certificate(pem);
      const key = createPrivateKey(pem).export({ format: 'pem', type: 'pkcs8' }).toString();
      clientCertificate = { thumbprintSha256: cert.fingerprint256.replace(/:/g, ''), privateKey: key, x5c: cert.toString() };
    } else throw new SecretError('set keyVault.clientSecretFile or keyVault.certificateFile (a 0600 file) to read secrets from Key Vault');
    this.app = new ConfidentialClientApplication({
      auth: {
        clientId: s.clientId,
        authority: `https://login.microsoftonline.com/${s.tenantId}`,
        ...(clientCredential ? { clientSecret: clientCredential } : { clientCertificate }),
        ...(extra.authorityMetadata ? { authorityMetadata: extra.authorityMetadata } : {}),
        ...(extra.cloudDiscoveryMetadata ? { cloudDiscoveryMetadata: extra.cloudDiscoveryMetadata } : {}),
      },
      ...(extra.system ? { system: extra.system } : {}),
    });
  }

  /** Gets an app-only token for the requested scopes (Key Vault asks for https://vault.azure.net/.default). */
  async getToken(scopes: string | string[]): Promise<AccessToken | null> {
    const r = await this.app.acquireTokenByClientCredential({ scopes: Array.isArray(scopes) ? scopes : [scopes] });
    if (!r) return null;
    return { token: r.accessToken, expiresOnTimestamp: r.expiresOn ? r.expiresOn.getTime() : Date.now() + 300_000 };
  }
}

/** Secrets from Key Vault, by the names in `keyVault.secrets`. Values are cached for the life of the source. */
export class KeyVaultSecretSource implements SecretSource {
  readonly description: string;
  private readonly client: SecretClient;
  private readonly cache = new Map<string, string | null>();

  constructor(
    private readonly settings: KeyVaultSettings,
    opts: { credential?: TokenCredential; caCertFile?: string } = {},
  ) {
    this.description = `Key Vault ${settings.name}`;
    const credential = opts.credential ?? new MsalConfidentialCredential(settings);
    this.client = new SecretClient(vaultUrl(settings), credential, {
      // A vault behind a private URL (tests) answers the challenge with its own resource; the real one is verified.
      disableChallengeResourceVerification: settings.url !== undefined,
      ...(opts.caCertFile ? { tlsOptions: { ca: readFileSync(opts.caCertFile, 'utf8') } } : {}),
      retryOptions: { maxRetries: 1 },
    });
  }

  /** Reads one secret; null when the vault has no secret of that name. */
  async read(name: BackupSecretName): Promise<string | null> {
    const secretName = this.settings.secrets[name];
    if (!secretName) return null;
    if (this.cache.has(secretName)) return this.cache.get(secretName)!;
    try {
      const s = await this.client.getSecret(secretName);
      const value = s.value ?? null;
      this.cache.set(secretName, value);
      return value;
    } catch (err) {
      const e = err as { statusCode?: number; code?: string; message?: string };
      if (e.statusCode === 404) {
        this.cache.set(secretName, null);
        return null;
      }
      if (e.statusCode === 401 || e.statusCode === 403) {
        throw new SecretError(`${this.description} refused to give secret "${secretName}" (HTTP ${e.statusCode}): check the helper's access policy or role`);
      }
      throw new SecretError(`could not read secret "${secretName}" from ${this.description}: ${e.code ?? e.message ?? 'unknown error'}`);
    }
  }
}
