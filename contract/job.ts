/** Jobs (graduation, backup, check, prune, drive check) and their runs. */
import { z } from 'zod';
import { Timestamp } from './common.js';

/** What a job does. */
export const JobKind = z.enum(['graduation', 'backup', 'check', 'prune', 'drive-check', 'timemachine-check', 'storage-sample']);
export type JobKind = z.infer<typeof JobKind>;

/** A configured job with its schedule. */
export const Job = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/),
  kind: JobKind,
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
});
export type JobRun = z.infer<typeof JobRun>;
