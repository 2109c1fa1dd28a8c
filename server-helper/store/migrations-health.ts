/** Tables of Time Machine health and storage over time: warnings already announced, and drive usage samples. */
import type { Migration } from './db.js';

/** Migrations of the Time Machine check and the storage sampler. */
export const HEALTH_MIGRATIONS: Migration[] = [
  {
    name: '200-timemachine-conditions',
    sql: `
      -- One row per current warning of one Mac's bundle (its path in the share), so each is announced once.
      CREATE TABLE timemachine_conditions (
        bundle TEXT NOT NULL,
        code TEXT NOT NULL,
        message TEXT NOT NULL,
        since INTEGER NOT NULL,
        PRIMARY KEY (bundle, code)
      );
    `,
  },
  {
    name: '210-storage-samples',
    sql: `
      -- Each drive's usage over time: sampled daily and after each graduation.
      CREATE TABLE storage_samples (
        role TEXT NOT NULL,
        at INTEGER NOT NULL,
        used_bytes INTEGER NOT NULL,
        available_bytes INTEGER NOT NULL,
        size_bytes INTEGER NOT NULL,
        PRIMARY KEY (role, at)
      );
    `,
  },
];
