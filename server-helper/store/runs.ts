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
  pid: number | null;
  cancel_requested: number;
  params: string | null;
  undoable: number;
}

/** A run that has not ended, with the process that owns it. */
export interface ActiveRun {
  id: number;
  job: string;
  kind: JobKind;
  status: 'queued' | 'running';
  pid: number | null;
  cancelRequested: boolean;
  /** What the run was started with (see JobRun.params). */
  params: Record<string, unknown> | null;
}

/** The most log a run keeps: its last 64 KiB. */
export const RUN_LOG_LIMIT = 64 * 1024;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const parseParams = (text: string | null) => (text ? (JSON.parse(text) as Record<string, unknown>) : null);

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
    params: parseParams(r.params),
    undoable: r.undoable === 1,
  };
}

/** Reads and writes the job_runs table. */
export class RunStore {
  constructor(private readonly db: Db) {}

  /** Records a new run as queued (owned by process `pid`, default this one) with its parameters, and returns its id. */
  create(
    job: string,
    kind: JobKind,
    trigger: JobRun['trigger'],
    now = Date.now(),
    pid: number = process.pid,
    params: Record<string, unknown> | null = null,
  ): number {
    return Number(
      this.db
        .prepare(
          'INSERT INTO job_runs (job, kind, status, trigger, queued_at, pid, params) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(job, kind, 'queued', trigger, now, pid, params ? JSON.stringify(params) : null).lastInsertRowid,
    );
  }

  /** Asks the process that owns a queued or running run to stop it; false when the run has already ended. */
  requestCancel(id: number): boolean {
    return (
      this.db
        .prepare("UPDATE job_runs SET cancel_requested = 1 WHERE id = ? AND status IN ('queued', 'running')")
        .run(id).changes > 0
    );
  }

  /** Whether someone asked to cancel this run. */
  cancelRequested(id: number): boolean {
    return (
      (this.db.prepare('SELECT cancel_requested FROM job_runs WHERE id = ?').pluck().get(id) as number | undefined) ===
      1
    );
  }

  /** Runs that have not ended, oldest first, optionally of one job. */
  active(job?: string): ActiveRun[] {
    const sql = `SELECT id, job, kind, status, pid, cancel_requested, params FROM job_runs WHERE status IN ('queued', 'running') ${job ? 'AND job = ?' : ''} ORDER BY id`;
    const rows = (job ? this.db.prepare(sql).all(job) : this.db.prepare(sql).all()) as Pick<
      Row,
      'id' | 'job' | 'kind' | 'status' | 'pid' | 'cancel_requested' | 'params'
    >[];
    return rows.map((r) => ({
      id: r.id,
      job: r.job,
      kind: r.kind,
      status: r.status as ActiveRun['status'],
      pid: r.pid,
      cancelRequested: r.cancel_requested === 1,
      params: parseParams(r.params),
    }));
  }

  /** Marks a run as started. */
  start(id: number, now = Date.now()): void {
    this.db.prepare("UPDATE job_runs SET status = 'running', started_at = ? WHERE id = ?").run(now, id);
  }

  /** Marks a run as ended with its outcome; `undoable` when it changed something its kind's undo can take back. */
  finish(
    id: number,
    status: RunStatus,
    summary: Record<string, unknown> | null,
    error: string | null,
    opts: { undoable?: boolean; now?: number } = {},
  ): void {
    const now = opts.now ?? Date.now();
    const undoable = opts.undoable ?? false;
    this.db
      .prepare(
        'UPDATE job_runs SET status = ?, finished_at = ?, summary = ?, error = ?, started_at = COALESCE(started_at, ?), undoable = ? WHERE id = ?',
      )
      .run(status, now, summary ? JSON.stringify(summary) : null, error, now, undoable ? 1 : 0, id);
  }

  /** Records that an undo took a run back: it cannot be undone again. */
  markUndone(id: number): void {
    this.db.prepare('UPDATE job_runs SET undoable = 0 WHERE id = ?').run(id);
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
      ? this.db
          .prepare<[string, number], Row>('SELECT * FROM job_runs WHERE job = ? ORDER BY id DESC LIMIT ?')
          .all(opts.job, limit)
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
