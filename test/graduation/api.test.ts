/** `POST /api/v1/graduation/runs/:id/undo`: admin only, 404 for an unknown run, and the files go back to flux. */
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server-helper/api/server.js';
import { HelperConfig } from '../../server-helper/config/schema.js';
import { serverFeatures } from '../../server-helper/features.js';
import { EventBus } from '../../server-helper/runs/bus.js';
import { graduate } from '../../server-helper/lifecycle/graduation/graduate.js';
import { openStore } from '../../server-helper/store/index.js';
import { tempDir } from './helpers.js';

const base = tempDir('api');
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('graduation undo route', () => {
  it('undoes a run for an admin, refuses a client token and an unknown run', async () => {
    const flux = join(base, 'flux');
    const space = join(base, 'space');
    mkdirSync(flux);
    mkdirSync(space);
    writeFileSync(join(flux, 'old.txt'), 'old');
    utimesSync(join(flux, 'old.txt'), 1e9, 1e9);
    const config = HelperConfig.parse({
      store: { path: join(base, 'helper.db') },
      drives: { flux: { mountPoint: flux, requireMount: false }, space: { mountPoint: space, requireMount: false } },
      shares: [
        { name: 'flux', role: 'flux', path: flux },
        { name: 'space', role: 'space', path: space },
      ],
    });
    const store = openStore(config.store.path);
    const bus = new EventBus(store.events);
    const runId = store.runs.create('graduation', 'graduation', 'manual');
    const s = await graduate({ db: store.db, runId, srcRoot: flux, dstRoot: space, policy: { minAgeMs: 1000, exclude: [], include: [], freeSpaceMargin: 0 } });
    store.runs.finish(runId, 'succeeded', null, null);
    expect(s.moved).toBe(1);
    const admin = store.tokens.create('admin', 'admin');
    const client = store.tokens.create('laptop', 'client');
    const ctx = { config, store, bus, log: pino({ level: 'silent' }), version: 'test', startedAt: Date.now() };
    const features = serverFeatures(config);
    features.extend?.(ctx);
    const { app } = await buildServer(ctx, { plugins: features.plugins });
    try {
      const call = (token: string, id: number | string) =>
        app.inject({ method: 'POST', url: `/api/v1/graduation/runs/${id}/undo`, headers: { authorization: `Bearer ${token}`, host: '127.0.0.1:8642' } });
      expect((await call(client, runId)).statusCode).toBe(403);
      expect((await call(admin, 999)).statusCode).toBe(404);
      expect((await call(admin, 'x')).statusCode).toBe(400);
      const r = await call(admin, runId);
      expect(r.statusCode, r.body).toBe(200);
      const body = r.json() as { runId: number; undoOf: number };
      expect(body.undoOf).toBe(runId);
      // The undo runs in the background; wait for its run row to finish.
      for (let i = 0; i < 200 && store.runs.get(body.runId)?.status === 'running'; i++) await new Promise((res) => setTimeout(res, 50));
      expect(store.runs.get(body.runId)).toMatchObject({ job: 'graduation-undo', status: 'succeeded' });
      expect(readFileSync(join(flux, 'old.txt'), 'utf8')).toBe('old');
      expect(existsSync(join(space, 'old.txt'))).toBe(false);
    } finally {
      await app.close();
      bus.close();
      store.close();
    }
  });
});

describe('graduation task for the job system', () => {
  it('locks flux and space, runs the configured policy with the run id, and publishes started/finished', async () => {
    const { graduationTask } = await import('../../server-helper/lifecycle/graduation/task.js');
    const dir = join(base, 'task');
    const flux = join(dir, 'flux');
    const space = join(dir, 'space');
    mkdirSync(flux, { recursive: true });
    mkdirSync(space);
    writeFileSync(join(flux, 'cold.txt'), 'cold');
    utimesSync(join(flux, 'cold.txt'), 1e9, 1e9);
    const config = HelperConfig.parse({
      store: { path: join(dir, 'helper.db') },
      drives: { flux: { mountPoint: flux, requireMount: false }, space: { mountPoint: space, requireMount: false } },
      shares: [
        { name: 'flux', role: 'flux', path: flux },
        { name: 'space', role: 'space', path: space },
      ],
      samba: { smbConf: join(dir, 'smb.conf') },
    });
    writeFileSync(join(dir, 'smb.conf'), '[global]\n');
    expect(graduationTask.kind).toBe('graduation');
    expect(graduationTask.resources(config)).toEqual(['flux', 'space']);
    const store = openStore(config.store.path);
    const bus = new EventBus(store.events);
    try {
      const runId = store.runs.create('graduation', 'graduation', 'schedule');
      const logs: string[] = [];
      const outcome = await graduationTask.run({ config, store, bus, log: pino({ level: 'silent' }), runId, job: 'graduation', signal: new AbortController().signal, appendLog: (t) => logs.push(t) });
      expect(outcome).toMatchObject({ status: 'succeeded', error: null, summary: { runId, moved: 1 } });
      expect(readFileSync(join(space, 'cold.txt'), 'utf8')).toBe('cold');
      const events = store.events.since(0, 100).filter((e) => e.type.startsWith('graduation.'));
      expect(events[0]!.type).toBe('graduation.started');
      expect(events.at(-1)!.type).toBe('graduation.finished');
      expect(events.every((e) => 'runId' in e.data && e.data.runId === runId)).toBe(true);
      expect(events.at(-1)!.data).toMatchObject({ runId, job: 'graduation', moved: 1, bytesMoved: 4, examples: ['cold.txt'] });
      expect(logs.join('')).toMatch(/moved 1/);
    } finally {
      bus.close();
      store.close();
    }
  });
});
