import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientRecord, Status } from '../contract/index.js';
import { startTestHelper, type TestHelper } from './support/helper.js';

let h: TestHelper;
beforeAll(async () => {
  h = await startTestHelper();
});
afterAll(() => h?.stop());

const report = (over: Record<string, unknown> = {}) => ({
  hostName: 'count-zero',
  os: 'darwin',
  appVersion: '0.1.0',
  shares: [{ share: 'flux', state: 'mounted', mountPoint: '/Volumes/flux', errorCode: null }],
  ...over,
});

/** Raw HTTP request, for headers fetch will not let a caller set (Host). */
function raw(path: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; body: string }> {
  const url = new URL(h.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('auth', () => {
  it('healthz needs no token', async () => {
    const r = await h.request('/healthz', { token: null });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ ok: true, name: 'motoko' });
  });

  it('a missing token is refused with 401 after a delay', async () => {
    const t0 = Date.now();
    const r = await h.request('/api/v1/status', { token: null });
    expect(r.status).toBe(401);
    expect(await r.json()).toMatchObject({ error: 'unauthorized' });
    // The configured failure delay (250 ms) is behaviour, not speed: a refusal must never be instant.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
  });

  it('a wrong or revoked token is refused', async () => {
    expect((await h.request('/api/v1/status', { token: 'fts_not-a-real-token' })).status).toBe(401);
    const t = h.clientToken('soon-revoked');
    expect((await h.request('/api/v1/clients', { token: t })).status).toBe(200);
    h.store.tokens.revoke('soon-revoked');
    expect((await h.request('/api/v1/clients', { token: t })).status).toBe(401);
  });

  it('every API route and /metrics refuse requests without a token', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/status'],
      ['GET', '/api/v1/clients'],
      ['PUT', '/api/v1/clients/x/state'],
      ['GET', '/api/v1/events'],
      ['GET', '/api/v1/shares'],
      ['GET', '/api/v1/jobs'],
      ['GET', '/api/v1/runs'],
      ['GET', '/api/v1/runs/1/log'],
      ['GET', '/metrics'],
      ['GET', '/api/v1/no-such-route'],
    ] as const) {
      const r = await h.request(path, {
        method,
        token: null,
        ...(method === 'PUT' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}),
      });
      expect(r.status, `${method} ${path}`).toBe(401);
    }
  });

  it("a run's log is for an admin token: a client token gets 403 (the log names paths)", async () => {
    const r = await h.request('/api/v1/runs/1/log', { token: h.clientToken('log-reader', { clientId: 'log-reader' }) });
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({ error: 'forbidden', message: 'this needs an admin token' });
  });

  it('tokens are stored hashed, never in clear', () => {
    const rows = h.store.db.prepare('SELECT * FROM tokens').all() as Record<string, unknown>[];
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(h.adminToken);
    expect(rows.every((r) => typeof r.hash === 'string' && /^[0-9a-f]{64}$/.test(r.hash as string))).toBe(true);
  });

  it('a foreign Host is refused with 403 (DNS rebinding)', async () => {
    const r = await raw('/api/v1/status', { host: 'evil.example:8642', authorization: `Bearer ${h.adminToken}` });
    expect(r.status).toBe(403);
    const ok = await raw('/api/v1/status', {
      host: `motoko:${new URL(h.url).port}`,
      authorization: `Bearer ${h.adminToken}`,
    });
    expect(ok.status).toBe(200);
  });

  it('a foreign Origin is refused with 403, a same-host Origin is allowed', async () => {
    expect((await h.request('/api/v1/status', { headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect((await h.request('/api/v1/status', { headers: { origin: 'null' } })).status).toBe(403);
    expect((await h.request('/api/v1/status', { headers: { origin: h.url } })).status).toBe(200);
  });
});

describe('client state', () => {
  it('PUT stores the report and GET lists it as online', async () => {
    const token = h.clientToken('count-zero', { clientId: 'count-zero' });
    const r = await h.request('/api/v1/clients/count-zero/state', {
      method: 'PUT',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(report()),
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true, online: true });
    const list = ClientRecord.array().parse(await (await h.request('/api/v1/clients', { token })).json());
    const c = list.find((x) => x.id === 'count-zero');
    expect(c).toMatchObject({
      hostName: 'count-zero',
      os: 'darwin',
      online: true,
      shares: [{ share: 'flux', state: 'mounted' }],
    });
  });

  it('a client that was offline fires client.seen when it comes back, not on every report', async () => {
    // A helper whose clients go offline after 300 ms, so "coming back" happens within the test.
    const quick = await startTestHelper({ tweak: (c) => void (c.clients.offlineAfter = '300ms') });
    try {
      const put = () =>
        quick.request('/api/v1/clients/wintermute/state', {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(report({ hostName: 'wintermute', os: 'win32' })),
        });
      const seen = () =>
        quick.store.events
          .latest(100, 'client.seen')
          .filter((e) => e.type === 'client.seen' && e.data.clientId === 'wintermute');
      await put();
      await put();
      expect(seen()).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 400));
      const offline = ClientRecord.array()
        .parse(await (await quick.request('/api/v1/clients')).json())
        .find((c) => c.id === 'wintermute');
      expect(offline?.online).toBe(false);
      await put();
      const events = seen();
      expect(events).toHaveLength(2);
      expect(events[0]!.type === 'client.seen' && events[0]!.data.wasOfflineMs).toBeGreaterThan(300);
    } finally {
      await quick.stop();
    }
  });

  it('status has shares, clients and server info matching the contract', async () => {
    const s = Status.parse(await (await h.request('/api/v1/status')).json());
    expect(s.server.name).toBe('motoko');
    expect(s.shares.map((x) => x.name)).toEqual(['flux', 'time', 'space']);
    expect(s.shares.find((x) => x.name === 'time')?.timeMachine).toBe(true);
    expect(s.clients.length).toBeGreaterThan(0);
  });
});

describe('bad input', () => {
  const put = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }, id = 'c1') =>
    h.request(`/api/v1/clients/${id}/state`, { method: 'PUT', headers, body });

  it('an unknown field is 400 naming the field', async () => {
    const r = await put(JSON.stringify(report({ sneaky: 1 })));
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error: 'bad-request', field: 'sneaky' });
  });

  it('a bad value is 400 naming the nested field', async () => {
    const r = await put(
      JSON.stringify(report({ shares: [{ share: 'flux', state: 'sideways', mountPoint: null, errorCode: null }] })),
    );
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ field: 'shares.0.state' });
  });

  it('a bad client id in the path is 400 naming it', async () => {
    const r = await put(JSON.stringify(report()), undefined, '..%2Fetc');
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ field: 'id' });
  });

  it('malformed JSON is 400, a wrong content type 415, a body over 64 KiB 413', async () => {
    expect((await put('{"hostName":')).status).toBe(400);
    expect((await put('hello', { 'content-type': 'text/plain' })).status).toBe(415);
    const big = JSON.stringify(report({ osVersion: 'x'.repeat(70 * 1024) }));
    expect((await put(big)).status).toBe(413);
  });

  it('an unknown route is 404 with the error shape', async () => {
    const r = await h.request('/api/v1/nope');
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ error: 'not-found' });
  });

  it('bad input changed nothing', async () => {
    const list = ClientRecord.array().parse(await (await h.request('/api/v1/clients')).json());
    expect(list.find((c) => c.id === 'c1')).toBeUndefined();
  });
});

describe('metrics', () => {
  it('exposes clients, events and job runs in Prometheus text', async () => {
    const runId = h.store.runs.create('graduation', 'graduation', 'manual');
    h.store.runs.start(runId, Date.now() - 1500);
    h.store.runs.finish(runId, 'succeeded', { moved: 1 }, null);
    const r = await h.request('/metrics');
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).toMatch(/^fts_clients\{state="online"\} \d+$/m);
    expect(text).toMatch(/^fts_events_stored\{type="client.seen"\} \d+$/m);
    expect(text).toMatch(/^fts_job_runs\{job="graduation",status="succeeded"\} 1$/m);
    expect(text).toMatch(/^fts_job_run_duration_seconds_total\{job="graduation",status="succeeded"\} 1\.\d+$/m);
    expect(text).toMatch(/^fts_helper_process_resident_memory_bytes \d+/m);
  });
});
