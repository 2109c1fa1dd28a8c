/** The drive_conditions table: which drive warnings are current (announced once, forgotten when they clear). */
import type { Db } from './db.js';

/** One current condition. */
export interface DriveCondition {
  role: string;
  code: string;
  message: string;
  since: number;
}

/** Reads and writes drive_conditions. */
export class DriveConditionStore {
  constructor(private readonly db: Db) {}

  /** Every current condition. */
  list(): DriveCondition[] {
    return this.db
      .prepare<[], DriveCondition>('SELECT role, code, message, since FROM drive_conditions ORDER BY role, code')
      .all();
  }

  /** Replaces the set of current conditions; returns those that are new. Atomic, so two checks cannot both announce one. */
  replace(current: Omit<DriveCondition, 'since'>[], now = Date.now()): DriveCondition[] {
    return this.db
      .transaction(() => {
        const before = new Set(this.list().map((c) => `${c.role}\0${c.code}`));
        const keep = new Set(current.map((c) => `${c.role}\0${c.code}`));
        for (const k of before)
          if (!keep.has(k)) {
            const [role, code] = k.split('\0');
            this.db.prepare('DELETE FROM drive_conditions WHERE role = ? AND code = ?').run(role, code);
          }
        const added: DriveCondition[] = [];
        for (const c of current) {
          if (before.has(`${c.role}\0${c.code}`)) continue;
          this.db
            .prepare('INSERT INTO drive_conditions (role, code, message, since) VALUES (?, ?, ?, ?)')
            .run(c.role, c.code, c.message, now);
          added.push({ ...c, since: now });
        }
        return added;
      })
      .immediate();
  }
}
