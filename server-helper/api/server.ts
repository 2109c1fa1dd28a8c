/** Builds the helper's HTTP server: guards, contract routes, events, metrics and the dashboard. */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { AppContext } from './context.js';
import { registerDashboard } from './dashboard.js';
import { installGuards } from './guard.js';
import { installSecurityHeaders } from './headers.js';
import { createMetrics, registerMetrics } from './metrics.js';
import { registerCoreRoutes } from './routes.js';
import { registerSse, SseHub } from './sse.js';
import { installErrorHandler, zodValidatorCompiler } from './validation.js';

/** The largest request body accepted; larger ones get 413. */
export const BODY_LIMIT = 64 * 1024;

/** TLS material for HTTPS; absent for plain HTTP. */
export interface TlsMaterial {
  cert: string;
  key: string;
}

/** Extra route groups that features (samba, jobs, graduation) add to the API. */
export type RoutePlugin = (app: FastifyInstance, ctx: AppContext) => void;

/** Creates the server (not yet listening). */
export async function buildServer(
  ctx: AppContext,
  opts: { tls?: TlsMaterial; plugins?: RoutePlugin[] } = {},
): Promise<{ app: FastifyInstance; hub: SseHub }> {
  const app = Fastify({
    // fastify's own info lines ("Server listening at") would repeat what `serve` prints once; errors still log.
    loggerInstance: ctx.log.child({}, { level: ctx.log.level === 'silent' ? 'silent' : 'warn' }),
    // Per-request log lines would cost more than the requests; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    ...(opts.tls ? { https: { cert: opts.tls.cert, key: opts.tls.key } } : {}),
    // Connections held by SSE clients must not stop a graceful close forever.
    forceCloseConnections: true,
    return503OnClosing: true,
    // The instance is typed with fastify's base logger so route modules need not know pino's type.
  }) as unknown as FastifyInstance;
  // The API speaks JSON only: any other body is 415, not a string for the schema to reject.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installErrorHandler(app);
  installSecurityHeaders(app);
  installGuards(app, ctx);

  const hub = new SseHub(ctx);
  app.addHook('onClose', async () => hub.shutdown());

  app.get('/healthz', async () => ({ ok: true, name: ctx.config.server.name, version: ctx.version }));
  registerCoreRoutes(app, ctx);
  registerSse(app, ctx, hub);
  registerMetrics(app, createMetrics(ctx, hub));
  for (const plugin of opts.plugins ?? []) plugin(app, ctx);

  await registerDashboard(app, ctx);
  return { app, hub };
}
