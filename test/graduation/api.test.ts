/**
 * Graduation and its undo as job-runner tasks: `POST /api/v1/graduation/runs/:id/undo` (admin only, 404 for an
 * unknown run, 409 for a run with nothing to undo or one already being undone), the undo's lock (a graduation
 * waits for it), its cancel, the daemon waiting for it when it stops, and the one undoable rule on every run.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { FtsEvent, JobRun } from '../../contract/index.js';
import type { AppContext } from '../../server-helper/api/context.js';
import { buildServer } from '../../server-helper/api/server.js';
import { HelperConfig } from '../../server-helper/config/schema.js';
import { startHelper } from '../../server-helper/daemon.js';
import { serverFeatures } from '../../server-helper/features.js';
import { EventBus } from '../../server-helper/runs/bus.js';
import { RunRefused } from '../../server-helper/runs/task.js';
import { openStore, type Store } from '../../server-helper/store/index.js';
import { tempDir } from './helpers.js';

const base = tempDir('api');
afterAll(() => rmSync(base, { recursive: true, force: true }));

const OLD = 1e9;

/** flux with `files` old files, an empty space, and a config over them (no mount required, an empty smb.conf). */
function install(name: string, files: string[]): { config: HelperConfig; flux: string; space: string } {
  const dir = join(base, name);
  const flux = join(dir, 'flux');
  const space = join(dir, 'space');
  mkdirSync(flux, { recursive: true });
  mkdirSync(space);
  for (const f of files) {
    writeFileSync(join(flux, f), f);
    utimesSync(join(flux, f), OLD, OLD);
  }
  writeFileSync(join(dir, 'smb.conf'), '[global]\n');
  const config = HelperConfig.parse({
    store: { path: join(dir, 'helper.db') },
    drives: { flux: { mountPoint: flux, requireMount: false }, space: { mountPoint: space, requireMount: false } },
    shares: [
      { name: 'flux', role: 'flux', path: flux },
      { name: 'space', role: 'space', path: space },
    ],
    samba: { smbConf: join(dir, 'smb.conf') },
  });
  return { config, flux, space };
}

/** Waits for a run of this process to end, by its row. */
async function ended(store: Store, runId: number): Promise<JobRun> {
  for (let i = 0; i < 400; i++) {
    const r = store.runs.get(runId)!;
    if (r.status !== 'queued' && r.status !== 'running') return r;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`run ${runId} did not end`);
}

/** Calls `fn` once, synchronously, when the run `runId()` publishes graduation.started: the run is then running. */
function onStarted(bus: EventBus, runId: () => number | undefined, fn: () => void): void {
  const off = bus.subscribe((e: FtsEvent) => {
    if (e.type === 'graduation.started' && e.data.runId === runId()) {
      off();
      fn();
    }
  });
}

describe('graduation undo through the job runner', () => {
  it('undoes a run for an admin, refuses a client token, an unknown run and a run with nothing left to undo', async () => {
    const { config, flux, space } = install('route', ['old.txt']);
    const store = openStore(config.store.path);
    const bus = new EventBus(store.events);
    const admin = store.tokens.create('admin', 'admin');
    const client = store.tokens.create('laptop', 'client');
    const ctx: AppContext = {
      config,
      store,
      bus,
      log: pino({ level: 'silent' }),
      version: 'test',
      startedAt: Date.now(),
    };
    const features = serverFeatures(config, { schedule: false, jobPollMs: 20 });
    await features.extend?.(ctx);
    const { app } = await buildServer(ctx, { plugins: features.plugins });
    try {
      const grad = await ended(store, ctx.jobs!.start('graduation', 'api').id);
      expect(grad).toMatchObject({ status: 'succeeded', undoable: true, params: { dryRun: false } });
      expect(existsSync(join(space, 'old.txt'))).toBe(true);
      const dry = await ended(store, ctx.jobs!.start('graduation', 'api', { dryRun: true }).id);
      expect(dry).toMatchObject({ status: 'succeeded', undoable: false, summary: { dryRun: true } });

      const call = (token: string, id: number | string) =>
        app.inject({
          method: 'POST',
          url: `/api/v1/graduation/runs/${id}/undo`,
          headers: { authorization: `Bearer ${token}`, host: '127.0.0.1:8642' },
        });
      expect((await call(client, grad.id)).statusCode).toBe(403);
      expect((await call(admin, 999)).statusCode).toBe(404);
      expect((await call(admin, 'x')).statusCode).toBe(400);
      const dryUndo = await call(admin, dry.id);
      expect(dryUndo.statusCode).toBe(409);
      expect(dryUndo.json()).toMatchObject({ message: expect.stringContaining('nothing to undo') });

      const r = await call(admin, grad.id);
      expect(r.statusCode, r.body).toBe(200);
      const body = r.json() as { runId: number; undoOf: number };
      expect(body.undoOf).toBe(grad.id);
      const undo = await ended(store, body.runId);
      expect(undo).toMatchObject({
        job: 'graduation-undo',
        kind: 'graduation-undo',
        trigger: 'api',
        status: 'succeeded',
        params: { runId: grad.id },
        undoable: false,
        summary: { moved: 1 },
      });
      expect(readFileSync(join(flux, 'old.txt'), 'utf8')).toBe('old.txt');
      expect(existsSync(join(space, 'old.txt'))).toBe(false);
      // The run is undone: the API says so on the run, and refuses a second undo.
      expect(store.runs.get(grad.id)!.undoable).toBe(false);
      expect((await call(admin, grad.id)).statusCode).toBe(409);
      // An undo run is not a graduation run: it cannot be undone.
      expect((await call(admin, body.runId)).statusCode).toBe(404);
      expect(store.jobLocks.list()).toEqual([]);
    } finally {
      await app.close();
      for (const hook of ctx.onClose ?? []) await hook();
      bus.close();
      store.close();
    }
  });

  it('holds the graduation roles: a second undo of the run is refused, a graduation waits until the undo ends', async () => {
    const { config, flux, space } = install('locks', ['a.txt', 'b.txt']);
    const helper = await startHelper({
      config,
      listen: '127.0.0.1:0',
      log: pino({ level: 'silent' }),
      ...serverFeatures(config, { schedule: false, jobPollMs: 20 }),
    });
    try {
      const { store, ctx } = helper;
      const jobs = ctx.jobs!;
      const grad = await ended(store, jobs.start('graduation', 'api').id);
      expect(grad.summary).toMatchObject({ moved: 2 });

      // Another process holds space: the undo waits in the queue, and a second undo of the same run is refused.
      expect(store.jobLocks.tryAcquire(['space'], 424242, process.ppid)).toEqual([]);
      const admin = store.tokens.create('admin', 'admin');
      const post = (path: string) =>
        fetch(`${helper.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
      const first = (await (await post(`/api/v1/graduation/runs/${grad.id}/undo`)).json()) as { runId: number };
      for (let i = 0; i < 400 && !(store.runs.log(first.runId) ?? '').includes('waiting'); i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(store.runs.get(first.runId)!.status).toBe('queued');
      const second = await post(`/api/v1/graduation/runs/${grad.id}/undo`);
      expect(second.status).toBe(409);
      expect(((await second.json()) as { message: string }).message).toBe(
        `run ${grad.id} is already being undone by run ${first.runId}`,
      );
      store.jobLocks.release(424242);

      // While the undo runs, a graduation is queued behind it, and the same refusal holds.
      let waiting: JobRun | undefined;
      let refused: unknown;
      onStarted(
        ctx.bus,
        () => first.runId,
        () => {
          waiting = jobs.start('graduation', 'api');
          try {
            jobs.start('graduation-undo', 'api', { runId: grad.id });
          } catch (err) {
            refused = err;
          }
        },
      );
      const undo = await ended(store, first.runId);
      expect(undo).toMatchObject({ status: 'succeeded', summary: { moved: 2 } });
      expect(waiting?.status).toBe('queued');
      expect(refused).toBeInstanceOf(RunRefused);
      expect((refused as RunRefused).code).toBe('conflict');
      const after = await ended(store, waiting!.id);
      expect(after.status).toBe('succeeded');
      expect(store.runs.log(after.id)).toContain(`is in use by run ${first.runId} (graduation-undo)`);
      // The files came back, then graduated again in the run that waited.
      expect(after.summary).toMatchObject({ moved: 2 });
      expect(existsSync(join(space, 'a.txt')) && !existsSync(join(flux, 'a.txt'))).toBe(true);
    } finally {
      await helper.close();
    }
  });

  it('cancel stops a running undo: the files stay in space, the run is cancelled and stays undoable', async () => {
    const { config, flux, space } = install('cancel', ['c.txt']);
    const helper = await startHelper({
      config,
      listen: '127.0.0.1:0',
      log: pino({ level: 'silent' }),
      ...serverFeatures(config, { schedule: false, jobPollMs: 20 }),
    });
    try {
      const { store, ctx } = helper;
      const grad = await ended(store, ctx.jobs!.start('graduation', 'api').id);
      const undoRun: { id?: number } = {};
      let whenCancelled: JobRun | undefined;
      onStarted(
        ctx.bus,
        () => undoRun.id,
        () => {
          whenCancelled = ctx.jobs!.cancel(undoRun.id!);
        },
      );
      undoRun.id = ctx.jobs!.start('graduation-undo', 'api', { runId: grad.id }).id;
      const undo = await ended(store, undoRun.id);
      expect(whenCancelled?.status).toBe('running');
      expect(undo).toMatchObject({ status: 'cancelled', summary: { moved: 0 } });
      expect(existsSync(join(space, 'c.txt'))).toBe(true);
      expect(existsSync(join(flux, 'c.txt'))).toBe(false);
      expect(store.runs.get(grad.id)!.undoable).toBe(true);
      expect(store.jobLocks.list()).toEqual([]);
    } finally {
      await helper.close();
    }
  });

  it('the daemon waits for a running undo when it stops', async () => {
    const { config, space } = install('shutdown', ['d.txt']);
    const helper = await startHelper({
      config,
      listen: '127.0.0.1:0',
      log: pino({ level: 'silent' }),
      ...serverFeatures(config, { schedule: false, jobPollMs: 20 }),
    });
    const { store, ctx } = helper;
    const grad = await ended(store, ctx.jobs!.start('graduation', 'api').id);
    const undoRun: { id?: number } = {};
    let closing: Promise<void> | undefined;
    onStarted(
      ctx.bus,
      () => undoRun.id,
      () => {
        closing = helper.close();
      },
    );
    const undoId = (undoRun.id = ctx.jobs!.start('graduation-undo', 'api', { runId: grad.id }).id);
    for (let i = 0; i < 400 && !closing; i++) await new Promise((r) => setTimeout(r, 10));
    await closing;
    // The store was closed after the run ended: its row says how it ended and no lock is left behind.
    const after = openStore(config.store.path);
    try {
      expect(after.runs.get(undoId)).toMatchObject({ status: 'cancelled' });
      expect(after.jobLocks.list()).toEqual([]);
      expect(existsSync(join(space, 'd.txt'))).toBe(true);
    } finally {
      after.close();
    }
  });
});

describe('graduation task for the job system', () => {
  it('locks flux and space, runs the configured policy with the run id, and publishes started/finished', async () => {
    const { graduationTask } = await import('../../server-helper/lifecycle/graduation/task.js');
    const { config, space } = install('task', ['cold.txt']);
    expect(graduationTask.kind).toBe('graduation');
    expect(graduationTask.resources(config, { dryRun: false })).toEqual(['flux', 'space']);
    const store = openStore(config.store.path);
    const bus = new EventBus(store.events);
    try {
      const runId = store.runs.create('graduation', 'graduation', 'schedule');
      const logs: string[] = [];
      const outcome = await graduationTask.run({
        config,
        store,
        bus,
        log: pino({ level: 'silent' }),
        runId,
        job: 'graduation',
        params: { dryRun: false },
        signal: new AbortController().signal,
        appendLog: (t) => logs.push(t),
      });
      expect(outcome).toMatchObject({ status: 'succeeded', error: null, summary: { runId, moved: 1 }, undoable: true });
      expect(readFileSync(join(space, 'cold.txt'), 'utf8')).toBe('cold.txt');
      const events = store.events.since(0, 100).filter((e) => e.type.startsWith('graduation.'));
      expect(events[0]!.type).toBe('graduation.started');
      expect(events.at(-1)!.type).toBe('graduation.finished');
      expect(events.every((e) => 'runId' in e.data && e.data.runId === runId)).toBe(true);
      expect(events.at(-1)!.data).toMatchObject({
        runId,
        job: 'graduation',
        moved: 1,
        bytesMoved: 8,
        examples: ['cold.txt'],
      });
      expect(logs.join('')).toMatch(/moved 1/);
    } finally {
      bus.close();
      store.close();
    }
  });
});
