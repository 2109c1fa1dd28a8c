/** The API's handlers, one per contract route. */
import type { FastifyInstance } from 'fastify';
import { parseDuration, routes } from '../../contract/index.js';
import { buildStatus, sharesOf } from '../status.js';
import type { AppContext } from './context.js';
import { registerRoute } from './register.js';

/** Registers the core routes: status, clients, shares, jobs, runs. */
export function registerCoreRoutes(app: FastifyInstance, ctx: AppContext): void {
  const offlineAfter = parseDuration(ctx.config.clients.offlineAfter)!;

  registerRoute(app, routes.status, () => buildStatus(ctx));
  registerRoute(app, routes.listClients, () => ctx.store.clients.list(offlineAfter));
  registerRoute(app, routes.listShares, () => sharesOf(ctx.config));
  registerRoute(app, routes.listJobs, () => (ctx.listJobs ? ctx.listJobs() : []));
  registerRoute(app, routes.listRuns, ({ query }) => ctx.store.runs.list({ job: query.job, limit: query.limit }));

  registerRoute(app, routes.putClientState, async ({ params, body }) => {
    const now = Date.now();
    const { previousLastSeen, stored } = ctx.store.clients.recordBatched(params.id, body, now);
    await stored;
    const away = previousLastSeen === null ? null : now - previousLastSeen;
    // A client that is new, or was shown offline, is announced once when it comes back.
    if (away === null || away > offlineAfter) {
      ctx.bus.publish('client.seen', { clientId: params.id, hostName: body.hostName, wasOfflineMs: away });
    }
    return { ok: true as const, online: true };
  });
}
