/** Where server-side secrets come from: 0600 files the config names, or Azure Key Vault. One small interface for both. */
import { readFileSync, statSync } from 'node:fs';

/** The backup's secrets, by role. */
export type BackupSecretName = 'resticPassword' | 'b2KeyId' | 'b2ApplicationKey';

/** A source of secrets. `read` returns null when the source has no such secret configured. */
export interface SecretSource {
  /** A name for messages (`files`, `Key Vault kv-miket-ops`). */
  readonly description: string;
  read(name: BackupSecretName): Promise<string | null>;
  /** The 0600 file that holds the secret, when the source is files (restic then reads the file itself). */
  fileOf?(name: BackupSecretName): string | null;
}

/** A secret that cannot be read, with what to do about it; never contains the secret. */
export class SecretError extends Error {
  override readonly name = 'SecretError';
}

/** Checks that a secret file exists, is a regular file and is readable by its owner only (0600 or stricter). */
export function checkSecretFile(path: string): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new SecretError(`the secret file ${path} does not exist`);
  }
  if (!st.isFile()) throw new SecretError(`the secret file ${path} is not a regular file`);
  if ((st.mode & 0o077) !== 0) {
    throw new SecretError(
      `the secret file ${path} is readable by others (mode ${(st.mode & 0o777).toString(8)}): run chmod 600 ${path}`,
    );
  }
}

/** Reads a 0600 secret file; its content without the final newline. */
export function readSecretFile(path: string): string {
  checkSecretFile(path);
  const text = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  if (text === '') throw new SecretError(`the secret file ${path} is empty`);
  return text;
}

/** Secrets from 0600 files named in the config. */
export class FileSecretSource implements SecretSource {
  readonly description = 'files';
  constructor(private readonly files: Partial<Record<BackupSecretName, string>>) {}

  /** Reads the named secret's file; null when no file is configured for it. */
  async read(name: BackupSecretName): Promise<string | null> {
    const f = this.files[name];
    return f ? readSecretFile(f) : null;
  }

  /** The file for a secret, checked to be 0600. */
  fileOf(name: BackupSecretName): string | null {
    const f = this.files[name];
    if (!f) return null;
    checkSecretFile(f);
    return f;
  }
}
