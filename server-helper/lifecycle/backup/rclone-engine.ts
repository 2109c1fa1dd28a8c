/**
 * The rclone engine: `rclone sync` of the source to `<repository>/current` with `--checksum`; files deleted or
 * replaced since the last run are moved to `<repository>/<backupDir>/<timestamp>` instead of being lost.
 */
import { ExecError } from '../../system/exec-error.js';
import { rclonePath, runRclone, type RcloneTarget } from '../../system/rclone.js';
import { BackupError } from './errors.js';
import { classifyRcloneError, parseRcloneLine, type RcloneStats } from './parse-rclone.js';
import { displayRepository } from './target.js';
import { ALWAYS_EXCLUDED } from './restic-engine.js';

/** What one sync did. */
export interface RcloneOutcome {
  stats: RcloneStats;
  /** Where replaced and deleted files of this run went. */
  backupDir: string;
  durationMs: number;
}

/** A folder name for this run's replaced files: sortable and safe in object keys. */
export function runFolderName(now = new Date()): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

/** Runs rclone for one destination. */
export class RcloneEngine {
  constructor(
    readonly target: RcloneTarget,
    private readonly opts: { signal?: AbortSignal; log?: (line: string) => void; backupDirName: string },
  ) {}

  /** Syncs source to the destination; onStats receives rclone's periodic stats. */
  async sync(
    source: string,
    opts: { exclude?: string[]; onStats?: (s: RcloneStats) => void } = {},
  ): Promise<RcloneOutcome> {
    const started = Date.now();
    const backupDir = rclonePath(this.target, `${this.opts.backupDirName}/${runFolderName()}`);
    const args = [
      'sync',
      `${source.replace(/\/+$/, '')}/`,
      rclonePath(this.target, 'current'),
      '--checksum',
      '--backup-dir',
      backupDir,
      '--stats',
      '1s',
      '--stats-log-level',
      'NOTICE',
      '-v',
    ];
    for (const x of [...ALWAYS_EXCLUDED, ...(opts.exclude ?? [])]) args.push('--exclude', x);
    let last: RcloneStats | null = null;
    const errors: string[] = [];
    try {
      await runRclone(this.target, args, {
        signal: this.opts.signal,
        onStderrLine: (line) => {
          const p = parseRcloneLine(line);
          if (!p) {
            if (line.trim()) this.opts.log?.(`rclone: ${line}`);
            return;
          }
          if (p.type === 'stats') {
            last = p.stats;
            opts.onStats?.(p.stats);
          } else if (p.type === 'error') {
            errors.push(p.message);
            this.opts.log?.(`rclone error: ${p.message}`);
          } else this.opts.log?.(`${p.action}: ${p.object}`);
        },
      }).result;
    } catch (err) {
      if (err instanceof ExecError) {
        if (err.failure === 'aborted' || this.opts.signal?.aborted) throw new BackupError('cancelled', 'cancelled');
        if (err.failure === 'not-found')
          throw new BackupError('rclone', 'rclone is not installed: apt-get install rclone');
        throw new BackupError(
          'rclone',
          classifyRcloneError(`${errors.join('\n')}\n${err.stderr}`, displayRepository(this.target.repository)),
        );
      }
      throw err;
    }
    const stats: RcloneStats = last ?? {
      bytes: 0,
      totalBytes: 0,
      transfers: 0,
      totalTransfers: 0,
      checks: 0,
      deletes: 0,
      renames: 0,
      errors: 0,
      elapsedMs: 0,
    };
    return { stats, backupDir, durationMs: Date.now() - started };
  }

  /** Compares source and destination by checksum (`rclone check --one-way`); the differences when any. */
  async check(source: string): Promise<{ ok: boolean; problems: string[] }> {
    const problems: string[] = [];
    try {
      await runRclone(
        this.target,
        [
          'check',
          `${source.replace(/\/+$/, '')}/`,
          rclonePath(this.target, 'current'),
          '--one-way',
          '--checksum',
          ...ALWAYS_EXCLUDED.flatMap((x) => ['--exclude', x]),
        ],
        {
          signal: this.opts.signal,
          onStderrLine: (line) => {
            const p = parseRcloneLine(line);
            if (p?.type === 'error') problems.push(p.message);
          },
        },
      ).result;
      return { ok: true, problems: [] };
    } catch (err) {
      if (err instanceof ExecError) {
        if (err.failure === 'aborted' || this.opts.signal?.aborted) throw new BackupError('cancelled', 'cancelled');
        // rclone ends a check that found differences with "N differences found" (plain text), after one error line per file.
        const diff = /(\d+) differences? found/.exec(err.stderr);
        if (diff)
          return {
            ok: false,
            problems: [
              `${diff[1]} difference(s) between the source and the copy`,
              ...problems.filter((p) => !/differences? found/.test(p)),
            ].slice(0, 50),
          };
        throw new BackupError(
          'rclone',
          classifyRcloneError(`${problems.join('\n')}\n${err.stderr}`, displayRepository(this.target.repository)),
        );
      }
      throw err;
    }
  }
}
