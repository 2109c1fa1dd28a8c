/** Resource locks of the job system (table job_locks): shared by the daemon and CLI processes through the store. */
import { processAlive } from '../system/process.js';
import type { Db } from './db.js';

/** Who holds a resource. */
export interface LockHolder {
  resource: string;
  runId: number;
  pid: number;
  acquiredAt: number;
}

/** Reads and writes the job_locks table. */
export class JobLockStore {
  constructor(
    private readonly db: Db,
    private readonly isAlive: (pid: number) => boolean = processAlive,
  ) {}

  /**
   * Takes every resource for a run, or none: all in one immediate transaction. A lock whose process is gone
   * (a helper killed mid-run) is taken over. Returns the holders that block the run (empty when taken).
   */
  tryAcquire(resources: readonly string[], runId: number, pid: number = process.pid, now = Date.now()): LockHolder[] {
    return this.db
      .transaction(() => {
        const blockers: LockHolder[] = [];
        for (const r of resources) {
          const h = this.holder(r);
          if (!h || h.runId === runId) continue;
          if (!this.isAlive(h.pid)) {
            this.db.prepare('DELETE FROM job_locks WHERE resource = ?').run(r);
            continue;
          }
          blockers.push(h);
        }
        if (blockers.length > 0) return blockers;
        const put = this.db.prepare(
          'INSERT OR REPLACE INTO job_locks (resource, run_id, pid, acquired_at) VALUES (?, ?, ?, ?)',
        );
        for (const r of resources) put.run(r, runId, pid, now);
        return [];
      })
      .immediate();
  }

  /** Releases every resource a run holds. */
  release(runId: number): void {
    this.db.prepare('DELETE FROM job_locks WHERE run_id = ?').run(runId);
  }

  /** The holder of one resource, if any. */
  holder(resource: string): LockHolder | null {
    const r = this.db
      .prepare<[string], { resource: string; run_id: number; pid: number; acquired_at: number }>(
        'SELECT * FROM job_locks WHERE resource = ?',
      )
      .get(resource);
    return r ? { resource: r.resource, runId: r.run_id, pid: r.pid, acquiredAt: r.acquired_at } : null;
  }

  /** Every held lock. */
  list(): LockHolder[] {
    return this.db
      .prepare<[], { resource: string; run_id: number; pid: number; acquired_at: number }>(
        'SELECT * FROM job_locks ORDER BY resource',
      )
      .all()
      .map((r) => ({ resource: r.resource, runId: r.run_id, pid: r.pid, acquiredAt: r.acquired_at }));
  }
}

/** Small per-job state kept between runs (table job_state). */
export class JobStateStore {
  constructor(private readonly db: Db) {}

  /** The value stored under key, or null. */
  get(key: string): string | null {
    return (
      (this.db.prepare('SELECT value FROM job_state WHERE key = ?').pluck().get(key) as string | undefined) ?? null
    );
  }

  /** Stores a value under key. */
  set(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO job_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }
}
