/**
 * The dashboard at `/`: the built files (api.dashboardDir, else the package's own dist/renderer), or, when they
 * are not built, a plain page that says so and names the build command. Never a silent 404.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { HelperConfig } from '../config/schema.js';
import type { AppContext } from './context.js';

/** Where the package keeps its built dashboard (the install builds it; `npm run build:dashboard` in a checkout). */
export const PACKAGE_DASHBOARD_DIR = fileURLToPath(new URL('../../dist/renderer/', import.meta.url)).replace(/\/$/, '');

/** The package's root folder (where `npm run build:dashboard` runs). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

/** The command that builds the dashboard, run in the package's folder. */
export const DASHBOARD_BUILD_COMMAND = 'npm run build:dashboard';

/** The folder the dashboard is served from. */
export function dashboardDirOf(config: HelperConfig): string {
  return config.api.dashboardDir ?? PACKAGE_DASHBOARD_DIR;
}

/** Whether the folder holds a built dashboard. */
export function isDashboardBuilt(dir: string): boolean {
  return existsSync(`${dir}/index.html`);
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The page served at `/` when the dashboard is not built (no script, no style: the CSP stays strict). */
export function notBuiltPage(dir: string, configured: boolean): string {
  const fix = configured
    ? `<p>api.dashboardDir is <code>${escapeHtml(dir)}</code>, which has no index.html. Point it at a built dashboard, or remove it to use the one that ships with fts-helper.</p>`
    : `<p>Build it in <code>${escapeHtml(PACKAGE_ROOT)}</code> with:</p><pre>${DASHBOARD_BUILD_COMMAND}</pre><p>then restart fts-helper (the install builds it; so does the first <code>fts-helper serve</code> from a checkout with its npm packages).</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fts-helper: the dashboard is not built</title></head>
<body><h1>The dashboard is not built</h1>
<p>fts-helper is running, and its API answers at <code>/api/v1</code>; the dashboard's files are missing from <code>${escapeHtml(dir)}</code>.</p>
${fix}
</body></html>
`;
}

/** Serves the dashboard at `/`, or the not-built page (503) with a warning in the log. */
export async function registerDashboard(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const dir = dashboardDirOf(ctx.config);
  if (isDashboardBuilt(dir)) {
    const { default: fastifyStatic } = await import('@fastify/static');
    // A route per built file, not a wildcard: an unknown /api/ path stays unmatched, so the guard asks for a token
    // (401) instead of the static handler answering 404 without one.
    await app.register(fastifyStatic, { root: dir, prefix: '/', index: 'index.html', wildcard: false });
    return;
  }
  const page = notBuiltPage(dir, ctx.config.api.dashboardDir !== undefined);
  ctx.log.warn({ dashboardDir: dir }, `the dashboard is not built (no ${dir}/index.html): ${DASHBOARD_BUILD_COMMAND}`);
  const handler = async (_req: unknown, reply: FastifyReply) =>
    reply.code(503).type('text/html; charset=utf-8').send(page);
  app.get('/', handler);
  app.get('/index.html', handler);
}
