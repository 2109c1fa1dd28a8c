/** The job routes and status through the real daemon: run a backup over the API, follow it in /runs, cancel, status lists jobs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job, JobRun, Status } from '../contract/index.js';
import { startHelper, type RunningHelper } from '../server-helper/daemon.js';
import { serverFeatures } from '../server-helper/features.js';
import { backupInstall, fillRandom } from './support/backup-env.js';

let tmp: string;
let helper: RunningHelper;
let admin: string;
let client: string;

const call = async <T>(method: string, path: string, token = admin): Promise<{ status: number; body: T }> => {
  const r = await fetch(`${helper.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  return { status: r.status, body: (await r.json()) as T };
};

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'fts-jobs-api-'));
  const { config, space } = backupInstall(tmp, { repository: join(tmp, 'repo'), initIfMissing: true });
  fillRandom(space, 3, 2000);
  helper = await startHelper({
    config,
    listen: '127.0.0.1:0',
    log: pino({ level: 'silent' }),
    ...serverFeatures(config, { schedule: true, jobPollMs: 50 }),
  });
  admin = helper.store.tokens.create('admin-test', 'admin');
  client = helper.store.tokens.create('client-test', 'client');
});
afterAll(async () => {
  await helper?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('job API', () => {
  it('lists the configured jobs with schedules and next runs, also in /status', async () => {
    const jobs = await call<Job[]>('GET', '/api/v1/jobs', client);
    expect(jobs.status).toBe(200);
    expect(jobs.body.map((j) => [j.name, j.kind, j.schedule])).toEqual([
      ['graduation', 'graduation', '0 3 * * *'],
      ['backup', 'backup', '0 4 * * *'],
      ['check', 'check', '0 5 * * 0'],
      ['drive-check', 'drive-check', '*/15 * * * *'],
      ['storage-sample', 'storage-sample', '10 2 * * *'],
    ]);
    expect(jobs.body.every((j) => j.nextRun !== null && new Date(j.nextRun).getTime() > Date.now())).toBe(true);
    const status = await call<Status>('GET', '/api/v1/status', client);
    expect(status.body.jobs.map((j) => j.name)).toContain('backup');
  });

  it('runs a backup on request and records it; only admins may start or cancel', async () => {
    expect((await call('POST', '/api/v1/jobs/backup/run', client)).status).toBe(403);
    const started = await call<JobRun>('POST', '/api/v1/jobs/backup/run');
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ job: 'backup', kind: 'backup', trigger: 'api' });
    let run: JobRun | undefined;
    for (let i = 0; i < 300; i++) {
      run = (await call<JobRun[]>('GET', '/api/v1/runs?job=backup')).body.find((r) => r.id === started.body.id);
      if (run && !['queued', 'running'].includes(run.status)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(run).toMatchObject({ status: 'succeeded', summary: { filesNew: 3 } });
    expect(run!.durationMs).toBeGreaterThan(0);
    const types = helper.store.events
      .since(0)
      .filter((e) => (e.data as { runId?: number }).runId === started.body.id)
      .map((e) => e.type);
    expect(types[0]).toBe('backup.started');
    expect(types.at(-1)).toBe('backup.finished');
    const jobs = await call<Job[]>('GET', '/api/v1/jobs');
    expect(jobs.body.find((j) => j.name === 'backup')).toMatchObject({
      running: false,
      lastRun: { id: started.body.id, status: 'succeeded' },
    });
    // Cancelling a run that has ended changes nothing.
    const cancel = await call<JobRun>('POST', `/api/v1/runs/${started.body.id}/cancel`);
    expect(cancel).toMatchObject({ status: 200, body: { status: 'succeeded' } });
  });

  it('answers 404 for unknown jobs and runs; every configured job has a task in this build', async () => {
    expect(await call('POST', '/api/v1/jobs/nope/run')).toMatchObject({ status: 404, body: { error: 'not-found' } });
    expect(await call('POST', '/api/v1/runs/99999/cancel')).toMatchObject({ status: 404 });
    expect(await call('POST', '/api/v1/jobs/graduation/run')).toMatchObject({
      status: 202,
      body: { job: 'graduation', kind: 'graduation' },
    });
  });
});
