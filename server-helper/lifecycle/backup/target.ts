/** Turns the backup config into what restic or rclone needs: the source folder, secrets and repository. */
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HelperConfig } from '../../config/schema.js';
import type { BackupConfig } from '../../config/schema.js';
import type { TokenCredential } from '@azure/core-auth';
import type { KeyVaultSettings } from '../../system/keyvault.js';
import { FileSecretSource, SecretError, type SecretSource } from '../../system/secrets.js';
import type { ResticTarget } from '../../system/restic.js';
import type { RcloneTarget } from '../../system/rclone.js';
import { placeholderBucketGap } from '../../config/completeness.js';
import { PreflightError, preflightDrives } from '../preflight.js';
import { BackupError } from './errors.js';

/** The backup section, or a clear failure when there is none. */
export function backupConfigOf(config: HelperConfig): BackupConfig {
  if (!config.backup)
    throw new BackupError(
      'not-configured',
      'backup is not configured: add a backup section (repository, passwordFile) to the config',
    );
  return config.backup;
}

/**
 * Refuses a repository that still names the seed's placeholder bucket, before anything connects (restic would
 * only say the endpoint is unreachable or the bucket does not exist).
 */
export function refusePlaceholderRepository(b: BackupConfig): void {
  const gap = placeholderBucketGap(b.repository);
  if (gap)
    throw new BackupError(
      'not-configured',
      `backup.repository: ${displayRepository(b.repository)} is the seed's example: ${gap} in the config, then run this again`,
    );
}

/** The repository as it may be shown: user info and query strings removed from URLs. */
export function displayRepository(repository: string): string {
  return repository.replace(/(\/\/)[^/@]*@/, '$1').replace(/\?.*$/, '');
}

/** Test hooks for the Key Vault client: a credential and a private CA (there is no Entra ID or Azure here). */
export interface KeyVaultClientOptions {
  credential?: TokenCredential;
  caCertFile?: string;
}

/**
 * The settings to read the backup's secrets with: the server vault (`keyVault.server`), which no client can read,
 * with the helper's credential and secret names. Refused when there is none, so the restic password and B2 key
 * are never read from the vault every client may read; to keep them there behind per-secret roles, name the same
 * vault as `keyVault.server` explicitly.
 */
export function serverVaultSettings(config: HelperConfig): KeyVaultSettings {
  const kv = config.keyVault;
  if (!kv)
    throw new BackupError('secrets', 'backup.secretsFrom is keyvault but there is no keyVault section in the config');
  if (!kv.server) {
    throw new BackupError(
      'secrets',
      'backup.secretsFrom is keyvault but keyVault.server is not set: put the restic password and B2 key in a vault no client can read and name it in keyVault.server.name (see docs/keyvault-roles.md)',
    );
  }
  const { server, ...rest } = kv;
  // The client vault's URL override must not carry over: the server vault has its own (or none).
  return { ...rest, name: server.name, url: server.url, configKey: 'keyVault.server' };
}

/** The secret source the config names: 0600 files, or the server's Key Vault (its Azure libraries load only when used). */
export async function secretSourceFor(
  config: HelperConfig,
  kvOptions: KeyVaultClientOptions = {},
): Promise<SecretSource> {
  const b = backupConfigOf(config);
  if (b.secretsFrom === 'keyvault') {
    const settings = serverVaultSettings(config);
    const { KeyVaultSecretSource } = await import('../../system/keyvault.js');
    try {
      return new KeyVaultSecretSource(settings, kvOptions);
    } catch (err) {
      if (err instanceof SecretError) throw new BackupError('secrets', err.message);
      throw err;
    }
  }
  return new FileSecretSource({
    resticPassword: b.passwordFile,
    b2KeyId: b.keyIdFile,
    b2ApplicationKey: b.applicationKeyFile,
  });
}

/**
 * The folder to back up: the source role's mount point, which must be mounted (unless the config says it need
 * not be, as in the sandbox), so an unmounted disk never produces an empty snapshot that retention then trusts.
 */
export function sourceFolder(config: HelperConfig): string {
  const role = backupConfigOf(config).source;
  const drive = config.drives[role];
  const share = config.shares.find((s) => s.role === role);
  const path = drive?.mountPoint ?? share?.path;
  if (!path)
    throw new BackupError('not-configured', `no drive or share has the role ${role}: set drives.${role}.mountPoint`);
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new BackupError('not-mounted', `${role} is not mounted: ${path} does not exist`);
  }
  if (!st.isDirectory()) throw new BackupError('not-mounted', `${role} is not mounted: ${path} is not a folder`);
  if (drive?.requireMount !== false && path !== '/') {
    const parent = statSync(dirname(path));
    if (parent.dev === st.dev)
      throw new BackupError(
        'not-mounted',
        `${role} is not mounted: ${path} is a plain folder on the parent disk; mount the ${role} drive`,
      );
  }
  return path;
}

/** sourceFolder, plus the disk check graduation uses: the configured filesystem type, UUID or label must be the one mounted. */
export async function checkedSourceFolder(config: HelperConfig, signal?: AbortSignal): Promise<string> {
  const path = sourceFolder(config);
  const role = backupConfigOf(config).source;
  if (config.drives[role]) {
    try {
      await preflightDrives(config, [role], signal);
    } catch (err) {
      if (err instanceof PreflightError) throw new BackupError('not-mounted', err.message);
      throw err;
    }
  }
  return path;
}

async function readSecrets(source: SecretSource, b: BackupConfig) {
  try {
    const passwordFile = source.fileOf?.('resticPassword') ?? null;
    const password = passwordFile ? undefined : ((await source.read('resticPassword')) ?? undefined);
    const keyId = (await source.read('b2KeyId')) ?? undefined;
    const applicationKey = (await source.read('b2ApplicationKey')) ?? undefined;
    if (b.engine === 'restic' && !passwordFile && password === undefined) {
      throw new BackupError(
        'secrets',
        `no repository password: set backup.passwordFile (a 0600 file) or store it in ${source.description}`,
      );
    }
    return { passwordFile: passwordFile ?? undefined, password, keyId, applicationKey };
  } catch (err) {
    if (err instanceof SecretError) throw new BackupError('secrets', err.message);
    throw err;
  }
}

/** restic's target for this config, with secrets from the source. */
export async function resticTargetFor(config: HelperConfig, source?: SecretSource): Promise<ResticTarget> {
  const b = backupConfigOf(config);
  refusePlaceholderRepository(b);
  const s = await readSecrets(source ?? (await secretSourceFor(config)), b);
  return {
    repository: b.repository,
    ...s,
    cacheDir: b.cacheDir ?? join(dirname(config.store.path), 'restic-cache'),
    ...(b.caCert ? { caCert: b.caCert } : {}),
    ...(b.limitUpload ? { limitUpload: b.limitUpload } : {}),
  };
}

/** rclone's target for this config, with secrets from the source. */
export async function rcloneTargetFor(config: HelperConfig, source?: SecretSource): Promise<RcloneTarget> {
  const b = backupConfigOf(config);
  refusePlaceholderRepository(b);
  const s = await readSecrets(source ?? (await secretSourceFor(config)), b);
  return {
    repository: b.repository,
    keyId: s.keyId,
    applicationKey: s.applicationKey,
    ...(b.caCert ? { caCert: b.caCert } : {}),
    ...(b.limitUpload ? { limitUpload: b.limitUpload } : {}),
  };
}
