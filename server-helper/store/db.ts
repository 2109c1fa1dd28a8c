/** Opens the helper's SQLite store (WAL) and applies migrations by name, so features add tables independently. */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CLIENT_MIGRATIONS } from './migrations-clients.js';
import { DRIVE_MIGRATIONS } from './migrations-drives.js';
import { GRADUATION_MIGRATIONS } from './migrations-graduation.js';
import { JOB_MIGRATIONS } from './migrations-jobs.js';
import { ALERT_MIGRATIONS } from './migrations-alerts.js';
import { HEALTH_MIGRATIONS } from './migrations-health.js';
import { RESTORE_MIGRATIONS } from './migrations-restore.js';

/** The better-sqlite3 handle type. */
export type Db = Database.Database;

/** One schema change; applied once, in array order, recorded by name. */
export interface Migration {
  name: string;
  sql: string;
}

/** Every migration the helper knows. Append only: never edit or reorder one that has shipped. */
export const MIGRATIONS: Migration[] = [
  {
    name: '001-core',
    sql: `
      CREATE TABLE clients (
        id TEXT PRIMARY KEY,
        host_name TEXT NOT NULL,
        os TEXT NOT NULL,
        os_version TEXT,
        app_version TEXT NOT NULL,
        shares TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL
      );
      CREATE TABLE tokens (
        name TEXT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'client')),
        created_at INTEGER NOT NULL,
        last_used_at INTEGER
      );
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts INTEGER NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE TABLE job_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job TEXT NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        trigger TEXT NOT NULL,
        queued_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        summary TEXT,
        error TEXT,
        log TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX job_runs_by_job ON job_runs (job, id);
    `,
  },
  ...DRIVE_MIGRATIONS,
  ...GRADUATION_MIGRATIONS,
  ...JOB_MIGRATIONS,
  ...ALERT_MIGRATIONS,
  ...HEALTH_MIGRATIONS,
  ...CLIENT_MIGRATIONS,
  ...RESTORE_MIGRATIONS,
];

/** Opens (creating if needed) the store at path and brings its schema up to date. `:memory:` works for tests. */
export function openDb(path: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode is durable across application crashes; only an OS crash can lose the last commits.
  db.pragma('synchronous = NORMAL');
  // A checkpoint (two fsyncs) every ~40 MB of log rather than SQLite's 4 MB: graduation writes each file's row
  // four times, and the default's checkpoints stopped its main thread ~100 ms per 20,000 files; a page written
  // several times within one interval is copied back once. The log file stays that large between checkpoints.
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, migrations);
  return db;
}

/** Applies the migrations not yet recorded, each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[]): string[] {
  db.exec('CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const done = new Set(db.prepare('SELECT name FROM migrations').pluck().all() as string[]);
  const applied: string[] = [];
  for (const m of migrations) {
    if (done.has(m.name)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO migrations (name, applied_at) VALUES (?, ?)').run(m.name, Date.now());
    }).immediate();
    applied.push(m.name);
  }
  return applied;
}
