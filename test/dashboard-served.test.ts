/**
 * The helper's `/` is never a silent 404: the built dashboard (api.dashboardDir, else the package's own
 * dist/renderer), or a plain page that says the dashboard is not built and how to build it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DASHBOARD_BUILD_COMMAND,
  isDashboardBuilt,
  notBuiltPage,
  PACKAGE_DASHBOARD_DIR,
  PACKAGE_ROOT,
} from '../server-helper/api/dashboard.js';
import { startTestHelper, type TestHelper } from './support/helper.js';

const dirs: string[] = [];
const helpers: TestHelper[] = [];
afterAll(async () => {
  for (const h of helpers) await h.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function helperWith(dashboardDir: string | undefined): Promise<TestHelper> {
  const h = await startTestHelper({ tweak: (c) => (c.api.dashboardDir = dashboardDir) });
  helpers.push(h);
  return h;
}

describe('the dashboard at /', () => {
  it('a configured folder without index.html: / and /index.html answer 503 with a page that says so; the API still answers', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'fts-dash-empty-'));
    dirs.push(empty);
    const h = await helperWith(empty);
    for (const path of ['/', '/index.html']) {
      const res = await h.request(path, { token: null });
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const body = await res.text();
      expect(body).toContain('The dashboard is not built');
      expect(body).toContain(`api.dashboardDir is <code>${empty}</code>, which has no index.html`);
    }
    expect((await h.request('/api/v1/status')).status).toBe(200);
  });

  it('a built folder is served at /', async () => {
    const built = mkdtempSync(join(tmpdir(), 'fts-dash-built-'));
    dirs.push(built);
    writeFileSync(join(built, 'index.html'), '<!doctype html><title>FTS dashboard</title>');
    const h = await helperWith(built);
    const res = await h.request('/', { token: null });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>FTS dashboard</title>');
    // The built files do not swallow the API's unknown paths: without a token they are still 401, not a static 404.
    expect((await h.request('/api/v1/no-such-route', { token: null })).status).toBe(401);
    expect((await h.request('/no-such-page.html', { token: null })).status).toBe(404);
  });

  it("with no api.dashboardDir, the package's own build is served, or the page names the build command — never a 404", async () => {
    const h = await helperWith(undefined);
    const res = await h.request('/', { token: null });
    const body = await res.text();
    if (isDashboardBuilt(PACKAGE_DASHBOARD_DIR)) expect(res.status).toBe(200);
    else {
      expect(res.status).toBe(503);
      expect(body).toContain(DASHBOARD_BUILD_COMMAND);
    }
    expect(notBuiltPage(PACKAGE_DASHBOARD_DIR, false)).toContain(
      `Build it in <code>${PACKAGE_ROOT}</code> with:</p><pre>npm run build:dashboard</pre>`,
    );
    expect(notBuiltPage('/x/<script>', true)).toContain('/x/&lt;script&gt;');
  });
});
