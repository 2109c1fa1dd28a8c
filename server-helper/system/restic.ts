/**
 * restic, run as an argv array: the repository, its password and the S3/B2 keys reach restic only through its
 * environment (or a password file), never argv, so `ps` and /proc/PID/cmdline show nothing secret.
 */
import { readFileSync } from 'node:fs';
import { spawnCommand, type ExecResult } from '../../lib/exec.js';

/** Where a repository is and how to open it. */
export interface ResticTarget {
  /** A restic repository URL or path; passed as RESTIC_REPOSITORY, not argv (a rest: URL may carry a password). */
  repository: string;
  /** A 0600 file with the repository password (preferred), or the password itself (from Key Vault). */
  passwordFile?: string;
  password?: string;
  /** S3/B2 key id and application key. */
  keyId?: string;
  applicationKey?: string;
  /** restic's cache directory. */
  cacheDir: string;
  /** A CA certificate to trust for the endpoint (a self-signed test server). */
  caCert?: string;
  /** The restic program (default `restic` on PATH). */
  binary?: string;
  /** Upload limit in KiB/s. */
  limitUpload?: number;
}

/** Options of one restic command. */
export interface ResticRunOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  okExitCodes?: readonly number[];
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** Stream stdout to onStdoutLine only, keeping none of it (`ls` of a whole tree). */
  streamStdout?: boolean;
  /** Open fds restic gets as 3, 4, … (a restore target held open: `--target /proc/self/fd/3`). */
  passFds?: readonly number[];
}

/** The global flags restic needs for a target: trust for a private CA and path-style bucket lookup for S3. */
export function resticGlobalArgs(t: ResticTarget): string[] {
  const args: string[] = [];
  if (t.caCert) args.push('--cacert', t.caCert);
  if (t.limitUpload) args.push('--limit-upload', String(t.limitUpload));
  // Path-style lookup works with B2's S3 endpoint and with local S3 servers that have no wildcard DNS.
  if (t.repository.startsWith('s3:')) args.push('-o', 's3.bucket-lookup=path');
  return args;
}

/** The environment restic runs with: what it needs and nothing the helper does not mean to give it. */
export function resticEnv(t: ResticTarget): Record<string, string> {
  const env: Record<string, string> = { RESTIC_REPOSITORY: t.repository, RESTIC_CACHE_DIR: t.cacheDir };
  if (t.passwordFile) env.RESTIC_PASSWORD_FILE = t.passwordFile;
  else if (t.password !== undefined) env.RESTIC_PASSWORD = t.password;
  if (t.keyId !== undefined) env.AWS_ACCESS_KEY_ID = t.keyId;
  if (t.applicationKey !== undefined) env.AWS_SECRET_ACCESS_KEY = t.applicationKey;
  return env;
}

/** Secrets of a target, for redaction of anything restic prints: the password (from its file too) and the B2 key. */
export function resticSecrets(t: ResticTarget): string[] {
  return [t.password, t.passwordFile ? passwordInFile(t.passwordFile) : undefined, t.applicationKey].filter(
    (s): s is string => !!s,
  );
}

/** The password restic reads from its file (the whole file, trimmed, as restic does); undefined when unreadable (restic then fails). */
function passwordInFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Runs `restic [global flags] ARGS` against a target; throws ExecError on failure. restic stops on SIGINT (it removes its lock). */
export function runRestic(
  t: ResticTarget,
  args: readonly string[],
  opts: ResticRunOptions = {},
): { pid: number | undefined; result: Promise<ExecResult> } {
  const { child, result } = spawnCommand(t.binary ?? 'restic', [...resticGlobalArgs(t), ...args], {
    extraEnv: resticEnv(t),
    secrets: resticSecrets(t),
    signal: opts.signal,
    timeoutMs: opts.timeoutMs ?? 24 * 3600_000,
    okExitCodes: opts.okExitCodes,
    killSignal: 'SIGINT',
    onStdoutLine: opts.onStdoutLine,
    onStderrLine: opts.onStderrLine,
    bufferStdout: !opts.streamStdout,
    passFds: opts.passFds,
  });
  return { pid: child.pid, result };
}

/** The installed restic's version, e.g. `0.14.0`; null when restic is missing. */
export async function resticVersion(binary = 'restic'): Promise<string | null> {
  try {
    const { result } = spawnCommand(binary, ['version'], { timeoutMs: 10_000 });
    const r = await result;
    return /restic (\d+\.\d+\.\d+)/.exec(r.stdout)?.[1] ?? null;
  } catch {
    return null;
  }
}
