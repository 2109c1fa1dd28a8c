/** Job run history: one row per run, with its summary and the tail of its log. */
import type { JobKind, JobRun, RunStatus } from '../../contract/index.js';
import type { Db } from './db.js';

interface Row {
  id: number;
  job: string;
  kind: JobKind;
  status: RunStatus;
  trigger: JobRun['trigger'];
  queued_at: number;
  started_at: number | null;
  finished_at: number | null;
  summary: string | null;
  error: string | null;
}

/** The most log a run keeps: its last 64 KiB. */
export const RUN_LOG_LIMIT = 64 * 1024;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Turns a stored row into the contract's JobRun. */
export function rowToRun(r: Row): JobRun {
  return {
    id: r.id,
    job: r.job,
    kind: r.kind,
    status: r.status,
    trigger: r.trigger,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    durationMs: r.started_at !== null && r.finished_at !== null ? r.finished_at - r.started_at : null,
    summary: r.summary ? (JSON.parse(r.summary) as Record<string, unknown>) : null,
    error: r.error,
  };
}

/** Reads and writes the job_runs table. */
export class RunStore {
  constructor(private readonly db: Db) {}

  /** Records a new run as queued and returns its id. */
  create(job: string, kind: JobKind, trigger: JobRun['trigger'], now = Date.now()): number {
    return Number(
      this.db.prepare('INSERT INTO job_runs (job, kind, status, trigger, queued_at) VALUES (?, ?, ?, ?, ?)').run(job, kind, 'queued', trigger, now).lastInsertRowid,
    );
  }

  /** Marks a run as started. */
  start(id: number, now = Date.now()): void {
    this.db.prepare("UPDATE job_runs SET status = 'running', started_at = ? WHERE id = ?").run(now, id);
  }

  /** Marks a run as ended with its outcome. */
  finish(id: number, status: RunStatus, summary: Record<string, unknown> | null, error: string | null, now = Date.now()): void {
    this.db
      .prepare('UPDATE job_runs SET status = ?, finished_at = ?, summary = ?, error = ?, started_at = COALESCE(started_at, ?) WHERE id = ?')
      .run(status, now, summary ? JSON.stringify(summary) : null, error, now, id);
  }

  /** Appends to a run's log, keeping only the last RUN_LOG_LIMIT characters. */
  appendLog(id: number, text: string): void {
    this.db.prepare('UPDATE job_runs SET log = substr(log || ?, -?) WHERE id = ?').run(text, RUN_LOG_LIMIT, id);
  }

  /** A run's log tail. */
  log(id: number): string | null {
    return (this.db.prepare('SELECT log FROM job_runs WHERE id = ?').pluck().get(id) as string | undefined) ?? null;
  }

  /** One run. */
  get(id: number): JobRun | null {
    const r = this.db.prepare<[number], Row>('SELECT * FROM job_runs WHERE id = ?').get(id);
    return r ? rowToRun(r) : null;
  }

  /** Runs newest first, optionally of one job. */
  list(opts: { job?: string; limit?: number } = {}): JobRun[] {
    const limit = opts.limit ?? 50;
    const rows = opts.job
      ? this.db.prepare<[string, number], Row>('SELECT * FROM job_runs WHERE job = ? ORDER BY id DESC LIMIT ?').all(opts.job, limit)
      : this.db.prepare<[number], Row>('SELECT * FROM job_runs ORDER BY id DESC LIMIT ?').all(limit);
    return rows.map(rowToRun);
  }

  /** Count and total duration per job and status, for metrics. */
  stats(): { job: string; status: RunStatus; count: number; durationMs: number }[] {
    return this.db
      .prepare<[], { job: string; status: RunStatus; count: number; durationMs: number }>(
        `SELECT job, status, COUNT(*) AS count, COALESCE(SUM(finished_at - started_at), 0) AS durationMs
         FROM job_runs GROUP BY job, status ORDER BY job, status`,
      )
      .all();
  }
}
