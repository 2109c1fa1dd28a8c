/** Pure parsers of restic's output (0.14+): `backup --json` lines, snapshots, forget, check, and its error texts. */
import { parseJsonLine } from './json-lines.js';

/** A progress line of `restic backup --json`. */
export interface ResticStatus {
  type: 'status';
  percentDone: number;
  filesDone: number;
  totalFiles: number | null;
  bytesDone: number;
  totalBytes: number | null;
}

/** The summary line that ends `restic backup --json`. */
export interface ResticSummary {
  type: 'summary';
  snapshotId: string | null;
  filesNew: number;
  filesChanged: number;
  filesUnmodified: number;
  dataAdded: number;
  totalFilesProcessed: number;
  totalBytesProcessed: number;
  durationMs: number;
}

/** A file restic could not read (it exits 3 and the snapshot lacks it). */
export interface ResticItemError {
  type: 'error';
  item: string;
  message: string;
}

/** One parsed line of `restic backup --json`. */
export type ResticBackupLine = ResticStatus | ResticSummary | ResticItemError;

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

const ERRNO: Record<number, string> = {
  1: 'operation not permitted',
  2: 'no such file',
  5: 'input/output error',
  13: 'permission denied',
};

/** Parses one stdout line of `restic backup --json`; null for anything else (verbose text, blank lines). */
export function parseBackupLine(line: string): ResticBackupLine | null {
  const j = parseJsonLine(line);
  if (!j) return null;
  switch (j.message_type) {
    case 'status':
      return {
        type: 'status',
        percentDone: Math.min(1, Math.max(0, num(j.percent_done))),
        filesDone: num(j.files_done),
        totalFiles: numOrNull(j.total_files),
        bytesDone: num(j.bytes_done),
        totalBytes: numOrNull(j.total_bytes),
      };
    case 'summary':
      return {
        type: 'summary',
        snapshotId: typeof j.snapshot_id === 'string' ? j.snapshot_id : null,
        filesNew: num(j.files_new),
        filesChanged: num(j.files_changed),
        filesUnmodified: num(j.files_unmodified),
        dataAdded: num(j.data_added),
        totalFilesProcessed: num(j.total_files_processed),
        totalBytesProcessed: num(j.total_bytes_processed),
        durationMs: Math.round(num(j.total_duration) * 1000),
      };
    case 'error': {
      const err = (j.error ?? {}) as Record<string, unknown>;
      const item = typeof j.item === 'string' ? j.item : typeof err.Path === 'string' ? err.Path : '';
      const errno = typeof err.Err === 'number' ? (ERRNO[err.Err] ?? `errno ${err.Err}`) : null;
      const op = typeof err.Op === 'string' ? err.Op : 'read';
      const message = typeof err.message === 'string' ? err.message : errno ? `${op}: ${errno}` : JSON.stringify(err);
      return { type: 'error', item, message };
    }
    default:
      return null;
  }
}

/** A snapshot as `restic snapshots --json` lists it. */
export interface Snapshot {
  id: string;
  shortId: string;
  time: string;
  paths: string[];
  hostname: string;
  tags: string[];
}

/** Parses `restic snapshots --json` (oldest first, as restic prints them). */
export function parseSnapshots(stdout: string): Snapshot[] {
  const arr = JSON.parse(stdout.trim() || '[]') as Record<string, unknown>[];
  if (!Array.isArray(arr)) throw new Error('restic snapshots: expected a JSON array');
  return arr.map((s) => ({
    id: String(s.id),
    shortId: typeof s.short_id === 'string' ? s.short_id : String(s.id).slice(0, 8),
    time: String(s.time),
    paths: Array.isArray(s.paths) ? s.paths.map(String) : [],
    hostname: String(s.hostname ?? ''),
    tags: Array.isArray(s.tags) ? s.tags.map(String) : [],
  }));
}

/** What `restic forget --json` decided, summed over its groups. */
export interface ForgetResult {
  kept: number;
  removed: number;
}

/** Parses `restic forget --json` (one JSON array line; prune's text follows when --prune is given). */
export function parseForget(stdout: string): ForgetResult {
  const line = stdout.split('\n').find((l) => l.startsWith('['));
  if (!line) return { kept: 0, removed: 0 };
  const groups = JSON.parse(line) as { keep?: unknown[] | null; remove?: unknown[] | null }[];
  let kept = 0;
  let removed = 0;
  for (const g of groups) {
    kept += g.keep?.length ?? 0;
    removed += g.remove?.length ?? 0;
  }
  return { kept, removed };
}

/** What `restic check` found. */
export interface CheckResult {
  ok: boolean;
  /** Lines that describe a problem (at most 50). */
  problems: string[];
}

const CHECK_NOISE =
  /^(using temporary cache|create exclusive lock|load indexes|check all packs|check snapshots|read group|read all data|\[\d+:\d+\]|no errors were found|Fatal: repository contains errors|\s*$)/;

/** Parses the text of `restic check` (stdout and stderr together). */
export function parseCheck(output: string, exitCode: number): CheckResult {
  const problems = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !CHECK_NOISE.test(l))
    .slice(0, 50);
  const ok = exitCode === 0 && /no errors were found/.test(output);
  return { ok, problems: ok ? [] : problems.length ? problems : ['restic check reported errors'] };
}

/** Why a restic command failed, as a person can act on it. */
export type ResticFailureKind =
  | 'wrong-password'
  | 'access-denied'
  | 'missing-bucket'
  | 'no-repository'
  | 'unreachable'
  | 'tls'
  | 'locked'
  | 'repository-exists'
  | 'unknown';

/** A classified restic failure. */
export interface ResticFailure {
  kind: ResticFailureKind;
  /** One line a person can act on. */
  reason: string;
  /** For `locked`: who holds the lock. */
  lock?: { pid: number; host: string; ageText: string | null };
}

/** A Go duration as restic prints it ("3.812988673s", "2m5.1s", "1h2m3s") as a person reads it: "4 s", "2 min", "1 h 2 min". */
export function goDurationText(d: string): string {
  const m = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:([\d.]+)s)?$/.exec(d);
  if (!m) return d;
  const total = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Math.round(Number(m[3] ?? 0));
  if (total < 60) return `${total} s`;
  if (total < 3600) return `${Math.floor(total / 60)} min`;
  const min = Math.floor((total % 3600) / 60);
  return `${Math.floor(total / 3600)} h${min ? ` ${min} min` : ''}`;
}

/** Classifies restic's error text (stderr, plain text) into a failure kind and a one-line reason. */
export function classifyResticError(stderr: string, repository: string): ResticFailure {
  const t = stderr;
  const lockM = /already locked (?:exclusively )?by PID (\d+) on (\S+)/.exec(t);
  if (lockM) {
    const age = /lock was created at [^(]*\(([^)]+) ago\)/.exec(t)?.[1] ?? null;
    return {
      kind: 'locked',
      reason: `the repository is locked by another restic (PID ${lockM[1]} on ${lockM[2]}${age ? `, locked ${goDurationText(age)} ago` : ''})`,
      lock: { pid: Number(lockM[1]), host: lockM[2]!, ageText: age },
    };
  }
  if (/wrong password or no key found/.test(t)) {
    return {
      kind: 'wrong-password',
      reason: 'the repository password is wrong: check backup.passwordFile (or the Key Vault secret)',
    };
  }
  if (
    /InvalidAccessKeyId|Access Key Id you provided does not exist|SignatureDoesNotMatch|AccessDenied|Access Denied|status code: 40[13]|Unauthorized/i.test(
      t,
    )
  ) {
    return {
      kind: 'access-denied',
      reason: 'B2 rejected the application key: check the key id and application key (files or Key Vault)',
    };
  }
  if (/NoSuchBucket|bucket does not exist/i.test(t)) {
    return {
      kind: 'missing-bucket',
      reason: `the bucket of ${repository} does not exist: create it in B2 or fix backup.repository`,
    };
  }
  if (/x509:|certificate signed by unknown authority|tls: /.test(t)) {
    return {
      kind: 'tls',
      reason: `the endpoint's TLS certificate is not trusted: check backup.repository, or set backup.caCert for a private CA`,
    };
  }
  if (
    /connection refused|no such host|i\/o timeout|network is unreachable|dial tcp|context deadline exceeded|connection reset/i.test(
      t,
    )
  ) {
    return {
      kind: 'unreachable',
      reason: `the backup endpoint is unreachable: check the network and the host in backup.repository`,
    };
  }
  if (/config file already exists|repository master key and config already initialized/.test(t)) {
    return { kind: 'repository-exists', reason: `a repository already exists at ${repository}` };
  }
  if (/Is there a repository at the following location\?|unable to open config file/.test(t)) {
    return {
      kind: 'no-repository',
      reason: `there is no restic repository at ${repository}: run \`fts-helper backup init\``,
    };
  }
  const first = t
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
  return {
    kind: 'unknown',
    reason: first ? `restic failed: ${first.replace(/^Fatal:\s*/, '')}` : 'restic failed without a message',
  };
}

/** One node of `restic ls --json`: a file, folder, symlink or other entry, with its absolute path as backed up. */
export interface ResticNode {
  name: string;
  path: string;
  kind: 'file' | 'folder' | 'symlink' | 'other';
  /** Bytes of a file; null for anything else. */
  size: number | null;
  mtime: string | null;
}

/** The snapshot line that opens `restic ls --json`. */
export interface ResticLsSnapshot {
  id: string;
  shortId: string;
  time: string;
  paths: string[];
}

/** One parsed line of `restic ls --json`. */
export type ResticLsLine = { type: 'snapshot'; snapshot: ResticLsSnapshot } | { type: 'node'; node: ResticNode };

const KIND: Record<string, ResticNode['kind']> = { file: 'file', dir: 'folder', symlink: 'symlink' };

/** An RFC 3339 time restic prints (nanoseconds) as an ISO timestamp to the millisecond; null when it is not one. */
function isoTime(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/** Parses one line of `restic ls --json` (0.14: a snapshot object, then one node object per line); null for anything else. */
export function parseLsLine(line: string): ResticLsLine | null {
  const j = parseJsonLine(line);
  if (!j) return null;
  // restic 0.14 marks each line with struct_type; older versions leave it out, and only snapshots carry a tree.
  const structType =
    typeof j.struct_type === 'string' ? j.struct_type : typeof j.tree === 'string' ? 'snapshot' : 'node';
  if (structType === 'snapshot') {
    if (typeof j.id !== 'string') return null;
    return {
      type: 'snapshot',
      snapshot: {
        id: j.id,
        shortId: typeof j.short_id === 'string' ? j.short_id : j.id.slice(0, 8),
        time: isoTime(j.time) ?? new Date(0).toISOString(),
        paths: Array.isArray(j.paths) ? j.paths.map(String) : [],
      },
    };
  }
  if (structType !== 'node' || typeof j.path !== 'string' || typeof j.name !== 'string') return null;
  const kind = KIND[String(j.type)] ?? 'other';
  return {
    type: 'node',
    node: { name: j.name, path: j.path, kind, size: kind === 'file' ? num(j.size) : null, mtime: isoTime(j.mtime) },
  };
}

/** The folder holding an absolute snapshot path (`/` for a top-level entry). */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/**
 * Escapes a literal path for restic's `--include`/`--exclude`, which take patterns: `*`, `?`, `[` and `\` in a
 * file name would otherwise match other names (`Photos [2019]` would match `Photos 2`).
 */
export function escapeResticPattern(path: string): string {
  return path.replace(/[\\*?[]/g, (c) => `\\${c}`);
}
