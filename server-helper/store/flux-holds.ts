/** The flux_holds table: files and folders in flux that graduation leaves alone until a time (restored or brought back). */
import type { Db } from './db.js';

/** Why something is held in flux. */
export type HoldReason = 'restore' | 'bring-back';

/** Reads and writes flux_holds. */
export class FluxHoldStore {
  constructor(private readonly db: Db) {}

  /** Holds paths (relative to flux; a folder holds everything in it) until `until` (ms); a later hold of a path replaces an earlier one. */
  hold(paths: readonly string[], until: number, runId: number, reason: HoldReason): void {
    const put = this.db.prepare(
      'INSERT INTO flux_holds (path, until, run_id, reason) VALUES (?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET until = max(until, excluded.until), run_id = excluded.run_id, reason = excluded.reason',
    );
    this.db.transaction(() => {
      for (const p of paths) put.run(p, until, runId, reason);
    })();
  }

  /** The paths held at `now`; holds that ran out are removed. */
  active(now: number): Set<string> {
    this.db.prepare('DELETE FROM flux_holds WHERE until <= ?').run(now);
    return new Set(
      this.db
        .prepare<[], { path: string }>('SELECT path FROM flux_holds')
        .all()
        .map((r) => r.path),
    );
  }
}

/** Whether rel (a file in flux) is held: it, or a folder it is in, is in the set. */
export function isHeld(held: ReadonlySet<string>, rel: string): boolean {
  if (held.size === 0) return false;
  for (let p = rel; ;) {
    if (held.has(p)) return true;
    const slash = p.lastIndexOf('/');
    if (slash < 0) return false;
    p = p.slice(0, slash);
  }
}
