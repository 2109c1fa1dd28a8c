/**
 * One client cannot starve or impersonate another, and the dashboard cannot be framed: security headers on the
 * dashboard, client tokens bound to one client id, a cap on client records, a cap on event streams per token.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
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
  h.request(`/api/v1/clients/${id}/state`, { method: 'PUT', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(report(hostName)) });

describe('dashboard response headers', () => {
  it('the dashboard page, API answers and refusals carry CSP with frame-ancestors, X-Frame-Options, nosniff and no-referrer', async () => {
    const page = await h.request('/', { token: null });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>FTS</title>');
    for (const r of [page, await h.request('/api/v1/status'), await h.request('/api/v1/status', { token: null }), await h.request('/no-such-file.js', { token: null })]) {
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
