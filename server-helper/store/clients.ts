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

/** A report from a new client when the registry is full; the message names the limit and the fix. */
export class ClientLimitError extends Error {
  override readonly name = 'ClientLimitError';
  constructor(
    readonly clientId: string,
    readonly max: number,
  ) {
    super(
      `the helper keeps at most ${max} client records and has ${max}, so client "${clientId}" was not recorded: raise clients.maxRecords in the config`,
    );
  }
}

/** What recording a report learned: whether the client is new or came back after being offline. */
export interface RecordOutcome {
  previousLastSeen: number | null;
}

interface Pending {
  params: Record<string, unknown>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Reads and writes the clients table. */
export class ClientStore {
  private readonly lastSeenStmt;
  private readonly upsertStmt;
  private readonly countStmt;
  /** New clients whose first report waits in the pending batch: they count against the limit already. */
  private readonly pendingNew = new Set<string>();
  /** Last-seen times this process knows, so a report needs no read before its write. */
  private readonly lastSeenCache = new Map<string, number>();
  private pending: Pending[] = [];
  private flushScheduled = false;

  constructor(private readonly db: Db) {
    this.lastSeenStmt = db.prepare<[string], number>('SELECT last_seen FROM clients WHERE id = ?').pluck();
    this.countStmt = db.prepare<[], number>('SELECT COUNT(*) FROM clients').pluck();
    this.upsertStmt = db.prepare(
      `INSERT INTO clients (id, host_name, os, os_version, app_version, shares, first_seen, last_seen)
       VALUES (@id, @hostName, @os, @osVersion, @appVersion, @shares, @now, @now)
       ON CONFLICT (id) DO UPDATE SET host_name = @hostName, os = @os, os_version = @osVersion,
         app_version = @appVersion, shares = @shares, last_seen = @now`,
    );
  }

  /** Stores a client's report now and says when it was seen before. Throws ClientLimitError for one client too many. */
  record(id: string, report: ClientStateReport, now = Date.now(), maxRecords = Infinity): RecordOutcome {
    const previousLastSeen = this.admit(id, now, maxRecords);
    this.upsertStmt.run(this.params(id, report, now));
    return { previousLastSeen };
  }

  /**
   * Stores a report with group commit: every report that arrives in the same turn of the event loop is
   * written in one transaction, and each promise resolves once its row is committed. Throws ClientLimitError
   * (and stores nothing) when the client is new and maxRecords clients are known.
   */
  recordBatched(
    id: string,
    report: ClientStateReport,
    now = Date.now(),
    maxRecords = Infinity,
  ): { previousLastSeen: number | null; stored: Promise<void> } {
    const previousLastSeen = this.admit(id, now, maxRecords);
    if (previousLastSeen === null) this.pendingNew.add(id);
    const stored = new Promise<void>((resolve, reject) =>
      this.pending.push({ params: this.params(id, report, now), resolve, reject }),
    );
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return { previousLastSeen, stored };
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.pendingNew.clear();
    this.flushScheduled = false;
    try {
      this.db.transaction(() => {
        for (const p of batch) this.upsertStmt.run(p.params);
      })();
      for (const p of batch) p.resolve();
    } catch (err) {
      // Forget cached times: the rows they describe were not written.
      this.lastSeenCache.clear();
      for (const p of batch) p.reject(err);
    }
  }

  /** When the client was seen before (null: new), after checking that a new one fits under the limit. */
  private admit(id: string, now: number, maxRecords: number): number | null {
    const cached = this.lastSeenCache.get(id);
    const previous = cached ?? (this.lastSeenStmt.get(id) as number | undefined) ?? null;
    // Counted only for a client not seen before, so the reports of known clients cost no extra query.
    if (previous === null && !this.pendingNew.has(id) && this.countStmt.get()! + this.pendingNew.size >= maxRecords) {
      throw new ClientLimitError(id, maxRecords);
    }
    if (this.lastSeenCache.size > 100_000) this.lastSeenCache.clear();
    this.lastSeenCache.set(id, now);
    return previous;
  }

  private params(id: string, report: ClientStateReport, now: number): Record<string, unknown> {
    return {
      id,
      hostName: report.hostName,
      os: report.os,
      osVersion: report.osVersion ?? null,
      appVersion: report.appVersion,
      shares: JSON.stringify(report.shares),
      now,
    };
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
      .prepare<[number], { online: number; total: number }>(
        'SELECT COUNT(*) AS total, COALESCE(SUM(last_seen >= ?), 0) AS online FROM clients',
      )
      .get(now - offlineAfterMs)!;
    return { online: row.online, offline: row.total - row.online };
  }
}
