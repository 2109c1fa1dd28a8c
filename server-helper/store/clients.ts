/** The client registry: who reported what, and when they were last seen. */
import type { ClientRecord, ClientShareState, ClientStateReport } from '../../contract/index.js';
import type { Db } from './db.js';

interface Row {
  id: string;
  host_name: string;
  os: ClientStateReport['os'];
  os_version: string | null;
  app_version: string;
  shares: string;
  first_seen: number;
  last_seen: number;
}

/** What recording a report learned: whether the client is new or came back after being offline. */
export interface RecordOutcome {
  previousLastSeen: number | null;
}

/** Reads and writes the clients table. */
export class ClientStore {
  private readonly lastSeenStmt;
  private readonly upsertStmt;

  constructor(private readonly db: Db) {
    this.lastSeenStmt = db.prepare<[string], number>('SELECT last_seen FROM clients WHERE id = ?').pluck();
    this.upsertStmt = db.prepare(
      `INSERT INTO clients (id, host_name, os, os_version, app_version, shares, first_seen, last_seen)
       VALUES (@id, @hostName, @os, @osVersion, @appVersion, @shares, @now, @now)
       ON CONFLICT (id) DO UPDATE SET host_name = @hostName, os = @os, os_version = @osVersion,
         app_version = @appVersion, shares = @shares, last_seen = @now`,
    );
  }

  /** Stores a client's report and says when it was seen before. */
  record(id: string, report: ClientStateReport, now = Date.now()): RecordOutcome {
    const previousLastSeen = (this.lastSeenStmt.get(id) as number | undefined) ?? null;
    this.upsertStmt.run({
      id,
      hostName: report.hostName,
      os: report.os,
      osVersion: report.osVersion ?? null,
      appVersion: report.appVersion,
      shares: JSON.stringify(report.shares),
      now,
    });
    return { previousLastSeen };
  }

  /** Every client, online when seen within offlineAfterMs. */
  list(offlineAfterMs: number, now = Date.now()): ClientRecord[] {
    return this.db
      .prepare<[], Row>('SELECT * FROM clients ORDER BY host_name, id')
      .all()
      .map((r) => ({
        id: r.id,
        hostName: r.host_name,
        os: r.os,
        ...(r.os_version !== null ? { osVersion: r.os_version } : {}),
        appVersion: r.app_version,
        shares: JSON.parse(r.shares) as ClientShareState[],
        firstSeen: new Date(r.first_seen).toISOString(),
        lastSeen: new Date(r.last_seen).toISOString(),
        online: now - r.last_seen <= offlineAfterMs,
      }));
  }

  /** How many clients are online and offline now. */
  counts(offlineAfterMs: number, now = Date.now()): { online: number; offline: number } {
    const row = this.db
      .prepare<[number], { online: number; total: number }>('SELECT COUNT(*) AS total, COALESCE(SUM(last_seen >= ?), 0) AS online FROM clients')
      .get(now - offlineAfterMs)!;
    return { online: row.online, offline: row.total - row.online };
  }
}
