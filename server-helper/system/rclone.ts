/**
 * rclone, run as an argv array. An S3 destination is described to rclone through RCLONE_CONFIG_FTS_* variables,
 * so its keys travel in the child's environment, never argv or a config file on disk.
 */
import { spawnCommand, type ExecResult } from '../../lib/exec.js';

/** The remote name the helper defines through the environment. */
export const RCLONE_REMOTE = 'fts';

/** Where rclone syncs to. */
export interface RcloneTarget {
  /** `s3:https://ENDPOINT/BUCKET/PATH`, a local path, or a remote of rclone's own config (`b2:bucket/path`). */
  repository: string;
  keyId?: string;
  applicationKey?: string;
  caCert?: string;
  binary?: string;
  /** Upload limit in KiB/s. */
  limitUpload?: number;
}

/** An S3 endpoint and bucket path parsed from `s3:https://host[:port]/bucket/path`; null for other forms. */
export function parseS3Repository(repository: string): { endpoint: string; bucketPath: string } | null {
  const m = /^s3:(https?:\/\/[^/]+)\/(.+?)\/?$/.exec(repository);
  return m ? { endpoint: m[1]!, bucketPath: m[2]! } : null;
}

/** The rclone path of a subfolder of the target (`fts:bucket/path/SUB` for S3, `DIR/SUB` for a local path). */
export function rclonePath(t: RcloneTarget, sub: string): string {
  const s3 = parseS3Repository(t.repository);
  const base = s3 ? `${RCLONE_REMOTE}:${s3.bucketPath}` : t.repository.replace(/\/+$/, '');
  return `${base}/${sub}`;
}

/** The environment that defines the S3 remote (empty for local paths and rclone-config remotes). */
export function rcloneEnv(t: RcloneTarget): Record<string, string> {
  // An empty config file path keeps rclone from reading or writing ~/.config/rclone for our remote.
  const env: Record<string, string> = {};
  const s3 = parseS3Repository(t.repository);
  if (!s3) return env;
  const p = `RCLONE_CONFIG_${RCLONE_REMOTE.toUpperCase()}_`;
  env[`${p}TYPE`] = 's3';
  env[`${p}PROVIDER`] = 'Other';
  env[`${p}ENDPOINT`] = s3.endpoint;
  env[`${p}FORCE_PATH_STYLE`] = 'true';
  if (t.keyId !== undefined) env[`${p}ACCESS_KEY_ID`] = t.keyId;
  if (t.applicationKey !== undefined) env[`${p}SECRET_ACCESS_KEY`] = t.applicationKey;
  return env;
}

/** Options of one rclone command. */
export interface RcloneRunOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  onStderrLine?: (line: string) => void;
}

/** Runs `rclone ARGS` with JSON logs; throws ExecError on failure. */
export function runRclone(
  t: RcloneTarget,
  args: readonly string[],
  opts: RcloneRunOptions = {},
): { pid: number | undefined; result: Promise<ExecResult> } {
  const global = [
    '--use-json-log',
    ...(t.caCert ? ['--ca-cert', t.caCert] : []),
    ...(t.limitUpload ? ['--bwlimit', `${t.limitUpload}k`] : []),
  ];
  if (parseS3Repository(t.repository)) global.push('--config', '/dev/null');
  const { child, result } = spawnCommand(t.binary ?? 'rclone', [...args, ...global], {
    // AWS_CA_BUNDLE is not passed on (the minimal environment drops it): with it rclone ignores --ca-cert.
    extraEnv: rcloneEnv(t),
    secrets: [t.applicationKey].filter((s): s is string => !!s),
    signal: opts.signal,
    timeoutMs: opts.timeoutMs ?? 24 * 3600_000,
    killSignal: 'SIGINT',
    onStderrLine: opts.onStderrLine,
  });
  return { pid: child.pid, result };
}
