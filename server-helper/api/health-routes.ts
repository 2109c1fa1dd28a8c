/** Time Machine health and storage over time: `GET /api/v1/timemachine`, `GET /api/v1/storage/history`. */
import type { FastifyInstance } from 'fastify';
import { parseDuration, routes, timeMachineHostKey } from '../../contract/index.js';
import { storageHistory } from '../storage/sampler.js';
import { inspectTimeMachine } from '../timemachine/inspect.js';
import type { AppContext } from './context.js';
import { registerRoute } from './register.js';

/** How long one reading of the time share answers every request: it walks every Mac's bundle. */
const TIME_MACHINE_CACHE_MS = 10_000;

/**
 * Registers the two read-only routes. The Time Machine report is read at most once per 10 s (concurrent requests
 * share one reading), so a client asking in a loop cannot keep root walking the share.
 */
export function registerHealthRoutes(app: FastifyInstance, ctx: AppContext): void {
  let reading: { at: number; report: ReturnType<typeof inspectTimeMachine> } | null = null;
  const readTimeMachine = () => {
    if (reading && Date.now() - reading.at < TIME_MACHINE_CACHE_MS) return reading.report;
    const clients = ctx.store.clients.list(parseDuration(ctx.config.clients.offlineAfter)!);
    const report = inspectTimeMachine(ctx.config, { clients, probe: ctx.timeMachineProbe });
    reading = { at: Date.now(), report };
    // A failed reading is not kept.
    report.catch(() => (reading = null));
    return report;
  };
  registerRoute(app, routes.timeMachine, async ({ query }) => {
    const report = await readTimeMachine();
    if (!query.host) return report;
    // A tray asks for its own Mac by its host name (or its client id, which the matching names too).
    const key = timeMachineHostKey(query.host);
    return { ...report, macs: report.macs.filter((m) => m.hostKey === key || m.clientIds.includes(query.host!)) };
  });
  registerRoute(app, routes.storageHistory, ({ query }) => storageHistory(ctx.config, ctx.store, query.days));
}
