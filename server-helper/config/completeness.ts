/**
 * What a valid configuration still lacks before every feature works: the seed's backup section names a
 * placeholder bucket and secret files a person fills in. Reported by `config check`, never fatal: the rest of
 * the helper runs meanwhile.
 */
import { statSync } from 'node:fs';
import { BUCKET_PLACEHOLDER } from './seed.js';
import type { HelperConfig } from './schema.js';

/** One thing left to set, named by its key. */
export interface Incomplete {
  key: string;
  message: string;
}

/** Why a secret file is not usable yet, or null when it is (exists, not empty, 0600). */
function secretFileGap(path: string): string | null {
  let st;
  try {
    st = statSync(path);
  } catch {
    return `${path} does not exist yet: put the value in it and chmod 600 ${path}`;
  }
  if (!st.isFile()) return `${path} is not a file`;
  if (st.size === 0) return `${path} is empty: put the value in it`;
  if ((st.mode & 0o077) !== 0) return `${path} is readable by others: chmod 600 ${path}`;
  return null;
}

/** The backup section's gaps: the placeholder bucket, and (with secrets from files) the key files an S3/B2 repository needs. */
export function backupGaps(config: HelperConfig): Incomplete[] {
  const b = config.backup;
  if (!b) return [];
  const gaps: Incomplete[] = [];
  if (b.repository.includes(BUCKET_PLACEHOLDER))
    gaps.push({ key: 'backup.repository', message: `replace ${BUCKET_PLACEHOLDER} with your B2 bucket` });
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
        const gap = secretFileGap(file);
        if (gap) gaps.push({ key, message: gap });
      }
    }
  }
  return gaps;
}
