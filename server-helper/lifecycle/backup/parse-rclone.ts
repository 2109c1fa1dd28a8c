/** Pure parsers of rclone's JSON log (`--use-json-log`): transfer stats and errors. */
import { parseJsonLine } from './json-lines.js';

/** The stats rclone logs every `--stats` interval and at the end. */
export interface RcloneStats {
  bytes: number;
  totalBytes: number;
  transfers: number;
  totalTransfers: number;
  checks: number;
  deletes: number;
  renames: number;
  errors: number;
  elapsedMs: number;
}

/** One parsed log line. */
export type RcloneLine =
  | { type: 'stats'; stats: RcloneStats }
  | { type: 'error'; message: string }
  | { type: 'file'; action: string; object: string };

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Parses one stderr line of rclone with `--use-json-log`; null for anything else. */
export function parseRcloneLine(line: string): RcloneLine | null {
  const j = parseJsonLine(line);
  if (!j) return null;
  if (j.stats && typeof j.stats === 'object') {
    const s = j.stats as Record<string, unknown>;
    return {
      type: 'stats',
      stats: {
        bytes: num(s.bytes),
        totalBytes: num(s.totalBytes),
        transfers: num(s.transfers),
        totalTransfers: num(s.totalTransfers),
        checks: num(s.checks),
        deletes: num(s.deletes),
        renames: num(s.renames),
        errors: num(s.errors),
        elapsedMs: Math.round(num(s.elapsedTime) * 1000),
      },
    };
  }
  const msg = typeof j.msg === 'string' ? j.msg : '';
  if (j.level === 'error') return { type: 'error', message: msg.split('\n')[0]!.trim() };
  if (typeof j.object === 'string' && msg) return { type: 'file', action: msg, object: j.object };
  return null;
}

/** A one-line reason for an rclone failure, from its error text. */
export function classifyRcloneError(text: string, repository: string): string {
  if (
    /InvalidAccessKeyId|Access Key Id you provided does not exist|SignatureDoesNotMatch|AccessDenied|status code: 40[13]/i.test(
      text,
    )
  ) {
    return 'B2 rejected the application key: check the key id and application key (files or Key Vault)';
  }
  if (/NoSuchBucket|bucket does not exist/i.test(text))
    return `the bucket of ${repository} does not exist: create it in B2 or fix backup.repository`;
  if (/x509:|certificate signed by unknown authority/.test(text))
    return `the endpoint's TLS certificate is not trusted: set backup.caCert for a private CA`;
  if (/connection refused|no such host|i\/o timeout|network is unreachable|dial tcp/i.test(text)) {
    return 'the backup endpoint is unreachable: check the network and the host in backup.repository';
  }
  const line = text
    .split('\n')
    .map((l) => l.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /, '').trim())
    .filter((l) => l && !l.startsWith('{'))
    .pop();
  return line ? `rclone failed: ${line}` : 'rclone failed without a message';
}
