/** What restores and bring-backs put in flux, kept out of graduation for a while. */
import type { Migration } from './db.js';

/** Migrations of restore and bring-back. */
export const RESTORE_MIGRATIONS: Migration[] = [
  {
    // A file or folder restored or brought back to flux keeps its old mtime, so the next graduation would take it
    // straight back to space. It stays in flux until `until` (graduation.minAge after it came back).
    name: '400-flux-holds',
    sql: `
      CREATE TABLE flux_holds (
        path TEXT PRIMARY KEY,
        until INTEGER NOT NULL,
        run_id INTEGER NOT NULL,
        reason TEXT NOT NULL
      );
    `,
  },
];
