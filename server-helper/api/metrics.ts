/** `GET /metrics`: Prometheus text, computed from the store at scrape time (prom-client). */
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { parseDuration } from '../../contract/index.js';
import { memberClientOf } from './client-scope.js';
import type { AppContext } from './context.js';
import type { SseHub } from './sse.js';

/** Builds the registry whose gauges read the store when scraped. */
export function createMetrics(ctx: AppContext, hub: SseHub): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'fts_helper_' });
  const offlineAfter = parseDuration(ctx.config.clients.offlineAfter)!;
  new Gauge({
    name: 'fts_clients',
    help: 'Registered clients by online state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const c = ctx.store.clients.counts(offlineAfter);
      this.set({ state: 'online' }, c.online);
      this.set({ state: 'offline' }, c.offline);
    },
  });
  new Gauge({
    name: 'fts_events_stored',
    help: 'Events kept in the store, by type',
    labelNames: ['type'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [type, n] of Object.entries(ctx.store.events.countByType())) this.set({ type }, n);
    },
  });
  new Gauge({
    name: 'fts_event_last_id',
    help: 'Id of the newest event',
    registers: [registry],
    collect() {
      this.set(ctx.bus.lastDeliveredId());
    },
  });
  new Gauge({
    name: 'fts_sse_last_broadcast_seconds',
    help: 'Time the helper took to hand the last event to every open stream',
    registers: [registry],
    collect() {
      this.set(hub.lastBroadcastMs / 1000);
    },
  });
  new Gauge({
    name: 'fts_sse_connections',
    help: 'Open event streams',
    registers: [registry],
    collect() {
      this.set(hub.size);
    },
  });
  new Gauge({
    name: 'fts_sse_streams',
    help: 'Open event streams by state: replaying what the client missed, of which waiting for a slow reader, or live',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'replaying' }, hub.replaying);
      this.set({ state: 'waiting' }, hub.waiting);
      this.set({ state: 'live' }, hub.size - hub.replaying);
    },
  });
  new Counter({
    name: 'fts_sse_dropped_total',
    help: 'Event streams dropped because their reader did not read',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(hub.dropped);
    },
  });
  new Gauge({
    name: 'fts_job_runs',
    help: 'Job runs by job and status',
    labelNames: ['job', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of ctx.store.runs.stats()) this.set({ job: s.job, status: s.status }, s.count);
    },
  });
  new Gauge({
    name: 'fts_job_run_duration_seconds_total',
    help: 'Summed duration of job runs by job and status',
    labelNames: ['job', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of ctx.store.runs.stats()) this.set({ job: s.job, status: s.status }, s.durationMs / 1000);
    },
  });
  return registry;
}

/**
 * Registers `/metrics` for an admin token or a client token bound to no client (a monitor such as Prometheus): a
 * member's tray gets 403, since the gauges count the household's computers online and the events about them.
 */
export function registerMetrics(app: FastifyInstance, registry: Registry): void {
  app.get('/metrics', { config: { role: 'client' } }, async (req, reply) => {
    const own = req.principal ? memberClientOf(req.principal) : null;
    if (own !== null) {
      reply.code(403);
      return {
        error: 'forbidden',
        message: `the token "${req.principal!.name}" belongs to client "${own}"; metrics are for an admin or monitor token (fts-helper token create NAME --role client)`,
      };
    }
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
