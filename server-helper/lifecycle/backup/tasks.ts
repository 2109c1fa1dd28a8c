/**
 * The backup, check and prune tasks the job system runs. Each publishes `backup.started`, progress at most
 * once a second, and ends with `backup.finished` / `backup.checked` / `backup.pruned` or `backup.failed`
 * carrying one line a person can act on.
 */
import { parseDuration, type BackupOperation, type EventDataOf } from '../../../contract/index.js';
import type { HelperConfig } from '../../config/schema.js';
import type { Task, TaskContext, TaskOutcome } from '../../runs/task.js';
import { BackupError } from './errors.js';
import { RcloneEngine } from './rclone-engine.js';
import { ResticEngine } from './restic-engine.js';
import { backupConfigOf, checkedSourceFolder, displayRepository, rcloneTargetFor, resticTargetFor } from './target.js';

/** The lock every operation on the repository takes, so backup, prune and check never overlap. */
export const REPOSITORY_RESOURCE = 'backup-repository';

/** Calls fn at most once per interval (the first call goes through); `flush` sends the last skipped value. */
export function throttle<T>(
  intervalMs: number,
  fn: (v: T) => void,
  now: () => number = Date.now,
): { push(v: T): void; flush(): void } {
  let lastAt = -Infinity;
  let pending: { v: T } | null = null;
  return {
    push(v) {
      const t = now();
      if (t - lastAt >= intervalMs) {
        lastAt = t;
        pending = null;
        fn(v);
      } else pending = { v };
    },
    flush() {
      if (pending) fn(pending.v);
      pending = null;
    },
  };
}

/** Builds the restic engine for a run. */
export async function resticEngineFor(
  config: HelperConfig,
  opts: {
    signal?: AbortSignal;
    log?: (l: string) => void;
    onWait?: (why: string) => void;
    lockRetryDelayMs?: number;
  } = {},
): Promise<ResticEngine> {
  const b = backupConfigOf(config);
  return new ResticEngine(await resticTargetFor(config), {
    host: config.server.name,
    signal: opts.signal,
    log: opts.log,
    onWait: opts.onWait,
    lockRetry: { attempts: b.lockRetry.attempts, delayMs: opts.lockRetryDelayMs ?? parseDuration(b.lockRetry.delay)! },
  });
}

/** Builds the rclone engine for a run. */
export async function rcloneEngineFor(
  config: HelperConfig,
  opts: { signal?: AbortSignal; log?: (l: string) => void } = {},
): Promise<RcloneEngine> {
  const b = backupConfigOf(config);
  return new RcloneEngine(await rcloneTargetFor(config), {
    signal: opts.signal,
    log: opts.log,
    backupDirName: b.rcloneBackupDir,
  });
}

/** Runs one operation with the started/failed events around it; body publishes its own success event. */
async function operation(
  ctx: TaskContext,
  op: BackupOperation,
  body: () => Promise<TaskOutcome>,
): Promise<TaskOutcome> {
  const ref = { runId: ctx.runId, job: ctx.job };
  try {
    const b = backupConfigOf(ctx.config);
    ctx.bus.publish('backup.started', {
      ...ref,
      engine: b.engine,
      repository: displayRepository(b.repository),
      operation: op,
    });
    return await body();
  } catch (err) {
    const cancelled = ctx.signal.aborted || (err instanceof BackupError && err.kind === 'cancelled');
    const reason = cancelled
      ? `${op} cancelled`
      : err instanceof BackupError
        ? err.message
        : `${op} failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`;
    ctx.appendLog(`${reason}\n`);
    ctx.log.warn({ runId: ctx.runId, job: ctx.job, reason }, `backup ${op} ${cancelled ? 'cancelled' : 'failed'}`);
    ctx.bus.publish('backup.failed', { ...ref, reason, operation: op, cancelled });
    return { status: cancelled ? 'cancelled' : 'failed', summary: null, error: reason };
  }
}

/** The failure event of a backup, check or prune its task could not publish itself (it threw, its process died). */
const failureOf =
  (op: BackupOperation): Task['publishFailure'] =>
  (bus, ref, reason, cancelled) =>
    bus.publish('backup.failed', { ...ref, reason, operation: op, cancelled });

const logTo = (ctx: TaskContext) => (line: string) => ctx.appendLog(`${line}\n`);

/** Where a backup stands: backup.progress's numbers, from the contract's schema. */
type ProgressNumbers = Omit<EventDataOf<'backup.progress'>, 'runId' | 'job' | 'waiting'>;
const NO_PROGRESS: ProgressNumbers = { percentDone: 0, filesDone: 0, totalFiles: null, bytesDone: 0, totalBytes: null };

/**
 * A run's restic engine options: its cancel, its log, and a wait for another restic's lock published as progress
 * with the reason, so the dashboard and the CLI say why nothing moves instead of looking hung.
 */
function engineOptions(ctx: TaskContext, where: () => ProgressNumbers = () => NO_PROGRESS) {
  return {
    signal: ctx.signal,
    log: logTo(ctx),
    onWait: (why: string) =>
      ctx.bus.publish('backup.progress', { runId: ctx.runId, job: ctx.job, ...where(), waiting: why }),
  };
}

/** Backs up the source (space): restic backup (then retention unless a prune job has its own schedule), or rclone sync. */
export const backupTask: Task = {
  kind: 'backup',
  publishFailure: failureOf('backup'),
  resources: (config) => [config.backup?.source ?? 'space', REPOSITORY_RESOURCE],
  run: (ctx) =>
    operation(ctx, 'backup', async () => {
      const b = backupConfigOf(ctx.config);
      const source = await checkedSourceFolder(ctx.config, ctx.signal);
      const ref = { runId: ctx.runId, job: ctx.job };
      let last = NO_PROGRESS;
      const progress = throttle(1000, (p: ProgressNumbers) => {
        last = p;
        ctx.bus.publish('backup.progress', { ...ref, ...p, waiting: null });
      });
      const started = Date.now();
      if (b.engine === 'rclone') {
        const engine = await rcloneEngineFor(ctx.config, { signal: ctx.signal, log: logTo(ctx) });
        const r = await engine.sync(source, {
          exclude: b.exclude,
          onStats: (s) =>
            progress.push({
              percentDone: s.totalBytes > 0 ? Math.min(1, s.bytes / s.totalBytes) : 0,
              filesDone: s.transfers,
              totalFiles: s.totalTransfers || null,
              bytesDone: s.bytes,
              totalBytes: s.totalBytes || null,
            }),
        });
        progress.flush();
        const durationMs = Date.now() - started;
        const summary = {
          engine: 'rclone',
          transfers: r.stats.transfers,
          bytes: r.stats.bytes,
          deletes: r.stats.deletes,
          checks: r.stats.checks,
          backupDir: r.backupDir,
          durationMs,
        };
        ctx.bus.publish('backup.finished', {
          ...ref,
          snapshotId: null,
          filesNew: r.stats.transfers,
          filesChanged: 0,
          dataAdded: r.stats.bytes,
          durationMs,
          warning: null,
          unreadable: [],
          snapshotsRemoved: null,
        });
        return { status: 'succeeded', summary, error: null };
      }

      const engine = await resticEngineFor(
        ctx.config,
        engineOptions(ctx, () => last),
      );
      const r = await engine.backup([source], {
        exclude: b.exclude,
        initIfMissing: b.initIfMissing,
        onProgress: (s) =>
          progress.push({
            percentDone: s.percentDone,
            filesDone: s.filesDone,
            totalFiles: s.totalFiles,
            bytesDone: s.bytesDone,
            totalBytes: s.totalBytes,
          }),
      });
      progress.flush();
      const warnings: string[] = [];
      if (r.unreadable.length > 0)
        warnings.push(
          `${r.unreadable.length} file(s) could not be read and are not in the snapshot, e.g. ${r.unreadable[0]!.item}`,
        );
      let snapshotsRemoved: number | null = null;
      if (b.prune.schedule === null) {
        try {
          const f = await engine.forget(b.retention);
          snapshotsRemoved = f.removed;
          ctx.appendLog(`retention: kept ${f.kept}, removed ${f.removed} snapshot(s)\n`);
        } catch (err) {
          if (!(err instanceof BackupError) || err.kind === 'cancelled') throw err;
          // The snapshot is safe; retention waits for the next run.
          warnings.push(`retention did not run: ${err.message}`);
        }
      }
      const s = r.summary;
      const durationMs = Date.now() - started;
      const warning = warnings.length ? warnings.join('; ') : null;
      ctx.bus.publish('backup.finished', {
        ...ref,
        snapshotId: s.snapshotId,
        filesNew: s.filesNew,
        filesChanged: s.filesChanged,
        dataAdded: s.dataAdded,
        durationMs,
        warning,
        unreadable: r.unreadable.slice(0, 20).map((u) => u.item),
        snapshotsRemoved,
      });
      const summary = {
        engine: 'restic',
        snapshotId: s.snapshotId,
        filesNew: s.filesNew,
        filesChanged: s.filesChanged,
        filesUnmodified: s.filesUnmodified,
        dataAdded: s.dataAdded,
        totalBytesProcessed: s.totalBytesProcessed,
        unreadable: r.unreadable.map((u) => u.item),
        snapshotsRemoved,
        durationMs,
        /** restic's own measure of the backup, and its process's wall time, for comparing with the run's. */
        resticDurationMs: s.durationMs,
        resticProcessMs: r.processMs,
      };
      return { status: warning ? 'warning' : 'succeeded', summary, error: warning };
    }),
};

/** The `n/N` subset the next check of a job reads, rotating through the repository run by run. */
export function nextSubset(
  ctx: Pick<TaskContext, 'store' | 'job'>,
  total: number,
): { subset: string; advance(): void } {
  const key = `check:${ctx.job}:next-subset`;
  const stored = Number(ctx.store.jobState.get(key) ?? '1');
  const n = Number.isInteger(stored) && stored >= 1 && stored <= total ? stored : 1;
  return { subset: `${n}/${total}`, advance: () => ctx.store.jobState.set(key, String((n % total) + 1)) };
}

/** Checks the repository and reads the next data subset (restic), or compares by checksum (rclone). */
export const checkTask: Task = {
  kind: 'check',
  publishFailure: failureOf('check'),
  resources: (config) =>
    config.backup?.engine === 'rclone' ? [config.backup.source, REPOSITORY_RESOURCE] : [REPOSITORY_RESOURCE],
  run: (ctx) =>
    operation(ctx, 'check', async () => {
      const b = backupConfigOf(ctx.config);
      const started = Date.now();
      let ok: boolean;
      let problems: string[];
      let subset: string | null = null;
      let advance = () => {};
      if (b.engine === 'rclone') {
        const r = await (
          await rcloneEngineFor(ctx.config, { signal: ctx.signal, log: logTo(ctx) })
        ).check(await checkedSourceFolder(ctx.config, ctx.signal));
        ({ ok, problems } = r);
      } else {
        const next = nextSubset(ctx, b.check.readDataSubsets);
        subset = next.subset;
        advance = next.advance;
        const r = await (await resticEngineFor(ctx.config, engineOptions(ctx))).check(subset);
        ({ ok, problems } = r);
      }
      for (const p of problems) ctx.appendLog(`check: ${p}\n`);
      const durationMs = Date.now() - started;
      if (!ok)
        throw new BackupError('check-failed', `the repository check found damage: ${problems[0] ?? 'see the run log'}`);
      advance();
      ctx.bus.publish('backup.checked', { runId: ctx.runId, job: ctx.job, subset, durationMs });
      return { status: 'succeeded', summary: { subset, durationMs }, error: null };
    }),
};

/** Applies retention (`forget --prune`) on its own schedule. */
export const pruneTask: Task = {
  kind: 'prune',
  publishFailure: failureOf('prune'),
  resources: () => [REPOSITORY_RESOURCE],
  run: (ctx) =>
    operation(ctx, 'prune', async () => {
      const b = backupConfigOf(ctx.config);
      if (b.engine !== 'restic')
        throw new BackupError(
          'not-configured',
          'prune applies to restic repositories; rclone keeps replaced files under backup.rcloneBackupDir',
        );
      const started = Date.now();
      const f = await (await resticEngineFor(ctx.config, engineOptions(ctx))).forget(b.retention);
      const durationMs = Date.now() - started;
      ctx.bus.publish('backup.pruned', {
        runId: ctx.runId,
        job: ctx.job,
        snapshotsKept: f.kept,
        snapshotsRemoved: f.removed,
        durationMs,
      });
      return {
        status: 'succeeded',
        summary: { snapshotsKept: f.kept, snapshotsRemoved: f.removed, durationMs },
        error: null,
      };
    }),
};

/** The backup tasks, for the job registry. */
export const BACKUP_TASKS: readonly Task[] = [backupTask, checkTask, pruneTask];
