/**
 * What a valid configuration still lacks before every feature works: the seed's backup section names a
 * placeholder bucket and secret files a person fills in, and its keyVault section an example vault and no
 * credential. Reported by `config check`, never fatal: the rest of
 * the helper runs meanwhile.
 */
import { secretFileProblem } from '../../lib/secret-file.js';
import { BUCKET_PLACEHOLDER, KEY_VAULT_PLACEHOLDER, SERVER_KEY_VAULT_PLACEHOLDER } from './seed.js';
import type { HelperConfig } from './schema.js';

/** One thing left to set, named by its key. */
export interface Incomplete {
  key: string;
  message: string;
}

/** The backup section's gaps: the placeholder bucket, and (with secrets from files) the key files an S3/B2 repository needs. */
export function backupGaps(config: HelperConfig): Incomplete[] {
  const b = config.backup;
  if (!b) return [];
  const gaps: Incomplete[] = [];
  const bucket = placeholderBucketGap(b.repository);
  if (bucket) gaps.push({ key: 'backup.repository', message: bucket });
  if (b.secretsFrom === 'files') {
    const s3 = /^s3:/.test(b.repository);
    const files: [string, string | undefined, boolean][] = [
      ['backup.passwordFile', b.passwordFile, b.engine === 'restic'],
      ['backup.keyIdFile', b.keyIdFile, s3],
      ['backup.applicationKeyFile', b.applicationKeyFile, s3],
    ];
    for (const [key, file, needed] of files) {
      if (!needed) continue;
      if (!file) gaps.push({ key, message: 'not set' });
      else {
        const gap = secretFileProblem(file);
        if (gap) gaps.push({ key, message: gap });
      }
    }
  }
  return gaps;
}

/** The message for a backup repository that still names the seed's placeholder bucket; null when it names a real one. */
export function placeholderBucketGap(repository: string): string | null {
  return repository.includes(BUCKET_PLACEHOLDER) ? `replace ${BUCKET_PLACEHOLDER} with your B2 bucket` : null;
}

/** The keyVault section's gaps: the seed's example vault names, and the helper's credential (tenant, app, secret file). */
export function keyVaultGaps(config: HelperConfig): Incomplete[] {
  const kv = config.keyVault;
  if (!kv) return [];
  const gaps: Incomplete[] = [];
  // With a URL override the name only labels the vault; without one it is the vault's host name.
  if (!kv.url && kv.name === KEY_VAULT_PLACEHOLDER)
    gaps.push({
      key: 'keyVault.name',
      message: `${KEY_VAULT_PLACEHOLDER} is the seed's example: put your client vault's name here`,
    });
  if (kv.server && !kv.server.url && kv.server.name === SERVER_KEY_VAULT_PLACEHOLDER)
    gaps.push({
      key: 'keyVault.server.name',
      message: `${SERVER_KEY_VAULT_PLACEHOLDER} is the seed's example: put your server vault's name here`,
    });
  if (!kv.tenantId) gaps.push({ key: 'keyVault.tenantId', message: "not set: your Entra tenant's id" });
  if (!kv.clientId) gaps.push({ key: 'keyVault.clientId', message: "not set: the helper's app registration id" });
  if (!kv.clientSecretFile && !kv.certificateFile)
    gaps.push({
      key: 'keyVault.clientSecretFile',
      message: "not set: a 0600 file with the helper app's client secret (or keyVault.certificateFile)",
    });
  for (const [key, file] of [
    ['keyVault.clientSecretFile', kv.clientSecretFile],
    ['keyVault.certificateFile', kv.certificateFile],
  ] as const) {
    const gap = file ? secretFileProblem(file) : null;
    if (gap) gaps.push({ key, message: gap });
  }
  return gaps;
}
