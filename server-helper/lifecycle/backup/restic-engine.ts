/**
 * The restic engine: backup, retention, check, snapshots and restore over one repository. Each command's
 * failure becomes a BackupError with one actionable line; a held lock is retried, and only stale locks
 * (a restic that no longer runs) are ever removed — `restic unlock` without --remove-all does exactly that.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ExecError, type ExecResult } from '../../system/exec-error.js';
import { runRestic, type ResticTarget } from '../../system/restic.js';
import { formatDuration, printableText } from '../../../contract/format.js';
import { BackupError } from './errors.js';
import {
  classifyResticError,
  escapeResticPattern,
  parseBackupLine,
  parseLsLine,
  parseCheck,
  parseForget,
  parseSnapshots,
  type CheckResult,
  type ForgetResult,
  type ResticLsSnapshot,
  type ResticNode,
  type ResticStatus,
  type ResticSummary,
  type Snapshot,
} from './parse-restic.js';
import { displayRepository } from './target.js';

/** Graduation writes temp files named `.fts-*` beside their destination; they are never backed up. */
export const ALWAYS_EXCLUDED = ['.fts-*'];

/** Options of the engine. */
export interface ResticEngineOptions {
  /** Snapshots are recorded under this host name, so retention groups them even if the machine is renamed. */
  host: string;
  signal?: AbortSignal;
  /** Receives restic's stderr and notable steps for the run log (restic never prints secrets). */
  log?: (line: string) => void;
  lockRetry?: { attempts: number; delayMs: number };
  /** Told why the run is not moving while it waits for another restic's lock (a line a person reads). */
  onWait?: (why: string) => void;
  /** Waits between lock retries; tests pass a shorter one. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** What one backup produced. */
export interface BackupOutcome {
  summary: ResticSummary;
  /** Files restic could not read (exit 3): the snapshot exists but lacks them. */
  unreadable: { item: string; message: string }[];
  /** Wall time of the restic process that made the snapshot, spawn to exit. */
  processMs: number;
}

/** Retention: how many daily, weekly and monthly snapshots to keep. */
export interface Retention {
  daily: number;
  weekly: number;
  monthly: number;
}

/** restic's own advice on a lock error, to run `restic unlock` by hand: the engine does that itself before each try. */
const UNLOCK_HINT = /the `unlock` command can be used to remove stale locks/;

/**
 * What to do about a lock a live restic holds: on this server, which restic it is (its subcommand, read from /proc)
 * and the kill that stops it cleanly; on another computer, to stop it there.
 */
export function lockAdvice(
  lock: { pid: number; host: string } | undefined,
  here: { hostname: string; processOf: (pid: number) => LockHolder } = { hostname: hostname(), processOf },
): string {
  if (!lock) return 'if no backup, check or restore is running, stop the restic that holds it';
  if (lock.host !== here.hostname) return `it runs on another computer (${lock.host}): stop restic there`;
  const holder = here.processOf(lock.pid);
  // A PID reused since a restart names another program: killing it would stop the wrong thing. restic itself
  // calls such a lock stale 30 minutes after it was made, and the next try removes it.
  if (holder.kind === 'other')
    return `PID ${lock.pid} is now \`${holder.name}\`, not restic: the lock was left before a restart; restic calls it stale 30 min after it was made, and the next run removes it`;
  const what = holder.kind === 'restic' ? `it is \`${holder.command}\` on this server` : 'it runs on this server';
  return `${what}; if no backup, check or restore of yours is running, stop it: kill -INT ${lock.pid}`;
}

/** What a lock's PID is on this server now: a restic (and its subcommand), another program, or unknown. */
export type LockHolder = { kind: 'restic'; command: string } | { kind: 'other'; name: string } | { kind: 'unknown' };

/** The process behind a PID, from /proc: `restic check`, or another program's name. */
function processOf(pid: number): LockHolder {
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return { kind: 'unknown' };
  }
  if (!/(^|\/)restic$/.test(argv[0] ?? '')) {
    let name = '';
    try {
      name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      // gone between the two reads
    }
    return name ? { kind: 'other', name: printableText(name) } : { kind: 'unknown' };
  }
  const sub = argv.slice(1).find((a) => /^[a-z][a-z-]*$/.test(a) && RESTIC_COMMANDS.has(a));
  return { kind: 'restic', command: sub ? `restic ${sub}` : 'restic' };
}

/** restic's subcommands that take a lock (the word shown for a lock's holder). */
const RESTIC_COMMANDS = new Set([
  'backup',
  'check',
  'prune',
  'forget',
  'restore',
  'mount',
  'rebuild-index',
  'copy',
  'tag',
  'migrate',
  'recover',
  'repair',
  'dump',
  'ls',
  'find',
  'stats',
  'diff',
  'cat',
  'snapshots',
]);

/** Sleeps, waking early (and rejecting) when the signal aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new BackupError('cancelled', 'cancelled'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new BackupError('cancelled', 'cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs restic commands for one repository. */
export class ResticEngine {
  constructor(
    readonly target: ResticTarget,
    private readonly opts: ResticEngineOptions,
  ) {}

  private log(line: string): void {
    this.opts.log?.(line);
  }

  /** Runs one restic command; maps failures to BackupError (cancel → kind `cancelled`). */
  private async run(
    args: string[],
    extra: {
      okExitCodes?: number[];
      onStdoutLine?: (l: string) => void;
      onStderrLine?: (l: string) => void;
      signal?: AbortSignal;
      streamStdout?: boolean;
      passFds?: number[];
    } = {},
  ): Promise<ExecResult> {
    if (this.opts.signal?.aborted) throw new BackupError('cancelled', 'cancelled');
    const onStderr = extra.onStderrLine ?? ((l: string) => this.log(`restic: ${l}`));
    try {
      return await runRestic(this.target, args, {
        signal: extra.signal ?? this.opts.signal,
        okExitCodes: extra.okExitCodes,
        onStdoutLine: extra.onStdoutLine,
        // restic's advice to run `restic unlock` by hand: the engine does that itself, and it frees no live lock.
        onStderrLine: (l) => (UNLOCK_HINT.test(l) ? undefined : onStderr(l)),
        streamStdout: extra.streamStdout,
        passFds: extra.passFds,
      }).result;
    } catch (err) {
      if (err instanceof ExecError) {
        if (err.failure === 'aborted' || this.opts.signal?.aborted || extra.signal?.aborted)
          throw new BackupError('cancelled', 'cancelled');
        if (err.failure === 'not-found')
          throw new BackupError('unknown', 'restic is not installed: apt-get install restic');
        if (err.failure === 'timeout') throw new BackupError('unknown', `restic ${args[0]} did not finish in time`);
        const f = classifyResticError(`${err.stderr}\n${err.stdout}`, displayRepository(this.target.repository));
        throw new BackupError(f.kind, f.reason, f.lock);
      }
      throw err;
    }
  }

  /**
   * Runs fn; when the repository is locked by another restic, removes stale locks (`restic unlock` leaves a
   * live process's lock alone) and tries again, waiting between tries, up to `lockRetry.attempts` times.
   * Unlock runs before every try, not once: a restic killed a moment ago can still be in the process table
   * (a zombie its new parent has not reaped yet), so its lock looks live to the first unlock and stale to a later one.
   */
  private async withLockRetry<T>(fn: () => Promise<T>): Promise<T> {
    const attempts = this.opts.lockRetry?.attempts ?? 3;
    const delayMs = this.opts.lockRetry?.delayMs ?? 60_000;
    const sleep = this.opts.sleep ?? abortableSleep;
    const wait = formatDuration(delayMs);
    let unlocked = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof BackupError) || err.kind !== 'locked') throw err;
        if (!unlocked) {
          unlocked = true;
          await this.removeStaleLocks('repository locked: removing stale locks (a running restic keeps its lock)');
          attempt--; // removing a stale lock is not a wait; the next try is free
          continue;
        }
        if (attempt >= attempts) {
          throw new BackupError(
            'locked',
            `${err.message}, still after ${attempts} tries ${wait} apart: ${lockAdvice(err.lock)}; the next scheduled run tries again`,
            err.lock,
          );
        }
        const why = `${err.message}: a live restic keeps its lock; try ${attempt} of ${attempts}, trying again in ${wait}`;
        this.log(`repository locked (try ${attempt} of ${attempts}): waiting ${wait}`);
        this.opts.onWait?.(why);
        await sleep(delayMs, this.opts.signal);
        await this.removeStaleLocks('looking for stale locks again (the holder may have ended meanwhile)');
      }
    }
  }

  /**
   * `restic unlock` (stale locks only: a lock whose restic no longer runs), with what it did in the run log: restic
   * 0.14 says "successfully removed locks" whether it removed any or not, so the locks are counted before and after.
   */
  private async removeStaleLocks(why: string): Promise<void> {
    this.log(why);
    const before = await this.lockCount();
    await this.run(['unlock']);
    const after = await this.lockCount();
    if (before === null || after === null) return;
    const locks = (n: number, kind = '') => `${n} ${kind}lock${n === 1 ? '' : 's'}`;
    const removed = before - after;
    if (after === 0)
      this.log(removed > 0 ? `removed ${locks(removed, 'stale ')}` : 'no lock left: its holder has ended');
    else if (removed > 0)
      this.log(`removed ${locks(removed, 'stale ')}; ${locks(after)} still held by a restic that still runs`);
    else
      this.log(
        `no stale lock: ${after === 1 ? 'the lock is' : `the ${after} locks are`} held by a restic that still runs`,
      );
  }

  /** How many locks the repository holds now (`restic list locks --no-lock`), or null when that cannot be read. */
  private async lockCount(): Promise<number | null> {
    try {
      const r = await this.run(['list', 'locks', '--no-lock']);
      return r.stdout.split('\n').filter((l) => /^[0-9a-f]{64}$/.test(l.trim())).length;
    } catch (err) {
      if (err instanceof BackupError && err.kind === 'cancelled') throw err;
      return null;
    }
  }

  /** Whether a repository exists at the target (false when there is none; other failures throw). */
  async exists(): Promise<boolean> {
    try {
      await this.run(['cat', 'config']);
      return true;
    } catch (err) {
      if (err instanceof BackupError && err.kind === 'no-repository') return false;
      throw err;
    }
  }

  /** Creates the repository. */
  async init(): Promise<void> {
    this.log(`creating the restic repository at ${displayRepository(this.target.repository)}`);
    await this.run(['init']);
  }

  /** Backs up paths; progress lines go to onProgress. Exit 3 (some files unreadable) is a result, not a failure. */
  async backup(
    paths: string[],
    opts: { exclude?: string[]; onProgress?: (s: ResticStatus) => void; initIfMissing?: boolean } = {},
  ): Promise<BackupOutcome> {
    const args = ['backup', '--json', '--host', this.opts.host];
    for (const x of [...ALWAYS_EXCLUDED, ...(opts.exclude ?? [])]) args.push('--exclude', x);
    args.push('--', ...paths);
    const once = async (): Promise<BackupOutcome> => {
      let summary: ResticSummary | null = null;
      const unreadable: BackupOutcome['unreadable'] = [];
      const onLine = (line: string) => {
        const p = parseBackupLine(line);
        if (!p) return false;
        if (p.type === 'status') opts.onProgress?.(p);
        else if (p.type === 'summary') summary = p;
        else {
          unreadable.push({ item: p.item, message: p.message });
          this.log(`unreadable: ${p.item}: ${p.message}`);
        }
        return true;
      };
      const res = await this.run(args, {
        okExitCodes: [0, 3],
        onStdoutLine: onLine,
        // restic 0.14 prints per-file errors as JSON on stderr, among its plain-text messages.
        onStderrLine: (line) => {
          if (!onLine(line)) this.log(`restic: ${line}`);
        },
      });
      if (!summary) throw new BackupError('unknown', 'restic backup ended without a summary');
      return { summary, unreadable, processMs: res.durationMs };
    };
    try {
      return await this.withLockRetry(once);
    } catch (err) {
      if (opts.initIfMissing && err instanceof BackupError && err.kind === 'no-repository') {
        await this.init();
        return this.withLockRetry(once);
      }
      throw err;
    }
  }

  /** Applies retention and prunes unreferenced data. */
  async forget(r: Retention): Promise<ForgetResult> {
    const args = [
      'forget',
      '--json',
      '--host',
      this.opts.host,
      '--keep-daily',
      String(r.daily),
      '--keep-weekly',
      String(r.weekly),
      '--keep-monthly',
      String(r.monthly),
      '--prune',
    ];
    const res = await this.withLockRetry(() => this.run(args));
    return parseForget(res.stdout);
  }

  /** Checks the repository's structure and, with a subset `n/N`, reads that part of the data. */
  async check(subset: string | null): Promise<CheckResult> {
    const args = ['check', ...(subset ? [`--read-data-subset=${subset}`] : [])];
    return this.withLockRetry(async () => {
      // A check that finds damage exits 1 like any other failure: tell them apart by restic's verdict line.
      const res = await this.run(args, { okExitCodes: [0, 1] });
      const out = `${res.stdout}\n${res.stderr}`;
      if (res.exitCode === 1 && !/repository contains errors/.test(out)) {
        const f = classifyResticError(out, displayRepository(this.target.repository));
        throw new BackupError(f.kind, f.reason, f.lock);
      }
      return parseCheck(out, res.exitCode);
    });
  }

  /** The repository's snapshots, oldest first. */
  async snapshots(): Promise<Snapshot[]> {
    const res = await this.withLockRetry(() => this.run(['snapshots', '--json']));
    return parseSnapshots(res.stdout);
  }

  /** Restores `path` (absolute, as backed up) from a snapshot into targetDir (restic recreates the full path under it). */
  async restore(snapshotId: string, path: string | null, targetDir: string): Promise<void> {
    const args = ['restore', snapshotId, '--target', targetDir, ...(path ? ['--include', path] : [])];
    await this.withLockRetry(() => this.run(args));
  }

  /** `latest` means the newest snapshot of this server (its host name), as backups record them. */
  private snapshotArgs(snapshotId: string): string[] {
    return snapshotId === 'latest' ? ['--host', this.opts.host, 'latest'] : [snapshotId];
  }

  /**
   * Streams `restic ls --json` of a snapshot to onNode, one node at a time, keeping none of the listing: a folder's
   * direct entries (and the folder itself), with `recursive` everything beneath the path, without a path the whole
   * snapshot. onNode returning false stops restic there. Returns the snapshot listed, or null when there is no such
   * snapshot (restic then lists nothing and exits 0). Reads without taking the repository's lock: a listing
   * changes nothing, and browsing should not write lock files to B2 page after page.
   */
  async ls(
    snapshotId: string,
    path: string | null,
    opts: { recursive?: boolean; onNode: (n: ResticNode) => boolean | void },
  ): Promise<ResticLsSnapshot | null> {
    const args = [
      'ls',
      '--json',
      '--no-lock',
      ...(opts.recursive ? ['--recursive'] : []),
      ...this.snapshotArgs(snapshotId),
      ...(path ? [path] : []),
    ];
    const stop = new AbortController();
    const signal = this.opts.signal ? AbortSignal.any([this.opts.signal, stop.signal]) : stop.signal;
    let snapshot: ResticLsSnapshot | null = null;
    try {
      await this.run(args, {
        signal,
        streamStdout: true,
        onStdoutLine: (line) => {
          if (stop.signal.aborted) return;
          const parsed = parseLsLine(line);
          if (parsed?.type === 'snapshot') snapshot ??= parsed.snapshot;
          else if (parsed?.type === 'node' && opts.onNode(parsed.node) === false) stop.abort();
        },
      });
    } catch (err) {
      // Stopped on purpose once the caller had enough; a cancel of the run itself still throws.
      if (!(
        stop.signal.aborted &&
        !this.opts.signal?.aborted &&
        err instanceof BackupError &&
        err.kind === 'cancelled'
      ))
        throw err;
    }
    return snapshot;
  }

  /**
   * Restores `path` (absolute, as backed up) of a snapshot into the folder open as `targetFd`: restic gets it as its
   * fd 3 and writes beneath `/proc/self/fd/3`, which is that folder wherever it is renamed to meanwhile, and
   * recreates the full path under it. `--verify` reads every restored file back against the repository.
   */
  async restoreToFd(snapshotId: string, path: string, targetFd: number): Promise<void> {
    const args = [
      'restore',
      ...this.snapshotArgs(snapshotId),
      '--target',
      '/proc/self/fd/3',
      '--include',
      escapeResticPattern(path),
      '--verify',
    ];
    await this.withLockRetry(() => this.run(args, { passFds: [targetFd] }));
  }
}
