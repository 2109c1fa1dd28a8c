/** The journal's open-run marks: recovery finds every unfinished row through them, old stores included. */
import { describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS, openDb } from '../../store/db.js';
import { acquireMoverLock, Journal } from './journal.js';

const row = (runId: number, n: number) => ({
  runId,
  kind: 'file' as const,
  srcRoot: '/flux',
  dstRoot: '/space',
  srcs: [`f${n}`],
  dsts: [`f${n}`],
  tmp: `.fts-grad-${runId}-${n}`,
  size: n,
  mtimeMs: 1000 + n,
  srcIno: 50 + n,
  state: 'copying' as const,
});

describe('graduation journal', () => {
  it('finds a run’s unfinished rows until none is left, and forgets a run that finished', () => {
    const db = openDb(':memory:');
    const journal = new Journal(db);
    const release = acquireMoverLock(db, 7);
    const a = journal.begin(row(7, 1));
    const b = journal.begin(row(7, 2));
    expect(journal.unfinished().map((e) => e.id)).toEqual([a, b]);
    journal.set(a, 'done');
    // A row still open keeps the run marked past its end (a crash, or a root not mounted).
    release();
    expect(journal.unfinished().map((e) => e.id)).toEqual([b]);
    journal.set(b, 'rolled_back', { error: 'test' });
    journal.closeFinishedRuns();
    expect(db.prepare('SELECT COUNT(*) FROM graduation_open_runs').pluck().get()).toBe(0);
    // A row written after its run was forgotten marks it again.
    const c = journal.begin(row(7, 3));
    expect(journal.unfinished().map((e) => e.id)).toEqual([c]);
  });

  it('marks the runs of a store from before the marks that have unfinished rows', () => {
    const db = openDb(
      ':memory:',
      MIGRATIONS.filter((m) => m.name !== '013-graduation-open-runs'),
    );
    const insert = db.prepare(
      "INSERT INTO graduation_journal (run_id, kind, src_root, dst_root, srcs, dsts, size, mtime_ms, src_ino, state, updated_at) VALUES (?, 'file', '/f', '/s', '[]', '[]', 0, 0, 0, ?, 0)",
    );
    insert.run(3, 'done');
    insert.run(4, 'linked');
    insert.run(5, 'copying');
    expect(migrate(db, MIGRATIONS)).toEqual(['013-graduation-open-runs']);
    expect(new Journal(db).unfinished().map((e) => [e.runId, e.state])).toEqual([
      [4, 'linked'],
      [5, 'copying'],
    ]);
    expect(db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'graduation_journal_open'").pluck().get()).toBe(
      0,
    );
  });

  it('commits durably with synchronous=FULL and goes back to NORMAL, also when the transaction throws', () => {
    const db = openDb(':memory:');
    const journal = new Journal(db);
    const level = () => db.pragma('synchronous', { simple: true });
    expect(level()).toBe(1);
    expect(journal.durably(() => level())).toBe(2);
    expect(level()).toBe(1);
    expect(() =>
      journal.durably(() => {
        throw new Error('inside');
      }),
    ).toThrow('inside');
    expect(level()).toBe(1);
  });
});
