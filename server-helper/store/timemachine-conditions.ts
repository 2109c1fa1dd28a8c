/** The timemachine_conditions table: which Time Machine warnings are current (announced once, forgotten when they clear). */
import type { Db } from './db.js';

/** One current warning of one bundle. */
export interface TimeMachineCondition {
  bundle: string;
  code: string;
  message: string;
  since: number;
}

/** Reads and writes timemachine_conditions. */
export class TimeMachineConditionStore {
  constructor(private readonly db: Db) {}

  /** Every current condition. */
  list(): TimeMachineCondition[] {
    return this.db
      .prepare<[], TimeMachineCondition>(
        'SELECT bundle, code, message, since FROM timemachine_conditions ORDER BY bundle, code',
      )
      .all();
  }

  /**
   * Replaces the set of current conditions; returns those that are new. Atomic, so two checks (the daemon's and
   * a CLI's) cannot both announce one. A condition that is gone is forgotten, so its return is announced again.
   */
  replace(current: readonly Omit<TimeMachineCondition, 'since'>[], now = Date.now()): TimeMachineCondition[] {
    const key = (c: { bundle: string; code: string }) => `${c.bundle}\0${c.code}`;
    return this.db
      .transaction(() => {
        const before = new Map(this.list().map((c) => [key(c), c]));
        const keep = new Set(current.map(key));
        const remove = this.db.prepare('DELETE FROM timemachine_conditions WHERE bundle = ? AND code = ?');
        for (const [k, c] of before) if (!keep.has(k)) remove.run(c.bundle, c.code);
        const insert = this.db.prepare(
          'INSERT INTO timemachine_conditions (bundle, code, message, since) VALUES (?, ?, ?, ?)',
        );
        const added: TimeMachineCondition[] = [];
        for (const c of current) {
          if (before.has(key(c))) continue;
          insert.run(c.bundle, c.code, c.message, now);
          added.push({ ...c, since: now });
        }
        return added;
      })
      .immediate();
  }
}
