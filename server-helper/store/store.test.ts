import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS, openDb } from './db.js';
import { RunStore } from './runs.js';
import { openStore } from './index.js';
import { EventBus } from '../runs/bus.js';

describe('store', () => {
  it('migrations apply once, by name, and a reopen applies nothing', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fts-store-')), 'h.db');
    const db = openDb(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(migrate(db, [{ name: '001-core', sql: 'SELECT 1' }])).toEqual([]);
    expect(migrate(db, [{ name: '900-extra', sql: 'CREATE TABLE extra (x)' }])).toEqual(['900-extra']);
    db.close();
    const again = openDb(path);
    const names = again.prepare('SELECT name FROM migrations ORDER BY name').pluck().all() as string[];
    expect(names[0]).toBe('001-core');
    expect(names.at(-1)).toBe('900-extra');
    expect(migrate(again, [{ name: '900-extra', sql: 'CREATE TABLE extra (x)' }])).toEqual([]);
    again.close();
  });

  it('migration 011 gives old undo runs their kind and old graduation runs the undoable flag the dashboard used to derive', () => {
    const db = openDb(
      ':memory:',
      MIGRATIONS.filter((m) => m.name !== '011-run-params-undoable'),
    );
    const add = (job: string, status: string, summary: Record<string, unknown> | null) =>
      db
        .prepare(
          "INSERT INTO job_runs (job, kind, status, trigger, queued_at, summary) VALUES (?, 'graduation', ?, 'manual', 0, ?)",
        )
        .run(job, status, summary && JSON.stringify(summary));
    add('graduation', 'succeeded', { moved: 2, dryRun: false });
    add('graduation', 'succeeded', { moved: 2, dryRun: true });
    add('graduation', 'succeeded', { moved: 0, dryRun: false });
    add('graduation', 'failed', null);
    add('graduation', 'cancelled', { moved: 1, dryRun: false });
    add('graduation-undo', 'succeeded', { moved: 2, dryRun: false });
    expect(migrate(db, MIGRATIONS)).toEqual(['011-run-params-undoable']);
    const runs = new RunStore(db).list().reverse();
    expect(runs.map((r) => [r.kind, r.undoable, r.params])).toEqual([
      ['graduation', true, null],
      ['graduation', false, null],
      ['graduation', false, null],
      ['graduation', false, null],
      ['graduation', true, null],
      ['graduation-undo', false, null],
    ]);
  });

  it('a failing migration leaves no half-applied schema', () => {
    const db = openDb(':memory:');
    expect(() => migrate(db, [{ name: '901-bad', sql: 'CREATE TABLE half (x); CREATE TABLE half (y);' }])).toThrow();
    expect(db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'").pluck().get()).toBe(0);
    expect(db.prepare("SELECT COUNT(*) FROM migrations WHERE name = '901-bad'").pluck().get()).toBe(0);
  });

  it('events keep monotonic ids and a bounded history', () => {
    const store = openStore(':memory:', { eventRetention: 150 });
    const bus = new EventBus(store.events);
    const seen: number[] = [];
    bus.subscribe((e) => seen.push(e.id));
    for (let i = 0; i < 400; i++) bus.publish('share.changed', { shares: ['flux'], reason: `n${i}` });
    expect(seen).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    const kept = store.events.since(0, 10_000);
    expect(kept.length).toBeLessThanOrEqual(250);
    expect(kept.length).toBeGreaterThanOrEqual(150);
    expect(kept.at(-1)!.id).toBe(400);
  });

  it('the bus refuses an event whose data breaks the contract, and stores nothing', () => {
    const store = openStore(':memory:');
    const bus = new EventBus(store.events);
    expect(() =>
      bus.publish('backup.failed', { runId: 0, job: 'backup', reason: 'x', operation: 'backup', cancelled: false }),
    ).toThrow();
    expect(store.events.lastId()).toBe(0);
  });

  it('a run log keeps only its last 64 KiB', () => {
    const store = openStore(':memory:');
    const id = store.runs.create('backup', 'backup', 'manual');
    store.runs.appendLog(id, 'a'.repeat(60 * 1024));
    store.runs.appendLog(id, 'b'.repeat(10 * 1024));
    const log = store.runs.log(id)!;
    expect(log.length).toBe(64 * 1024);
    expect(log.endsWith('b'.repeat(10 * 1024))).toBe(true);
  });
});
