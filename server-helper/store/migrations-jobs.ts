/** Tables of the job system: which process owns a run, cancel requests, resource locks and small per-job state. */
import type { Migration } from './db.js';

/** Migrations of the job system (runs' owner and cancel flag, cross-process resource locks, job state). */
export const JOB_MIGRATIONS: Migration[] = [
  {
    name: '010-jobs',
    sql: `
      ALTER TABLE job_runs ADD COLUMN pid INTEGER;
      ALTER TABLE job_runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX job_runs_by_status ON job_runs (status);
      -- One row per locked resource (e.g. space); the CLI and the daemon share it, so they never overlap.
      CREATE TABLE job_locks (
        resource TEXT PRIMARY KEY,
        run_id INTEGER NOT NULL,
        pid INTEGER NOT NULL,
        acquired_at INTEGER NOT NULL
      );
      -- Small state a job carries from run to run (e.g. which data subset the next check reads).
      CREATE TABLE job_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    name: '011-run-params-undoable',
    sql: `
      -- What an action was started with (JSON, e.g. {"runId":12} for an undo), and whether the run can be undone now.
      ALTER TABLE job_runs ADD COLUMN params TEXT;
      ALTER TABLE job_runs ADD COLUMN undoable INTEGER NOT NULL DEFAULT 0;
      -- Undo runs were graduation runs under the job name graduation-undo; they now have a kind of their own.
      UPDATE job_runs SET kind = 'graduation-undo' WHERE job = 'graduation-undo';
      -- The rule the dashboard applied before the helper said it: an ended graduation that moved something, not a dry run.
      UPDATE job_runs SET undoable = 1
        WHERE kind = 'graduation' AND status NOT IN ('queued', 'running') AND summary IS NOT NULL
          AND COALESCE(json_extract(summary, '$.dryRun'), 0) = 0 AND COALESCE(json_extract(summary, '$.moved'), 0) > 0;
    `,
  },
];
