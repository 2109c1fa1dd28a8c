/** Alert delivery state: the outbox a channel is sent from (retried while it is down), coalescing, and the event cursor. */
import type { Migration } from './db.js';

/** Migrations of the alerts feature. */
export const ALERT_MIGRATIONS: Migration[] = [
  {
    name: '300-alerts-delivery',
    sql: `
      -- Messages waiting for their channel, oldest first; a row goes when it is delivered or given up.
      -- Secrets are never stored: a channel reads them when it sends.
      CREATE TABLE alert_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        channel TEXT NOT NULL,
        message TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at INTEGER NOT NULL,
        last_error TEXT
      );
      CREATE INDEX alert_outbox_by_channel ON alert_outbox (channel, id);
      -- Runs already told per channel (one message per run), kept a while after the run.
      CREATE TABLE alert_runs (
        channel TEXT NOT NULL,
        run_key TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (channel, run_key)
      );
      -- The last message of each kind per channel, and the repeats held back since.
      CREATE TABLE alert_repeats (
        channel TEXT NOT NULL,
        kind TEXT NOT NULL,
        last_at INTEGER NOT NULL,
        held INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (channel, kind)
      );
      -- What each channel did last, for alerts list.
      CREATE TABLE alert_channels (
        channel TEXT PRIMARY KEY,
        sent INTEGER NOT NULL DEFAULT 0,
        given_up INTEGER NOT NULL DEFAULT 0,
        last_sent_at INTEGER,
        last_failure_at INTEGER,
        last_error TEXT
      );
      -- The id of the last event the alerts looked at, so a restart neither repeats nor misses one.
      CREATE TABLE alert_cursor (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        event_id INTEGER NOT NULL
      );
    `,
  },
];
