/** Test helpers around real restic: a PATH wrapper that records each call's argv and environment, and restic run by hand. */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestSecrets } from './backup-env.js';

/** The PATH before any wrapper was installed. */
export const ORIGINAL_PATH = process.env.PATH ?? '/usr/bin:/bin';

/** Puts a wrapper of `program` (restic) first on PATH that records argv and environment, then execs the real one. Returns the calls reader. */
export function installResticSpy(
  dir: string,
  program = 'restic',
): () => { argv: string[]; env: Record<string, string> }[] {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'calls'), { recursive: true });
  const real = execFileSync('sh', ['-c', `command -v ${program}`], { env: { PATH: ORIGINAL_PATH } })
    .toString()
    .trim();
  writeFileSync(
    join(dir, 'bin', program),
    `#!/bin/sh\nn=$$\nprintf '%s\\0' "$@" > ${dir}/calls/$n.argv\nenv -0 > ${dir}/calls/$n.env\nexec ${real} "$@"\n`,
  );
  chmodSync(join(dir, 'bin', program), 0o755);
  process.env.PATH = `${dir}/bin:${ORIGINAL_PATH}`;
  return () =>
    readdirSync(join(dir, 'calls'))
      .filter((f) => f.endsWith('.argv'))
      .map((f) => {
        const argv = readFileSync(join(dir, 'calls', f), 'utf8')
          .split('\0')
          .slice(0, -1);
        const envFile = join(dir, 'calls', f.replace(/argv$/, 'env'));
        const env = Object.fromEntries(
          (existsSync(envFile) ? readFileSync(envFile, 'utf8') : '')
            .split('\0')
            .filter(Boolean)
            .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
        );
        return { argv, env };
      });
}

/** Runs the real restic by hand against a repository (for assertions, not through the helper). */
export function resticHand(
  repo: string,
  secrets: TestSecrets,
  args: string[],
  opts: { cacert?: string; home: string },
): { code: number; out: string } {
  try {
    const out = execFileSync(
      'restic',
      [...(opts.cacert ? ['--cacert', opts.cacert, '-o', 's3.bucket-lookup=path'] : []), ...args],
      {
        env: {
          PATH: ORIGINAL_PATH,
          HOME: opts.home,
          RESTIC_REPOSITORY: repo,
          RESTIC_PASSWORD: secrets.password,
          RESTIC_CACHE_DIR: join(opts.home, 'hand-cache'),
          AWS_ACCESS_KEY_ID: secrets.keyId,
          AWS_SECRET_ACCESS_KEY: secrets.applicationKey,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ).toString();
    return { code: 0, out };
  } catch (err) {
    const e = err as { status: number; stdout: Buffer; stderr: Buffer };
    return { code: e.status, out: `${e.stdout}${e.stderr}` };
  }
}

/** Lock objects of a repository stored by s3rver (DATA/BUCKET/PREFIX/locks/ID._S3rver_object). */
export function s3Locks(dataDir: string, bucket: string, prefix: string): string[] {
  const dir = join(dataDir, bucket, prefix, 'locks');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('._S3rver_object')) : [];
}
