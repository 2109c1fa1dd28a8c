/**
 * Restore as a job-system action (kind `restore`, parameters `{ snapshot, path }`): it locks flux, checks flux's
 * drive, restores into flux under `Restored YYYY-MM-DD/` (restore.ts), publishes `restore.started|progress|finished|failed`,
 * and holds what it restored in flux for graduation.minAge (its files keep their old mtimes).
 */
import { parseDuration, RestoreRequest } from '../../../contract/index.js';
import type { HelperConfig } from '../../config/schema.js';
import { RunRefused, type Task, type TaskOutcome } from '../../runs/task.js';
import { BackupError } from '../backup/errors.js';
import { resticEngineFor, throttle } from '../backup/tasks.js';
import { rootOf } from '../graduation/service.js';
import { preflightDrives } from '../preflight.js';
import { RestoreError } from './errors.js';
import { restoreIntoFlux, type RestoreProgress } from './restore.js';

/** The role a restore writes into: the working share graduation takes files from (flux). */
export const restoreRole = (config: HelperConfig): string => config.graduation.from;

/** Refuses a restore without a restic repository (rclone keeps no snapshots to restore from). */
function admitRestore(config: HelperConfig): void {
  if (!config.backup)
    throw new RunRefused(
      'conflict',
      'backup is not configured: add a backup section (restic) to restore from its snapshots',
    );
  if (config.backup.engine !== 'restic')
    throw new RunRefused('conflict', `restore reads restic snapshots; backup.engine is ${config.backup.engine}`);
}

/** kind 'restore': a file or folder of a snapshot into flux, never over a live file. */
export const restoreTask: Task<RestoreRequest> = {
  kind: 'restore',
  params: RestoreRequest,
  resources: (config) => [restoreRole(config)],
  admit: ({ config }) => admitRestore(config),
  async run(ctx): Promise<TaskOutcome> {
    const { config, params } = ctx;
    const started = Date.now();
    const ref = { runId: ctx.runId, job: ctx.job };
    const log = (line: string) => ctx.appendLog(`${line}\n`);
    const progress = throttle(1000, (p: RestoreProgress) => ctx.bus.publish('restore.progress', { ...ref, ...p }));
    try {
      await preflightDrives(config, [restoreRole(config)], ctx.signal);
      const engine = await resticEngineFor(config, { signal: ctx.signal, log });
      const r = await restoreIntoFlux({
        engine,
        fluxRoot: rootOf(config, restoreRole(config)),
        snapshot: params.snapshot,
        path: params.path,
        runId: ctx.runId,
        runActive: (id) => {
          const run = ctx.store.runs.get(id);
          return run !== null && (run.status === 'queued' || run.status === 'running');
        },
        onPlan: (plan) =>
          ctx.bus.publish('restore.started', {
            ...ref,
            snapshot: plan.snapshot.shortId,
            path: plan.path,
            totalFiles: plan.totalFiles,
            totalBytes: plan.totalBytes,
          }),
        onProgress: (p) => progress.push(p),
        log,
      });
      progress.flush();
      // Restored files keep their old mtimes: graduation leaves them in flux for one graduation.minAge.
      ctx.store.fluxHolds.hold(
        [r.restoredTo],
        Date.now() + parseDuration(config.graduation.minAge)!,
        ctx.runId,
        'restore',
      );
      const durationMs = Date.now() - started;
      ctx.bus.publish('restore.finished', {
        ...ref,
        snapshot: r.snapshot.shortId,
        path: r.path,
        restoredTo: r.restoredTo,
        files: r.totalFiles,
        bytes: r.totalBytes,
        renamed: r.renamed,
        durationMs,
      });
      return {
        status: 'succeeded',
        summary: {
          snapshot: r.snapshot.id,
          path: r.path,
          restoredTo: r.restoredTo,
          renamed: r.renamed,
          files: r.totalFiles,
          bytes: r.totalBytes,
          leftoversRemoved: r.leftoversRemoved,
        },
        error: null,
      };
    } catch (err) {
      const cancelled = ctx.signal.aborted || (err instanceof BackupError && err.kind === 'cancelled');
      const reason = cancelled
        ? 'restore cancelled'
        : err instanceof RestoreError || err instanceof BackupError
          ? err.message
          : `restore failed: ${(err as Error).message}`;
      log(reason);
      ctx.bus.publish('restore.failed', { ...ref, reason, cancelled });
      return { status: cancelled ? 'cancelled' : 'failed', summary: null, error: reason };
    }
  },
  publishFailure: (bus, ref, reason, cancelled) => bus.publish('restore.failed', { ...ref, reason, cancelled }),
};
