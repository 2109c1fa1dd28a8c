/** Time Machine health and storage over time: `GET /api/v1/timemachine`, `GET /api/v1/storage/history`. */
import type { FastifyInstance } from 'fastify';
import { parseDuration, routes, timeMachineHostKey } from '../../contract/index.js';
import { storageHistory } from '../storage/sampler.js';
import { inspectTimeMachine } from '../timemachine/inspect.js';
import type { AppContext } from './context.js';
import { registerRoute } from './register.js';

/** Registers the two read-only routes; both read the disk or the store now, nothing is cached. */
export function registerHealthRoutes(app: FastifyInstance, ctx: AppContext): void {
  registerRoute(app, routes.timeMachine, async ({ query }) => {
    const clients = ctx.store.clients.list(parseDuration(ctx.config.clients.offlineAfter)!);
    const report = await inspectTimeMachine(ctx.config, { clients, probe: ctx.timeMachineProbe });
    if (!query.host) return report;
    // A tray asks for its own Mac by its host name (or its client id, which the matching names too).
    const key = timeMachineHostKey(query.host);
    return { ...report, macs: report.macs.filter((m) => m.hostKey === key || m.clientIds.includes(query.host!)) };
  });
  registerRoute(app, routes.storageHistory, ({ query }) => storageHistory(ctx.config, ctx.store, query.days));
}
