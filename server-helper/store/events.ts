/** The event log: monotonic ids for replay, bounded retention. */
import type { EventType, FtsEvent } from '../../contract/index.js';
import type { Db } from './db.js';

interface Row {
  id: number;
  ts: number;
  type: EventType;
  data: string;
}

/** Turns a stored row into the wire event. */
export function rowToEvent(r: Row): FtsEvent {
  return { id: r.id, ts: new Date(r.ts).toISOString(), type: r.type, data: JSON.parse(r.data) } as FtsEvent;
}

/** Reads and writes the events table. */
export class EventStore {
  private readonly insertStmt;
  private readonly sinceStmt;
  private readonly trimStmt;
  private inserted = 0;

  constructor(
    private readonly db: Db,
    private readonly retention: number,
  ) {
    this.insertStmt = db.prepare<[number, string, string]>('INSERT INTO events (ts, type, data) VALUES (?, ?, ?)');
    this.sinceStmt = db.prepare<[number, number], Row>(
      'SELECT id, ts, type, data FROM events WHERE id > ? ORDER BY id LIMIT ?',
    );
    this.trimStmt = db.prepare<[number]>('DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ?');
  }

  /** Appends an event (data already validated) and returns its id. */
  append(type: EventType, data: unknown, now = Date.now()): number {
    const id = Number(this.insertStmt.run(now, type, JSON.stringify(data)).lastInsertRowid);
    if (++this.inserted % 100 === 0) this.trimStmt.run(this.retention);
    return id;
  }

  /** Events after id, oldest first. */
  since(id: number, limit = 10_000): FtsEvent[] {
    return this.sinceStmt.all(id, limit).map(rowToEvent);
  }

  /** The newest events, newest first. */
  latest(limit: number, type?: EventType): FtsEvent[] {
    const rows = type
      ? this.db
          .prepare<[string, number], Row>(
            'SELECT id, ts, type, data FROM events WHERE type = ? ORDER BY id DESC LIMIT ?',
          )
          .all(type, limit)
      : this.db.prepare<[number], Row>('SELECT id, ts, type, data FROM events ORDER BY id DESC LIMIT ?').all(limit);
    return rows.map(rowToEvent);
  }

  /** The highest id written so far (0 when empty). */
  lastId(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(id), 0) FROM events').pluck().get() as number) ?? 0;
  }

  /** How many events are stored, per type. */
  countByType(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.db
      .prepare<[], { type: string; n: number }>('SELECT type, COUNT(*) AS n FROM events GROUP BY type')
      .all())
      out[r.type] = r.n;
    return out;
  }
}
