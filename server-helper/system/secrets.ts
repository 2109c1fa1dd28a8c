/** Where server-side secrets come from: 0600 files the config names, or Azure Key Vault. One small interface for both. */
import { readFileSync } from 'node:fs';
import { secretFileProblem } from '../../lib/secret-file.js';

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
  const problem = secretFileProblem(path);
  // An empty file is refused when it is read (readSecretFile), with the same words.
  if (problem && !problem.startsWith(`${path} is empty`)) throw new SecretError(`the secret file ${problem}`);
}

/** Reads a 0600 secret file; its content without the final newline. */
export function readSecretFile(path: string): string {
  checkSecretFile(path);
  const text = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  if (text === '') throw new SecretError(`the secret file ${path} is empty: put the value in it`);
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
