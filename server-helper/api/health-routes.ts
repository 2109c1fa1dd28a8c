/** Time Machine health and storage over time: `GET /api/v1/timemachine`, `GET /api/v1/storage/history`. */
import type { FastifyInstance } from 'fastify';
import { parseDuration, routes, timeMachineHostKey } from '../../contract/index.js';
import { storageHistory } from '../storage/sampler.js';
import { inspectTimeMachine } from '../timemachine/inspect.js';
import { clientScope, timeMachineForClient } from './client-scope.js';
import type { AppContext } from './context.js';
import { registerRoute } from './register.js';
import { sharedReading } from './shared-reading.js';

/** How long one reading of the time share answers every request: it walks every Mac's bundle. */
const TIME_MACHINE_CACHE_MS = 10_000;

/**
 * Registers the two read-only routes. One Time Machine reading runs at a time, and its report (or failure) then
 * answers every request for 10 s, so a client asking in a loop cannot keep root walking the share.
 */
export function registerHealthRoutes(app: FastifyInstance, ctx: AppContext): void {
  const readTimeMachine = sharedReading(() => {
    const clients = ctx.store.clients.list(parseDuration(ctx.config.clients.offlineAfter)!);
    return inspectTimeMachine(ctx.config, { clients, probe: ctx.timeMachineProbe });
  }, TIME_MACHINE_CACHE_MS);
  registerRoute(app, routes.timeMachine, async ({ query, raw }) => {
    // A client token sees its own Mac(s) only; an admin token (the dashboard) every member's.
    const scope = clientScope(ctx, raw.principal);
    const read = await readTimeMachine();
    const report = scope ? timeMachineForClient(read, scope, query.host) : read;
    if (!query.host) return report;
    // A tray asks for its own Mac by its host name (or its client id, which the matching names too).
    const key = timeMachineHostKey(query.host);
    return { ...report, macs: report.macs.filter((m) => m.hostKey === key || m.clientIds.includes(query.host!)) };
  });
  registerRoute(app, routes.storageHistory, ({ query }) => storageHistory(ctx.config, ctx.store, query.days));
}
