import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { FtsEvent, JobKind } from '../../contract/index.js';
import { HelperConfig } from '../config/schema.js';
import { backupTask } from '../lifecycle/backup/tasks.js';
import { openStore, type Store } from '../store/index.js';
import { EventBus } from '../runs/bus.js';
import { TaskRegistry } from './registry.js';
import { JobError, JobRunner, listJobs } from './runner.js';
import { JobScheduler, ScheduleError } from './scheduler.js';
import { RunRefused, type Task, type TaskContext } from '../runs/task.js';

const log = pino({ level: 'silent' });

/** A task that runs until released (or aborted), recording what happened. */
function gatedTask(kind: JobKind, resources: string[]) {
  const events: string[] = [];
  let release: () => void = () => {};
  let started: () => void = () => {};
  const startedP = new Promise<void>((r) => (started = r));
  const task: Task = {
    kind,
    resources: () => resources,
    run: (ctx: TaskContext) =>
      new Promise((resolve) => {
        events.push(`start ${ctx.runId}`);
        started();
        release = () => {
          events.push(`end ${ctx.runId}`);
          resolve({ status: 'succeeded', summary: { ok: true }, error: null });
        };
        ctx.signal.addEventListener('abort', () => {
          events.push(`abort ${ctx.runId}`);
          resolve({ status: 'cancelled', summary: null, error: 'cancelled' });
        });
      }),
  };
  return { task, events, started: startedP, release: () => release() };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
};

let dir: string;
let store: Store;
let bus: EventBus;
let config: HelperConfig;
const seen: FtsEvent[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fts-jobs-'));
  config = HelperConfig.parse({ store: { path: join(dir, 'helper.db') }, backup: { repository: join(dir, 'repo') } });
  store = openStore(config.store.path);
  bus = new EventBus(store.events);
  seen.length = 0;
  bus.subscribe((e) => seen.push(e));
});
afterEach(() => {
  bus.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('JobRunner', () => {
  it('makes a run that needs a busy resource wait, then runs it', async () => {
    const grad = gatedTask('graduation', ['flux', 'space']);
    const backup = gatedTask('backup', ['space', 'backup-repository']);
    const registry = new TaskRegistry().register(grad.task).register(backup.task);
    const runner = new JobRunner({ config, store, bus, log, registry, pollMs: 10 });
    const g = runner.start('graduation', 'manual');
    await grad.started;
    const b = runner.start('backup', 'schedule');
    await until(() => (store.runs.log(b.runId) ?? '').includes('waiting'));
    expect(store.runs.get(b.runId)!.status).toBe('queued');
    expect(store.runs.log(b.runId)).toContain(`space is in use by run ${g.runId} (graduation)`);
    expect(backup.events).toEqual([]);
    grad.release();
    await backup.started;
    backup.release();
    expect((await g.done).status).toBe('succeeded');
    const done = await b.done;
    expect(done).toMatchObject({ status: 'succeeded', trigger: 'schedule', summary: { ok: true } });
    expect(grad.events).toEqual([`start ${g.runId}`, `end ${g.runId}`]);
    expect(store.jobLocks.list()).toEqual([]);
  });

  it('cancels a running run through its signal and a queued one before it starts', async () => {
    const grad = gatedTask('graduation', ['space']);
    const backup = gatedTask('backup', ['space']);
    const runner = new JobRunner({
      config,
      store,
      bus,
      log,
      registry: new TaskRegistry().register(grad.task).register(backup.task),
      pollMs: 10,
    });
    const g = runner.start('graduation', 'manual');
    await grad.started;
    const b = runner.start('backup', 'manual');
    runner.cancel(b.runId);
    expect((await b.done).status).toBe('cancelled');
    expect(backup.events).toEqual([]);
    runner.cancel(g.runId);
    expect(await g.done).toMatchObject({ status: 'cancelled' });
    expect(grad.events).toEqual([`start ${g.runId}`, `abort ${g.runId}`]);
  });

  it('takes a cancel request from another process through the store', async () => {
    const backup = gatedTask('backup', ['space']);
    const runner = new JobRunner({
      config,
      store,
      bus,
      log,
      registry: new TaskRegistry().register(backup.task),
      pollMs: 10,
    });
    const b = runner.start('backup', 'manual');
    await backup.started;
    const other = openStore(config.store.path);
    try {
      expect(other.runs.requestCancel(b.runId)).toBe(true);
    } finally {
      other.close();
    }
    expect((await b.done).status).toBe('cancelled');
  });

  it('closes runs of a process that died and frees their locks', () => {
    const deadPid = 999_999;
    const id = store.runs.create('backup', 'backup', 'schedule', Date.now(), deadPid);
    store.runs.start(id);
    expect(store.jobLocks.tryAcquire(['space'], id, deadPid)).toEqual([]);
    const runner = new JobRunner({
      config,
      store,
      bus,
      log,
      registry: new TaskRegistry().register(backupTask),
      isAlive: (pid) => pid !== deadPid,
    });
    expect(runner.activeLocal()).toEqual([]);
    expect(store.runs.get(id)).toMatchObject({ status: 'failed', error: expect.stringContaining('interrupted') });
    expect(store.jobLocks.list()).toEqual([]);
    expect(seen.find((e) => e.type === 'backup.failed')?.data).toMatchObject({
      runId: id,
      reason: expect.stringContaining(`PID ${deadPid}`),
    });
  });

  it('does not take a lock a live process holds', () => {
    const livePid = process.ppid; // a process that exists and is not this one
    const other = store.runs.create('graduation', 'graduation', 'manual', Date.now(), livePid);
    expect(store.jobLocks.tryAcquire(['space'], other, livePid)).toEqual([]);
    const mine = store.runs.create('backup', 'backup', 'manual');
    expect(store.jobLocks.tryAcquire(['space', 'backup-repository'], mine)).toMatchObject([
      { resource: 'space', runId: other },
    ]);
    // All or nothing: the free resource was not taken either.
    expect(store.jobLocks.holder('backup-repository')).toBeNull();
  });

  it('records a task that throws as failed, with a failure event', async () => {
    // The real backup task's failure event, around a run that throws.
    const boom: Task = {
      ...backupTask,
      resources: () => [],
      run: async () => Promise.reject(new Error('disk on fire')),
    };
    const runner = new JobRunner({ config, store, bus, log, registry: new TaskRegistry().register(boom), pollMs: 10 });
    const r = await runner.start('backup', 'api').done;
    expect(r).toMatchObject({ status: 'failed', error: 'backup failed unexpectedly: disk on fire' });
    expect(seen.at(-1)).toMatchObject({
      type: 'backup.failed',
      data: { runId: r.id, reason: 'backup failed unexpectedly: disk on fire' },
    });
  });

  it('refuses unknown jobs and jobs without a task', () => {
    const runner = new JobRunner({ config, store, bus, log, registry: new TaskRegistry() });
    expect(() => runner.start('nope', 'manual')).toThrow(JobError);
    expect(() => runner.start('graduation', 'manual')).toThrow(/no graduation task is registered/);
  });

  it('runs an action by its kind with parameters: checked, stored with the run, locking what they name', async () => {
    const ran: unknown[] = [];
    const action: Task<{ runId: number; path: string }> = {
      kind: 'graduation-undo',
      params: z.strictObject({ runId: z.number().int().positive(), path: z.string().default('/') }),
      resources: (_c, p) => [`path:${p.path}`],
      admit: (_ctx, p) => {
        if (p.runId === 13) throw new RunRefused('not-found', 'no run 13');
      },
      run: async (ctx) => {
        ran.push(ctx.params);
        return { status: 'succeeded', summary: null, error: null, undoable: true };
      },
    };
    const grad = gatedTask('graduation', ['path:/']);
    const runner = new JobRunner({
      config,
      store,
      bus,
      log,
      registry: new TaskRegistry().register(action as Task).register(grad.task),
      pollMs: 10,
    });
    expect(() => runner.start('graduation-undo', 'api', { runId: 'x' })).toThrow(/^graduation-undo: runId: /);
    expect(() => runner.start('graduation-undo', 'api', { runId: 13 })).toThrow(RunRefused);
    expect(() => runner.start('graduation', 'api', { dryRun: true })).toThrow(/graduation takes no parameters/);
    expect(store.runs.list()).toEqual([]);
    // A graduation holds the path the action names: the action waits for it.
    const g = runner.start('graduation', 'manual');
    await grad.started;
    const a = runner.start('graduation-undo', 'api', { runId: 12 });
    await until(() => (store.runs.log(a.runId) ?? '').includes('waiting'));
    expect(ran).toEqual([]);
    grad.release();
    await g.done;
    expect(await a.done).toMatchObject({
      job: 'graduation-undo',
      kind: 'graduation-undo',
      status: 'succeeded',
      params: { runId: 12, path: '/' },
      undoable: true,
    });
    expect(ran).toEqual([{ runId: 12, path: '/' }]);
    expect(store.runs.get(g.runId)).toMatchObject({ params: null, undoable: false });
  });

  it('lists jobs with schedules, next runs and last runs', async () => {
    const ok: Task = {
      kind: 'backup',
      resources: () => [],
      run: async () => ({ status: 'warning', summary: null, error: '1 file unreadable' }),
    };
    const runner = new JobRunner({ config, store, bus, log, registry: new TaskRegistry().register(ok), pollMs: 10 });
    await runner.start('backup', 'manual').done;
    const jobs = listJobs(config, store);
    expect(jobs.map((j) => j.name)).toEqual(['graduation', 'backup', 'check', 'drive-check']);
    const b = jobs.find((j) => j.name === 'backup')!;
    expect(b).toMatchObject({
      kind: 'backup',
      schedule: '0 4 * * *',
      running: false,
      lastRun: { status: 'warning', error: '1 file unreadable' },
    });
    expect(new Date(b.nextRun!).getUTCHours() === 4 || new Date(b.nextRun!).getHours() === 4).toBe(true);
  });
});

describe('JobScheduler', () => {
  it('names the config key of a bad cron pattern', () => {
    const bad = HelperConfig.parse({
      store: { path: join(dir, 'helper.db') },
      backup: { repository: '/r', check: { schedule: '61 * * * *' } },
    });
    const runner = new JobRunner({ config: bad, store, bus, log, registry: new TaskRegistry() });
    const s = new JobScheduler(runner, store, log, () => true);
    expect(() => s.start()).toThrow(ScheduleError);
    expect(() => s.start()).toThrow(/^backup\.check\.schedule: "61 \* \* \* \*" is not a cron schedule/);
  });

  it('does not start a job twice while a run of it is queued or running', async () => {
    const backup = gatedTask('backup', ['space']);
    const runner = new JobRunner({
      config,
      store,
      bus,
      log,
      registry: new TaskRegistry().register(backup.task),
      pollMs: 10,
    });
    const s = new JobScheduler(runner, store, log, () => true);
    s.start();
    try {
      expect(s.nextRun('backup')).toBeInstanceOf(Date);
      expect(s.nextRun('graduation')).toBeInstanceOf(Date);
      const first = s.fire('backup');
      expect(first).not.toBeNull();
      await backup.started;
      expect(s.fire('backup')).toBeNull();
      backup.release();
      await until(() => store.runs.active('backup').length === 0);
      // A run whose process died does not block the schedule: it is closed, and the job starts again.
      const orphan = store.runs.create('backup', 'backup', 'manual', Date.now(), 999_999);
      const next = s.fire('backup');
      expect(store.runs.get(orphan)!.status).toBe('failed');
      expect(next).not.toBeNull();
      await backup.started;
      backup.release();
      await runner.close();
      expect(store.runs.list({ job: 'backup' }).map((r) => r.status)).toEqual(['succeeded', 'failed', 'succeeded']);
    } finally {
      s.stop();
    }
  });
});
