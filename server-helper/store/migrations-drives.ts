/** Drive-check state: the warning conditions already announced, so each new one is published once. */
import type { Migration } from './db.js';

/** Migrations of the drives feature. */
export const DRIVE_MIGRATIONS: Migration[] = [
  {
    name: '100-drive-conditions',
    sql: `
      CREATE TABLE drive_conditions (
        role TEXT NOT NULL,
        code TEXT NOT NULL,
        message TEXT NOT NULL,
        since INTEGER NOT NULL,
        PRIMARY KEY (role, code)
      );
    `,
  },
];
