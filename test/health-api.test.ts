/**
 * Time Machine health and storage over time through the real daemon on a sandbox: GET /api/v1/timemachine (all
 * Macs, or one tray's own), the storage-sample and timemachine-check jobs, a sample after each graduation, and
 * GET /api/v1/storage/history with its trend.
 */
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageHistory, TimeMachineReport, type JobRun } from '../contract/index.js';
import { startTestHelper, type TestHelper } from './support/helper.js';
import { buildBundle } from './support/timemachine.js';

const DAY = 86_400_000;
let h: TestHelper;

async function runJob(name: string): Promise<JobRun> {
  const started = (await (
    await h.request(`/api/v1/jobs/${name}/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    })
  ).json()) as JobRun;
  for (let i = 0; i < 600; i++) {
    const run = ((await (await h.request(`/api/v1/runs?job=${name}`)).json()) as JobRun[]).find(
      (r) => r.id === started.id,
    );
    if (run && run.status !== 'queued' && run.status !== 'running') return run;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not end`);
}

beforeAll(async () => {
  h = await startTestHelper({ start: {} });
  const timeRoot = h.ctx.config.shares.find((s) => s.role === 'time')!.path;
  buildBundle(timeRoot, {
    name: 'count-zero',
    format: 'binary',
    completions: [new Date(Date.now() - 2 * 3600_000)],
    verificationState: 1,
    bands: [{ name: '0', bytes: 4096, mtime: new Date(Date.now() - 2 * 3600_000) }],
  });
  buildBundle(timeRoot, {
    owner: 'bob',
    name: 'wintermute',
    kind: 'sparsebundle',
    completions: [new Date(Date.now() - 10 * DAY)],
    bands: [],
  });
  h.store.clients.record('count-zero', { hostName: 'count-zero.local', os: 'darwin', appVersion: '1.0.0', shares: [] });
});
afterAll(async () => h?.stop());

describe('GET /api/v1/timemachine', () => {
  it('lists every Mac for an admin, with its size against the share maximum (2T in the seed) and its warnings', async () => {
    const res = await h.request('/api/v1/timemachine');
    expect(res.status).toBe(200);
    const report = TimeMachineReport.parse(await res.json());
    expect(report.share).toBe('time');
    expect(report.macs.map((m) => [m.path, m.clientIds, m.warnings.map((w) => w.code)])).toEqual([
      ['bob/wintermute.sparsebundle', [], ['stale']],
      ['count-zero.backupbundle', ['count-zero'], []],
    ]);
    expect(report.macs[1]!.maxSizeBytes).toBe(2 * 1024 ** 4);
  });

  it('gives a tray its own Mac by host name, and refuses a request without a token', async () => {
    // The tray's token is bound to its client: it sees its own Mac, and another computer's name is refused.
    const tray = h.clientToken(undefined, { clientId: 'count-zero' });
    const mine = TimeMachineReport.parse(
      await (await h.request('/api/v1/timemachine?host=Count-Zero.local', { token: tray })).json(),
    );
    expect(mine.macs.map((m) => m.name)).toEqual(['count-zero']);
    expect((await h.request('/api/v1/timemachine?host=wintermute', { token: tray })).status).toBe(403);
    // A client token bound to no computer has no Mac of its own.
    expect((await h.request('/api/v1/timemachine', { token: h.clientToken() })).status).toBe(403);
    const none = TimeMachineReport.parse(await (await h.request('/api/v1/timemachine?host=neuromancer')).json());
    expect(none.macs).toEqual([]);
    expect((await h.request('/api/v1/timemachine', { token: null })).status).toBe(401);
    expect(await (await h.request('/api/v1/timemachine?colour=red')).json()).toMatchObject({
      error: 'bad-request',
      field: 'colour',
    });
  });

  it('the timemachine-check job announces the stale Mac once', async () => {
    const first = await runJob('timemachine-check');
    expect(first).toMatchObject({ status: 'warning', summary: { macs: 2, warnings: 1, announced: 1 } });
    expect((await runJob('timemachine-check')).summary).toMatchObject({ announced: 0 });
    const warnings = h.store.events.since(0).filter((e) => e.type === 'timemachine.warning');
    expect(warnings.map((e) => e.data)).toEqual([
      expect.objectContaining({ host: 'wintermute', bundle: 'bob/wintermute.sparsebundle', code: 'stale' }),
    ]);
  });
});

describe('storage over time', () => {
  it('samples every drive on the storage-sample job, and again after a graduation that moved files', async () => {
    const run = await runJob('storage-sample');
    expect(run).toMatchObject({ status: 'succeeded', summary: { sampled: ['flux', 'time', 'space'], missing: [] } });
    const after1 = StorageHistory.parse(await (await h.request('/api/v1/storage/history')).json());
    expect(after1.days).toBe(90);
    expect(after1.samples.map((s) => s.role).sort()).toEqual(['flux', 'space', 'time']);

    const flux = h.ctx.config.drives.flux!.mountPoint;
    writeFileSync(join(flux, 'old-report.pdf'), Buffer.alloc(100_000, 7));
    utimesSync(join(flux, 'old-report.pdf'), 1e9, 1e9);
    expect(await runJob('graduation')).toMatchObject({ status: 'succeeded', summary: { moved: 1 } });
    // The sample follows graduation.finished on the bus; wait for it (the store is the witness, not the clock).
    for (let i = 0; i < 200 && h.store.storageSamples.since(0).length < 6; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(
      h.store.storageSamples
        .since(0)
        .map((s) => s.role)
        .sort(),
    ).toEqual(['flux', 'flux', 'space', 'space', 'time', 'time']);
  });

  it('answers the last N days with each drive’s trend in words', async () => {
    const step = 100e6;
    // 40 days before the real samples of the test above, on a line that ends at the newest real one: 100 MB a day.
    const real = h.store.storageSamples
      .since(0)
      .filter((s) => s.role === 'space')
      .at(-1)!;
    const t0 = Date.parse(real.at);
    for (let d = 40; d >= 1; d--) {
      h.store.storageSamples.add(
        [
          {
            role: 'space',
            usedBytes: real.usedBytes - d * step,
            availableBytes: real.availableBytes + d * step,
            sizeBytes: real.sizeBytes,
          },
        ],
        t0 - d * DAY,
        730 * DAY,
      );
    }
    const all = StorageHistory.parse(
      await (await h.request('/api/v1/storage/history?days=90', { token: h.clientToken() })).json(),
    );
    const space = all.trends.find((t) => t.role === 'space')!;
    expect(space.summary).toMatch(
      /^space grows ~700 MB\/week and is full in ~\d+ (days|weeks|months|years) at this rate$/,
    );
    expect(all.summary).toContain(space.summary);
    const week = StorageHistory.parse(await (await h.request('/api/v1/storage/history?days=7')).json());
    expect(week.samples.every((s) => Date.parse(s.at) >= t0 - 7 * DAY - 1000)).toBe(true);
    expect(week.samples.length).toBeLessThan(all.samples.length);
    expect(await (await h.request('/api/v1/storage/history?days=0')).json()).toMatchObject({
      error: 'bad-request',
      field: 'days',
    });
  });
});
