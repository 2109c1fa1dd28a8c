/** The API's handlers, one per contract route. */
import type { FastifyInstance } from 'fastify';
import { parseDuration, routes, type Job } from '../../contract/index.js';
import { buildStatus, sharesOf } from '../status.js';
import { ClientLimitError } from '../store/clients.js';
import type { Principal } from '../store/tokens.js';
import { visibleClients } from './client-scope.js';
import { ClientViews } from './client-view.js';
import type { AppContext } from './context.js';
import { registerRoute } from './register.js';
import { httpError } from './http-error.js';

/** Registers the core routes: status, clients, shares, jobs, runs. */
export function registerCoreRoutes(app: FastifyInstance, ctx: AppContext): void {
  const offlineAfter = parseDuration(ctx.config.clients.offlineAfter)!;
  // A client token's runs name only what its Samba user could see (client-view.ts).
  const views = new ClientViews(ctx);

  /** Jobs as this token lists them: a client token's last runs through its view, wherever jobs are listed. */
  const jobsFor = async (principal: Principal, jobs: Job[]): Promise<Job[]> => {
    const view = await views.of(principal);
    return view ? jobs.map((j) => (j.lastRun ? { ...j, lastRun: view.run(j.lastRun) } : j)) : jobs;
  };

  // The status summary repeats the clients and the jobs: each through the same rule as its own route.
  registerRoute(app, routes.status, async ({ raw }) => {
    const status = await buildStatus(ctx);
    return {
      ...status,
      jobs: await jobsFor(raw.principal!, status.jobs),
      clients: visibleClients(raw.principal, status.clients),
    };
  });
  registerRoute(app, routes.listClients, ({ raw }) =>
    visibleClients(raw.principal, ctx.store.clients.list(offlineAfter)),
  );
  registerRoute(app, routes.listShares, () => sharesOf(ctx.config));
  registerRoute(app, routes.listJobs, ({ raw }) => jobsFor(raw.principal!, ctx.listJobs ? ctx.listJobs() : []));
  registerRoute(app, routes.listRuns, async ({ query, raw }) => {
    const runs = ctx.store.runs.list({ job: query.job, limit: query.limit });
    const view = await views.of(raw.principal!);
    return view ? runs.map((r) => view.run(r)) : runs;
  });

  registerRoute(app, routes.putClientState, async ({ params, body, raw }) => {
    const refused = refuseClientReport(raw.principal, params.id);
    if (refused) throw httpError(403, refused);
    const now = Date.now();
    let recorded;
    try {
      recorded = ctx.store.clients.recordBatched(params.id, body, now, ctx.config.clients.maxRecords);
    } catch (err) {
      if (err instanceof ClientLimitError) throw httpError(409, err.message);
      throw err;
    }
    const { previousLastSeen, stored } = recorded;
    await stored;
    const away = previousLastSeen === null ? null : now - previousLastSeen;
    // A client that is new, or was shown offline, is announced once when it comes back.
    if (away === null || away > offlineAfter) {
      ctx.bus.publish('client.seen', { clientId: params.id, hostName: body.hostName, wasOfflineMs: away });
    }
    return { ok: true as const, online: true };
  });
}

/** Why this token may not report state for client `id`, or null: admin tokens report for anyone, a client token for its own id. */
export function refuseClientReport(principal: Principal | undefined, id: string): string | null {
  if (!principal) return 'a token is required';
  if (principal.role === 'admin') return null;
  if (principal.clientId === null) {
    return `the token "${principal.name}" is not bound to a client, so it cannot report state: make one with fts-helper token create NAME --role client --client ID`;
  }
  if (principal.clientId !== id)
    return `the token "${principal.name}" belongs to client "${principal.clientId}" and cannot report for "${id}"`;
  return null;
}
