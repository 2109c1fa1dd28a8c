import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestHelper, type TestHelper } from './support/helper.js';

let h: TestHelper;
beforeAll(async () => {
  // No auth delay here: this test sends many unauthenticated requests on purpose.
  h = await startTestHelper({ tweak: (c) => void (c.api.authFailureDelay = '1ms') });
});
afterAll(() => h?.stop());

const validReport = {
  hostName: 'count-zero',
  os: 'darwin',
  appVersion: '1.0.0',
  shares: [{ share: 'flux', state: 'mounted', mountPoint: '/Volumes/flux', errorCode: null }],
};

/** Bodies: arbitrary JSON, the valid report with one field replaced by anything, or raw bytes. */
const body = fc.oneof(
  fc.json(),
  fc
    .record({ key: fc.constantFrom(...Object.keys(validReport), 'shares.0', 'extra'), value: fc.jsonValue() })
    .map(({ key, value }) => {
      const copy = structuredClone(validReport) as Record<string, unknown>;
      if (key === 'shares.0') (copy.shares as unknown[])[0] = value;
      else copy[key] = value;
      return JSON.stringify(copy);
    }),
  fc.string({ unit: 'binary', maxLength: 300 }),
);

const segment = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('..', '.', '%00', '%2F', 'state', 'clients', 'api', 'v1', ''),
);
const path = fc.oneof(
  fc.array(segment, { maxLength: 6 }).map((s) => `/api/v1/${s.map(encodeURIComponent).join('/')}`),
  segment.map((id) => `/api/v1/clients/${encodeURIComponent(id)}/state`),
  fc.webPath(),
  fc.constantFrom(
    '/api/v1/runs?limit=-1',
    '/api/v1/runs?limit=abc&job=',
    '/api/v1/events?since=abc',
    '/metrics?x=%ZZ',
    '/api/v1/status?%',
  ),
);

it('1,000 fuzzed requests: never a 5xx, always a JSON error body on 4xx', async () => {
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'PATCH'),
      path,
      body,
      fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', ''),
      fc.boolean(),
      async (method, p, b, type, auth) => {
        const headers: Record<string, string> = {};
        if (type) headers['content-type'] = type;
        if (auth) headers.authorization = `Bearer ${h.adminToken}`;
        const ac = new AbortController();
        const res = await fetch(`${h.url}${p.startsWith('/') ? p : `/${p}`}`, {
          method,
          headers,
          ...(method === 'GET' || method === 'DELETE' ? {} : { body: b }),
          signal: ac.signal,
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.headers.get('content-type')?.includes('text/event-stream')) {
          ac.abort();
          return;
        }
        const text = await res.text();
        expect(res.status, `${method} ${p} → ${text}`).toBeLessThan(500);
        if (res.status >= 400) expect(JSON.parse(text)).toHaveProperty('error');
      },
    ),
    { numRuns: 1000 },
  );
  // The fuzz reached the validators and the router, not only the auth wall.
  expect(statuses.get(400) ?? 0).toBeGreaterThan(20);
  expect(statuses.get(401) ?? 0).toBeGreaterThan(20);
  expect(statuses.get(404) ?? 0).toBeGreaterThan(20);
});
