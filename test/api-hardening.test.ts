/**
 * One client cannot starve or impersonate another, and the dashboard cannot be framed: security headers on the
 * dashboard, client tokens bound to one client id, a cap on client records, a cap on event streams per token.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientRecord } from '../contract/index.js';
import { startTestHelper, type TestHelper } from './support/helper.js';

let h: TestHelper;
beforeAll(async () => {
  h = await startTestHelper({
    tweak: (c) => {
      // A built dashboard: one page is enough to see the headers it is served with.
      const dir = join(c.store.path, '..', 'dashboard');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>FTS</title>');
      c.api.dashboardDir = dir;
    },
  });
});
afterAll(() => h?.stop());

const report = (hostName = 'count-zero') => ({
  hostName,
  os: 'darwin',
  appVersion: '0.1.0',
  shares: [{ share: 'flux', state: 'mounted', mountPoint: '/Volumes/flux', errorCode: null }],
});

const putState = (id: string, token: string | null, hostName = id) =>
  h.request(`/api/v1/clients/${id}/state`, {
    method: 'PUT',
    token,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(report(hostName)),
  });

describe('dashboard response headers', () => {
  it('the dashboard page, API answers and refusals carry CSP with frame-ancestors, X-Frame-Options, nosniff and no-referrer', async () => {
    const page = await h.request('/', { token: null });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>FTS</title>');
    for (const r of [
      page,
      await h.request('/api/v1/status'),
      await h.request('/api/v1/status', { token: null }),
      await h.request('/no-such-file.js', { token: null }),
    ]) {
      const csp = r.headers.get('content-security-policy') ?? '';
      expect(csp, r.url).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });
});

describe('client tokens are bound to one client id', () => {
  it('a bound token reports for its own id; another id is 403 and records nothing', async () => {
    const token = h.clientToken('wintermute-token', { clientId: 'wintermute' });
    expect((await putState('wintermute', token)).status).toBe(200);
    const r = await putState('neuromancer', token);
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({
      error: 'forbidden',
      message: 'the token "wintermute-token" belongs to client "wintermute" and cannot report for "neuromancer"',
    });
    const ids = ClientRecord.array()
      .parse(await (await h.request('/api/v1/clients')).json())
      .map((c) => c.id);
    expect(ids).toContain('wintermute');
    expect(ids).not.toContain('neuromancer');
    // Reading stays open to it.
    expect((await h.request('/api/v1/status', { token })).status).toBe(200);
  });

  it('a bound token lists only its own computer; an admin token and an unbound monitor token list every one', async () => {
    const mine = h.clientToken('case-token', { clientId: 'case' });
    const theirs = h.clientToken('molly-token', { clientId: 'molly' });
    expect((await putState('case', mine)).status).toBe(200);
    expect((await putState('molly', theirs)).status).toBe(200);
    const idsFor = async (token?: string) =>
      ClientRecord.array()
        .parse(await (await h.request('/api/v1/clients', token ? { token } : {})).json())
        .map((c) => c.id);
    expect(await idsFor(mine)).toEqual(['case']);
    expect(await idsFor(theirs)).toEqual(['molly']);
    expect(await idsFor()).toEqual(expect.arrayContaining(['case', 'molly']));
    expect(await idsFor(h.clientToken('hall-display'))).toEqual(expect.arrayContaining(['case', 'molly']));
    // The status summary holds the same records: the same rule.
    const statusIds = async (token: string) =>
      ((await (await h.request('/api/v1/status', { token })).json()) as { clients: { id: string }[] }).clients.map(
        (c) => c.id,
      );
    expect(await statusIds(mine)).toEqual(['case']);
    expect(await statusIds(h.adminToken)).toEqual(expect.arrayContaining(['case', 'molly']));
    // Metrics count the household's computers and the events about them: not for a member's tray.
    const m = await h.request('/metrics', { token: mine });
    expect(m.status).toBe(403);
    expect((await m.json()).message).toMatch(/belongs to client "case"; metrics are for an admin or monitor token/);
    expect((await h.request('/metrics', { token: h.clientToken('prometheus') })).status).toBe(200);
    expect((await h.request('/metrics', { token: h.adminToken })).status).toBe(200);
  });

  it('a client token bound to no client may read but not report', async () => {
    const token = h.clientToken('monitor');
    expect((await h.request('/api/v1/clients', { token })).status).toBe(200);
    const r = await putState('monitor', token);
    expect(r.status).toBe(403);
    expect((await r.json()).message).toMatch(/not bound to a client.*token create NAME --role client --client ID/);
  });

  it('an admin token reports for any client', async () => {
    expect((await putState('straylight', h.adminToken)).status).toBe(200);
    expect((await putState('freeside', h.adminToken)).status).toBe(200);
  });

  it('a client id must be a valid one, and only client tokens take one', () => {
    expect(() => h.store.tokens.create('bad-id', 'client', { clientId: 'Count Zero' })).toThrow(
      /client id "Count Zero": a client id is 1-63 lower-case letters/,
    );
    expect(() => h.store.tokens.create('admin-2', 'admin', { clientId: 'count-zero' })).toThrow(
      /only a client token is bound/,
    );
    expect(h.store.tokens.list().map((t) => t.name)).not.toContain('bad-id');
  });
});

describe('fts-helper token create --client', () => {
  const BIN = join(import.meta.dirname, '..', 'bin', 'fts-helper.mjs');
  const run = (...args: string[]) => {
    const r = spawnSync('node', [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('binds a client token to one client id, listed with it; refuses a bad id and an admin binding with exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fts-token-client-'));
    const sb = join(dir, 'sb');
    try {
      const made = run('token', 'create', 'count-zero', '--role', 'client', '--client', 'count-zero', '--sandbox', sb);
      expect(made.code, made.err).toBe(0);
      expect(made.out.trim()).toMatch(/^fts_/);
      expect(made.err).toContain('(client count-zero)');
      const list = JSON.parse(run('token', 'list', '--json', '--sandbox', sb).out) as {
        name: string;
        role: string;
        clientId: string | null;
      }[];
      expect(list.map((t) => [t.name, t.role, t.clientId])).toEqual([
        ['admin', 'admin', null],
        ['count-zero', 'client', 'count-zero'],
      ]);
      const bad = run('token', 'create', 'x', '--client', 'Count Zero!', '--sandbox', sb);
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/--client "Count Zero!": a client id is 1-63 lower-case letters/);
      const admin = run('token', 'create', 'y', '--role', 'admin', '--client', 'count-zero', '--sandbox', sb);
      expect(admin.code).toBe(2);
      expect(admin.err).toMatch(/--client binds a client token/);
      expect((JSON.parse(run('token', 'list', '--json', '--sandbox', sb).out) as unknown[]).length).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the client registry is capped', () => {
  it('a report from one new client too many is 409 with the limit and the fix; known clients still report', async () => {
    const small = await startTestHelper({ tweak: (c) => void (c.clients.maxRecords = 3) });
    try {
      const put = (id: string) =>
        small.request(`/api/v1/clients/${id}/state`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(report(id)),
        });
      // Three new clients at once (one group commit): the cap counts reports not yet written too.
      expect((await Promise.all(['a1', 'a2', 'a3'].map(put))).map((r) => r.status)).toEqual([200, 200, 200]);
      const r = await put('a4');
      expect(r.status).toBe(409);
      expect(await r.json()).toEqual({
        error: 'conflict',
        message:
          'the helper keeps at most 3 client records and has 3, so client "a4" was not recorded: raise clients.maxRecords in the config',
      });
      expect((await Promise.all(['a4', 'a5', 'a6'].map(put))).map((r) => r.status)).toEqual([409, 409, 409]);
      expect((await put('a2')).status).toBe(200);
      const ids = ClientRecord.array()
        .parse(await (await small.request('/api/v1/clients')).json())
        .map((c) => c.id);
      expect(ids.sort()).toEqual(['a1', 'a2', 'a3']);
      expect(
        small.store.events
          .latest(100, 'client.seen')
          .map((e) => (e.data as { clientId: string }).clientId)
          .sort(),
      ).toEqual(['a1', 'a2', 'a3']);
    } finally {
      await small.stop();
    }
  });

  it('reports arriving together cannot pass the cap between them', async () => {
    const small = await startTestHelper({ tweak: (c) => void (c.clients.maxRecords = 2) });
    try {
      const put = (id: string) =>
        small.request(`/api/v1/clients/${id}/state`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(report(id)),
        });
      const statuses = (await Promise.all(['b1', 'b2', 'b3', 'b4', 'b5'].map(put))).map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(2);
      expect(statuses.filter((s) => s === 409)).toHaveLength(3);
      expect(ClientRecord.array().parse(await (await small.request('/api/v1/clients')).json())).toHaveLength(2);
    } finally {
      await small.stop();
    }
  });
});
