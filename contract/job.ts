/** Jobs (graduation, backup, check, prune, drive check, password rotation) and their runs. */
import { z } from 'zod';
import { Timestamp } from './common.js';

/** Work the config defines as jobs, each on its schedule or on demand (`POST /api/v1/jobs/{name}/run`). */
export const ScheduledKind = z.enum([
  'graduation',
  'backup',
  'check',
  'prune',
  'drive-check',
  'timemachine-check',
  'storage-sample',
  'rotation',
]);
export type ScheduledKind = z.infer<typeof ScheduledKind>;

/**
 * Work started on demand with parameters (the undo of a graduation run takes that run's id; a restore a snapshot
 * and a path; a bring-back a path in space), recorded in the run history like a scheduled job's, under a job named
 * after its kind.
 */
export const ActionKind = z.enum(['graduation-undo', 'restore', 'bring-back']);
export type ActionKind = z.infer<typeof ActionKind>;

/** What a run does: a scheduled job's kind or an action's. */
export const JobKind = z.enum([...ScheduledKind.options, ...ActionKind.options]);
export type JobKind = z.infer<typeof JobKind>;

/** A configured job with its schedule. */
export const Job = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/),
  kind: ScheduledKind,
  schedule: z.string().nullable(),
  nextRun: Timestamp.nullable(),
  running: z.boolean(),
  lastRun: z.lazy(() => JobRun).nullable(),
});
export type Job = z.infer<typeof Job>;

/** Where a run stands. */
export const RunStatus = z.enum(['queued', 'running', 'succeeded', 'warning', 'failed', 'cancelled']);
export type RunStatus = z.infer<typeof RunStatus>;

/** One run of a job. */
export const JobRun = z.strictObject({
  id: z.number().int().positive(),
  job: z.string(),
  kind: JobKind,
  status: RunStatus,
  trigger: z.enum(['schedule', 'manual', 'api']),
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
  durationMs: z.number().nullable(),
  summary: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().nullable(),
  /** What the run was started with: an action's parameters (`{ runId }` for an undo) or a job's options (`{ dryRun }`); null for a task that takes none. */
  params: z.record(z.string(), z.unknown()).nullable(),
  /** The helper can undo this run now (its kind has an undo, it ended having changed something, and no undo took it back yet). */
  undoable: z.boolean(),
});
export type JobRun = z.infer<typeof JobRun>;
