/** The alert tables: an outbox per channel, coalescing marks, per-channel results, and the event cursor. */
import type { Db } from './db.js';

/** A message waiting in the outbox. */
export interface OutboxRow {
  id: number;
  channel: string;
  /** The AlertMessage as JSON. */
  message: string;
  createdAt: number;
  attempts: number;
  nextAt: number;
  lastError: string | null;
}

/** What one channel has done, for `alerts list`. */
export interface ChannelRecord {
  pending: number;
  sent: number;
  givenUp: number;
  lastSentAt: number | null;
  lastFailureAt: number | null;
  lastError: string | null;
}

/** How long a told run is remembered: longer than any run lasts. */
const RUN_MEMORY_MS = 7 * 86_400_000;

/** Reads and writes the alert tables. Statements are prepared once: the decisions run inside a job's publish. */
export class AlertStore {
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      setCursor: db.prepare(
        'INSERT INTO alert_cursor (id, event_id) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET event_id = excluded.event_id',
      ),
      claimRun: db.prepare('INSERT OR IGNORE INTO alert_runs (channel, run_key, at) VALUES (?, ?, ?)'),
      lastOfKind: db.prepare<[string, string], { lastAt: number; held: number }>(
        'SELECT last_at AS lastAt, held FROM alert_repeats WHERE channel = ? AND kind = ?',
      ),
      markKindSent: db.prepare(
        'INSERT INTO alert_repeats (channel, kind, last_at, held) VALUES (?, ?, ?, 0) ON CONFLICT (channel, kind) DO UPDATE SET last_at = excluded.last_at, held = 0',
      ),
      markKindHeld: db.prepare('UPDATE alert_repeats SET held = held + 1 WHERE channel = ? AND kind = ?'),
      enqueue: db.prepare('INSERT INTO alert_outbox (channel, message, created_at, next_at) VALUES (?, ?, ?, ?)'),
      head: db.prepare<[string], OutboxRow>(
        'SELECT id, channel, message, created_at AS createdAt, attempts, next_at AS nextAt, last_error AS lastError FROM alert_outbox WHERE channel = ? ORDER BY id LIMIT 1',
      ),
    };
  }

  /** Runs fn in one immediate transaction (a decision and its outbox rows commit together). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** The id of the last event looked at, or null before the first start. */
  cursor(): number | null {
    return (
      (this.db.prepare('SELECT event_id FROM alert_cursor WHERE id = 1').pluck().get() as number | undefined) ?? null
    );
  }

  /** Records the last event looked at. */
  setCursor(eventId: number): void {
    this.stmt.setCursor.run(eventId);
  }

  /** Marks a run as told on a channel; false when it already was. */
  claimRun(channel: string, runKey: string, now = Date.now()): boolean {
    return this.stmt.claimRun.run(channel, runKey, now).changes === 1;
  }

  /** Forgets runs told long ago (longer than any run lasts); the service calls it at start and now and then. */
  forgetOldRuns(now = Date.now()): number {
    return this.db.prepare('DELETE FROM alert_runs WHERE at < ?').run(now - RUN_MEMORY_MS).changes;
  }

  /** When a channel last sent a message of this kind, and how many repeats it held back since. */
  lastOfKind(channel: string, kind: string): { lastAt: number; held: number } | null {
    return this.stmt.lastOfKind.get(channel, kind) ?? null;
  }

  /** Records a message of this kind as sent now (its held-back count starts again). */
  markKindSent(channel: string, kind: string, now = Date.now()): void {
    this.stmt.markKindSent.run(channel, kind, now);
  }

  /** Counts one repeat held back. */
  markKindHeld(channel: string, kind: string): void {
    this.stmt.markKindHeld.run(channel, kind);
  }

  /** Adds a message to a channel's outbox, due now. */
  enqueue(channel: string, message: string, now = Date.now()): number {
    return Number(this.stmt.enqueue.run(channel, message, now, now).lastInsertRowid);
  }

  /** The oldest message of a channel (due or not: a channel sends in order). */
  head(channel: string): OutboxRow | null {
    return this.stmt.head.get(channel) ?? null;
  }

  /** A message was delivered: it leaves the outbox. */
  delivered(id: number, channel: string, now = Date.now()): void {
    this.transaction(() => {
      this.db.prepare('DELETE FROM alert_outbox WHERE id = ?').run(id);
      this.touch(channel);
      this.db
        .prepare('UPDATE alert_channels SET sent = sent + 1, last_sent_at = ? WHERE channel = ?')
        .run(now, channel);
    });
  }

  /** A delivery failed: try again at nextAt. `error` must already be free of secrets. */
  retryLater(id: number, channel: string, attempts: number, nextAt: number, error: string, now = Date.now()): void {
    this.transaction(() => {
      this.db
        .prepare('UPDATE alert_outbox SET attempts = ?, next_at = ?, last_error = ? WHERE id = ?')
        .run(attempts, nextAt, error, id);
      this.failure(channel, error, now);
    });
  }

  /** A message failed for too long: it leaves the outbox, counted as given up. */
  giveUp(id: number, channel: string, error: string, now = Date.now()): void {
    this.transaction(() => {
      this.db.prepare('DELETE FROM alert_outbox WHERE id = ?').run(id);
      this.failure(channel, error, now);
      this.db.prepare('UPDATE alert_channels SET given_up = given_up + 1 WHERE channel = ?').run(channel);
    });
  }

  /** Drops the waiting messages of channels no longer configured; returns how many. */
  dropChannelsExcept(channels: readonly string[]): number {
    const rows = this.db.prepare('SELECT DISTINCT channel FROM alert_outbox').pluck().all() as string[];
    let n = 0;
    for (const c of rows)
      if (!channels.includes(c)) n += this.db.prepare('DELETE FROM alert_outbox WHERE channel = ?').run(c).changes;
    return n;
  }

  /** What a channel has done so far. */
  record(channel: string): ChannelRecord {
    const pending = this.db
      .prepare('SELECT COUNT(*) FROM alert_outbox WHERE channel = ?')
      .pluck()
      .get(channel) as number;
    const row = this.db
      .prepare<[string], Omit<ChannelRecord, 'pending'>>(
        'SELECT sent, given_up AS givenUp, last_sent_at AS lastSentAt, last_failure_at AS lastFailureAt, last_error AS lastError FROM alert_channels WHERE channel = ?',
      )
      .get(channel);
    return { pending, ...(row ?? { sent: 0, givenUp: 0, lastSentAt: null, lastFailureAt: null, lastError: null }) };
  }

  private touch(channel: string): void {
    this.db.prepare('INSERT OR IGNORE INTO alert_channels (channel) VALUES (?)').run(channel);
  }

  private failure(channel: string, error: string, now: number): void {
    this.touch(channel);
    this.db
      .prepare('UPDATE alert_channels SET last_failure_at = ?, last_error = ? WHERE channel = ?')
      .run(now, error, channel);
  }
}
