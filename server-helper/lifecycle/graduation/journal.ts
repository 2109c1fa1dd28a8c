/**
 * The graduation journal (SQLite): a row is written before a temp file exists and moves through
 * copying → copied → linked → done, so a crash at any step can be completed or rolled back. The runs that
 * may hold such rows are listed in graduation_open_runs, which is where recovery looks.
 * `dedup` → `duplicate` is the path of a file already archived with identical content.
 */
import type { Db } from '../../store/db.js';
import { processAlive } from '../../system/process.js';

/**
 * Where one move stands. `stranded`: the move was given up, but its copy could not be removed because a folder
 * on its way was swapped or moved away during the run; recovery finishes it like a `copied` row.
 */
export type JournalState =
  'copying' | 'copied' | 'linked' | 'done' | 'dedup' | 'duplicate' | 'rolled_back' | 'failed' | 'undone' | 'stranded';

/** One journal row. */
export interface JournalEntry {
  id: number;
  runId: number;
  kind: 'file' | 'symlink';
  srcRoot: string;
  dstRoot: string;
  /** Relative source paths; several for a hard-link group. */
  srcs: string[];
  /** Relative destination paths, one per source. */
  dsts: string[];
  /** Relative temp path beside the first destination. */
  tmp: string | null;
  size: number;
  mtimeMs: number;
  srcIno: number;
  tmpIno: number | null;
  hash: string | null;
  state: JournalState;
  error: string | null;
  /** The row an undo move reverses. */
  undoOf: number | null;
  /** A copy, not a move: the source stays (an undo restoring a file that was already archived). */
  keepSource: boolean;
  /** The source's ctime when it was copied: recovery removes a source only while it is unchanged. */
  srcCtimeMs: number | null;
}

interface Row {
  id: number;
  run_id: number;
  kind: 'file' | 'symlink';
  src_root: string;
  dst_root: string;
  srcs: string;
  dsts: string;
  tmp: string | null;
  size: number;
  mtime_ms: number;
  src_ino: number;
  tmp_ino: number | null;
  hash: string | null;
  state: JournalState;
  error: string | null;
  undo_of: number | null;
  keep_source: number;
  src_ctime_ms: number | null;
}

function fromRow(r: Row): JournalEntry {
  return {
    id: r.id,
    runId: r.run_id,
    kind: r.kind,
    srcRoot: r.src_root,
    dstRoot: r.dst_root,
    srcs: JSON.parse(r.srcs) as string[],
    dsts: JSON.parse(r.dsts) as string[],
    tmp: r.tmp,
    size: r.size,
    mtimeMs: r.mtime_ms,
    srcIno: r.src_ino,
    tmpIno: r.tmp_ino,
    hash: r.hash,
    state: r.state,
    error: r.error,
    undoOf: r.undo_of,
    keepSource: r.keep_source === 1,
    srcCtimeMs: r.src_ctime_ms,
  };
}

/** The states a crash can leave a row in (recovery finishes or rolls them back). */
const OPEN_STATES = "'copying', 'copied', 'linked', 'dedup', 'stranded'";

/** Reads and writes graduation_journal. */
export class Journal {
  private readonly insertStmt;
  private readonly setStmt;
  private readonly advanceStmt;
  private readonly markStmt;

  constructor(private readonly db: Db) {
    // Prepared once: a run writes a few rows per file, and preparing costs more than the write.
    this.insertStmt = db.prepare(
      `INSERT INTO graduation_journal (run_id, kind, src_root, dst_root, srcs, dsts, tmp, size, mtime_ms, src_ino, state, undo_of, keep_source, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.setStmt = db.prepare(
      `UPDATE graduation_journal SET state = ?, hash = COALESCE(?, hash), tmp_ino = COALESCE(?, tmp_ino),
       src_ctime_ms = COALESCE(?, src_ctime_ms), dsts = COALESCE(?, dsts), error = COALESCE(?, error), updated_at = ? WHERE id = ?`,
    );
    this.markStmt = db.prepare('INSERT OR IGNORE INTO graduation_open_runs (run_id) VALUES (?)');
    this.advanceStmt = db.prepare(
      `UPDATE graduation_journal SET state = ?, updated_at = ? WHERE run_id = ? AND id BETWEEN ? AND ? AND state = ?`,
    );
  }

  /**
   * Moves every row of a run with an id in [firstId, lastId] from one state to the next in one statement:
   * a batch's rows are contiguous, and the ones that failed a step already left `from`. Returns the count.
   */
  advance(runId: number, firstId: number, lastId: number, from: JournalState, to: JournalState): number {
    return this.advanceStmt.run(to, Date.now(), runId, firstId, lastId, from).changes;
  }

  /**
   * Records a planned move before anything is written; returns its id. The row's run is marked open first,
   * so recovery looks at it until closeFinishedRuns (or the end of the run) finds nothing unfinished.
   */
  begin(
    e: Omit<JournalEntry, 'id' | 'tmpIno' | 'hash' | 'error' | 'undoOf' | 'keepSource' | 'srcCtimeMs'> & {
      undoOf?: number;
      keepSource?: boolean;
    },
  ): number {
    // Every time, not once per run: a mark can be rolled back with its transaction, or cleared after a run.
    this.markStmt.run(e.runId);
    return Number(
      this.insertStmt.run(
        e.runId,
        e.kind,
        e.srcRoot,
        e.dstRoot,
        JSON.stringify(e.srcs),
        JSON.stringify(e.dsts),
        e.tmp,
        e.size,
        e.mtimeMs,
        e.srcIno,
        e.state,
        e.undoOf ?? null,
        e.keepSource ? 1 : 0,
        Date.now(),
      ).lastInsertRowid,
    );
  }

  /** Moves one row to a new state, optionally recording the copy's hash and temp inode or an error. */
  set(
    id: number,
    state: JournalState,
    extra: { hash?: string; tmpIno?: number; srcCtimeMs?: number; dsts?: string[]; error?: string } = {},
  ): void {
    this.setStmt.run(
      state,
      extra.hash ?? null,
      extra.tmpIno ?? null,
      extra.srcCtimeMs ?? null,
      extra.dsts ? JSON.stringify(extra.dsts) : null,
      extra.error ?? null,
      Date.now(),
      id,
    );
  }

  /** Runs fn in one transaction (a batch of state changes is one fsync of the store, not hundreds). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /**
   * Runs fn in one transaction that is on disk when this returns. The store runs WAL with synchronous=NORMAL,
   * which syncs only at checkpoints: a power cut could take back such a commit while what followed it (a
   * removed source) survives. So the step before anything irreversible commits with synchronous=FULL.
   */
  durably<T>(fn: () => T): T {
    this.db.pragma('synchronous = FULL');
    try {
      return this.transaction(fn);
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  /** One row. */
  get(id: number): JournalEntry | null {
    const r = this.db.prepare<[number], Row>('SELECT * FROM graduation_journal WHERE id = ?').get(id);
    return r ? fromRow(r) : null;
  }

  /** Rows a crash left between steps, oldest first: looked for only in the runs still marked open. */
  unfinished(): JournalEntry[] {
    return this.db
      .prepare<[], Row>(
        `SELECT * FROM graduation_journal WHERE run_id IN (SELECT run_id FROM graduation_open_runs) AND state IN (${OPEN_STATES}) ORDER BY id`,
      )
      .all()
      .map(fromRow);
  }

  /**
   * The source names of the rows recovery left unfinished (deferred: a folder on their way was moved away), as
   * paths relative to srcRoot. A run leaves these files alone until their rows are finished: moving one now
   * would meet its earlier copy later, and keep both.
   */
  waitingSources(srcRoot: string): Set<string> {
    const rows = this.db
      .prepare<[string], { srcs: string }>(
        `SELECT srcs FROM graduation_journal WHERE run_id IN (SELECT run_id FROM graduation_open_runs) AND state IN (${OPEN_STATES}) AND src_root = ?`,
      )
      .all(srcRoot);
    return new Set(rows.flatMap((r) => JSON.parse(r.srcs) as string[]));
  }

  /** Unmarks the open runs with no unfinished row left (after a run, and after recovery). */
  closeFinishedRuns(): void {
    this.db
      .prepare(
        `DELETE FROM graduation_open_runs WHERE NOT EXISTS (SELECT 1 FROM graduation_journal j WHERE j.run_id = graduation_open_runs.run_id AND j.state IN (${OPEN_STATES}))`,
      )
      .run();
  }

  /** Rows of a run that took a file out of the source, moved (`done`) or dropped as already archived (`duplicate`): what undo restores, in batches by id. */
  movedOf(runId: number, afterId: number, limit: number): JournalEntry[] {
    return this.db
      .prepare<[number, number, number], Row>(
        "SELECT * FROM graduation_journal WHERE run_id = ? AND state IN ('done', 'duplicate') AND id > ? ORDER BY id LIMIT ?",
      )
      .all(runId, afterId, limit)
      .map(fromRow);
  }

  /** Every row of a run. */
  ofRun(runId: number): JournalEntry[] {
    return this.db
      .prepare<[number], Row>('SELECT * FROM graduation_journal WHERE run_id = ? ORDER BY id')
      .all(runId)
      .map(fromRow);
  }
}

/** Another graduation or undo is moving files now; two movers would recover each other's work. */
export class BusyError extends Error {
  override readonly name = 'BusyError';
}

/** Takes the one-mover lock (a row naming this process); a lock whose process died is taken over. Throws BusyError. */
export function acquireMoverLock(db: Db, runId: number): () => void {
  db.transaction(() => {
    const row = db
      .prepare<[], { pid: number; run_id: number }>('SELECT pid, run_id FROM graduation_lock WHERE id = 1')
      .get();
    if (row && row.pid !== process.pid && processAlive(row.pid)) {
      throw new BusyError(
        `another graduation (run ${row.run_id}, process ${row.pid}) is moving files; try again when it has finished`,
      );
    }
    db.prepare('INSERT OR REPLACE INTO graduation_lock (id, pid, run_id, acquired_at) VALUES (1, ?, ?, ?)').run(
      process.pid,
      runId,
      Date.now(),
    );
  }).immediate();
  return () => {
    db.prepare('DELETE FROM graduation_lock WHERE id = 1 AND pid = ? AND run_id = ?').run(process.pid, runId);
    // A run that left no row unfinished needs no looking at again (one that did stays marked for recovery).
    db.prepare(
      `DELETE FROM graduation_open_runs WHERE run_id = ? AND NOT EXISTS (SELECT 1 FROM graduation_journal WHERE run_id = ? AND state IN (${OPEN_STATES}))`,
    ).run(runId, runId);
  };
}
