/**
 * Graduation and its undo as job-system tasks: the configured policy (or the CLI's ad hoc folders) on the
 * scheduler's clock or on demand, and the undo of one run as an action that takes that run's id.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { countOf } from '../../../contract/format.js';
import type { HelperConfig } from '../../config/schema.js';
import type { EventBus } from '../../runs/bus.js';
import { RunRefused, type AdmitContext, type Task, type TaskContext, type TaskOutcome } from '../../runs/task.js';
import { checkRoots, RootsError, type GraduationSummary } from './graduate.js';
import { publicSummary, runGraduation, runUndo, type RunWiring } from './service.js';

/** A policy given on the command line instead of the config's. */
const AdhocPolicy = z.strictObject({
  minAgeMs: z.number().int().nonnegative(),
  exclude: z.array(z.string()),
  include: z.array(z.string()),
  freeSpaceMargin: z.number().int().nonnegative(),
});

/** A graduation run's parameters: none on its schedule; a dry run, or ad hoc folders and policy from the CLI. */
export const GraduationParams = z.strictObject({
  dryRun: z.boolean().default(false),
  /** Folders and policy of an ad hoc run (`graduate --from --to`): no config, so no drive check; events name the folders. */
  adhoc: z.strictObject({ from: z.string().min(1), to: z.string().min(1), policy: AdhocPolicy }).optional(),
});
export type GraduationParams = z.infer<typeof GraduationParams>;

/** An undo's parameters: the graduation run it takes back. */
export const UndoParams = z.strictObject({
  runId: z.number().int().positive(),
  /** A store without a config (`graduate undo --store`): no drive check; events name the run's folders. */
  adhoc: z.boolean().default(false),
});
export type UndoParams = z.infer<typeof UndoParams>;

/** The roles a graduation or undo locks: both sides, so no backup, graduation or undo overlaps it. */
const sidesOf = (config: HelperConfig) => [config.graduation.from, config.graduation.to];

function wiring(ctx: TaskContext): RunWiring {
  return { store: ctx.store, bus: ctx.bus, runId: ctx.runId, job: ctx.job, signal: ctx.signal };
}

/** The one mapping from a graduation or undo summary to how the run ended. */
function outcomeOf(ctx: TaskContext, s: GraduationSummary, what: string): TaskOutcome {
  ctx.appendLog(
    s.dryRun
      ? `dry run: scanned ${s.scanned}, would move ${s.eligible} (${s.eligibleBytes} bytes)\n`
      : `scanned ${s.scanned}, eligible ${s.eligible}, moved ${s.moved} (${s.bytesMoved} bytes), failed ${s.failed.length}\n`,
  );
  for (const f of s.failed.slice(0, 50)) ctx.appendLog(`failed: ${f.path}: ${f.error}\n`);
  if (s.stopped) ctx.appendLog(`${s.dryRun ? '' : 'stopped: '}${s.stopped}\n`);
  const first = s.failed[0];
  // A file's failure and a stop on the margin are told apart, each once; a dry run that finds the real run would
  // stop is a warning (nothing went wrong yet).
  const problems = [
    ...(first ? [`${countOf(s.failed.length, 'file')} could not ${what}; first: ${first.path}: ${first.error}`] : []),
    ...(s.stopped && !s.dryRun ? [`stopped early: ${s.stopped}`] : []),
  ];
  return {
    status: ctx.signal.aborted ? 'cancelled' : problems.length ? 'failed' : s.stopped ? 'warning' : 'succeeded',
    summary: publicSummary(s),
    error: problems.length ? problems.join('; ') : s.stopped,
    detail: s.files ? { files: s.files } : undefined,
  };
}

/** A run that threw before it had a summary (a drive not mounted, bad roots): its events are already published. */
function thrownOutcome(ctx: TaskContext, err: unknown): TaskOutcome {
  ctx.appendLog(`failed: ${(err as Error).message}\n`);
  return { status: ctx.signal.aborted ? 'cancelled' : 'failed', summary: null, error: (err as Error).message };
}

const publishFailure = (bus: EventBus, ref: { runId: number; job: string }, reason: string) =>
  bus.publish('graduation.failed', { ...ref, reason });

/** kind 'graduation'; locks the from and to roles (flux, space) for the run, or an ad hoc run's two folders. */
export const graduationTask: Task<GraduationParams> = {
  kind: 'graduation',
  params: GraduationParams,
  resources: (config, params) =>
    params.adhoc ? [resolve(params.adhoc.from), resolve(params.adhoc.to)] : sidesOf(config),
  admit(_ctx, params) {
    if (!params.adhoc) return;
    try {
      checkRoots(params.adhoc.from, params.adhoc.to);
    } catch (err) {
      if (err instanceof RootsError) throw new RunRefused('bad-params', err.message);
      throw err;
    }
  },
  async run(ctx) {
    const { dryRun, adhoc } = ctx.params;
    try {
      const s = await runGraduation(wiring(ctx), adhoc ? { adhoc, dryRun } : { config: ctx.config, dryRun });
      return { ...outcomeOf(ctx, s, 'graduate'), undoable: !s.dryRun && s.moved > 0 };
    } catch (err) {
      return thrownOutcome(ctx, err);
    }
  },
  publishFailure,
};

/** Refuses an undo of a run that is unknown, not a graduation, still going, already being undone, or with nothing to undo. */
function admitUndo({ store }: AdmitContext, { runId }: UndoParams): void {
  const target = store.runs.get(runId);
  if (!target || target.kind !== 'graduation') throw new RunRefused('not-found', `no graduation run ${runId}`);
  if (target.status === 'queued' || target.status === 'running')
    throw new RunRefused('conflict', `run ${runId} is still ${target.status}; undo it when it has finished`);
  const busy = store.runs.active(undoTask.kind).find((r) => r.params?.runId === runId);
  if (busy) throw new RunRefused('conflict', `run ${runId} is already being undone by run ${busy.id}`);
  if (!target.undoable)
    throw new RunRefused('conflict', `run ${runId} has nothing to undo (a dry run, nothing moved, or already undone)`);
}

/** kind 'graduation-undo': moves one run's files back; locks the same roles as a graduation. */
export const undoTask: Task<UndoParams> = {
  kind: 'graduation-undo',
  params: UndoParams,
  resources: (config) => sidesOf(config),
  admit: admitUndo,
  async run(ctx) {
    const { runId, adhoc } = ctx.params;
    try {
      const s = await runUndo(wiring(ctx), runId, adhoc ? undefined : ctx.config);
      const outcome = outcomeOf(ctx, s, 'be moved back');
      // Everything came back: the run has nothing left to undo. A partial undo can be run again.
      if (outcome.status === 'succeeded') ctx.store.runs.markUndone(runId);
      return outcome;
    } catch (err) {
      return thrownOutcome(ctx, err);
    }
  },
  publishFailure,
};

/** Graduation's tasks, for the job registry. */
export const GRADUATION_TASKS: readonly Task[] = [graduationTask as Task, undoTask as Task];
