/**
 * The alert channels' secrets (a bearer token, an SMTP password, a URL that works as a password), read when a
 * message is sent, from a 0600 file or the config's Key Vault; and the redaction that keeps them out of every
 * log line and error message.
 */
import type { HelperConfig } from '../config/schema.js';
import type { SecretRef } from '../config/alerts-schema.js';
import { keyVaultSecrets, type SecretSource as VaultReader } from '../system/keyvault.js';
import { readSecretFile, SecretError } from '../system/secrets.js';

/** Reads the secrets alert channels name. */
export class AlertSecrets {
  private vault: VaultReader | null;

  /** `vault` replaces the config's Key Vault client (tests pass one that trusts the local vault). */
  constructor(
    private readonly config: HelperConfig,
    vault?: VaultReader,
  ) {
    this.vault = vault ?? null;
  }

  /** The secret's value; throws SecretError naming `field` and where it looked, never the value. */
  async read(ref: SecretRef, field: string): Promise<string> {
    if ('file' in ref) {
      try {
        return readSecretFile(ref.file);
      } catch (err) {
        throw new SecretError(`${field}: ${(err as Error).message}`);
      }
    }
    const kv = this.config.keyVault;
    if (!kv) throw new SecretError(`${field}: a Key Vault secret needs a keyVault section in the config`);
    try {
      this.vault ??= keyVaultSecrets(kv);
    } catch (err) {
      // A missing or loose credential file: its message names the field and the file, never a secret.
      throw new SecretError(`${field}: ${(err as Error).message}`);
    }
    let value: string | null;
    try {
      value = await this.vault.getSecret(ref.keyVault);
    } catch (err) {
      const e = err as { statusCode?: number; code?: string };
      throw new SecretError(
        `${field}: could not read secret "${ref.keyVault}" from Key Vault ${kv.name} (${e.statusCode ? `HTTP ${e.statusCode}` : (e.code ?? 'unknown error')})`,
      );
    }
    if (!value) throw new SecretError(`${field}: Key Vault ${kv.name} has no secret "${ref.keyVault}"`);
    return value;
  }
}

/** Forms a secret may take in a message: as is, URL-encoded, base64 (SMTP AUTH), and a URL's path and query. */
function formsOf(secret: string): string[] {
  const forms = [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')];
  try {
    const u = new URL(secret);
    if (u.pathname.length > 1) forms.push(u.pathname.slice(1));
    if (u.search) forms.push(u.search.slice(1));
    if (u.password) forms.push(u.password);
  } catch {
    // Not a URL.
  }
  // Very short strings would redact ordinary words; no secret of ours is that short.
  return forms.filter((f) => f.length >= 4);
}

/** Replaces every form of every secret in text with `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  const forms = secrets.flatMap(formsOf).sort((a, b) => b.length - a.length);
  for (const f of forms) out = out.split(f).join('[redacted]');
  return out;
}
