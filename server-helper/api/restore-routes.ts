/**
 * Restore and "bring back": `GET /api/v1/snapshots`, `GET /api/v1/snapshots/:id/ls`, `POST /api/v1/restore` (admin
 * only), and `POST /api/v1/bring-back` and `GET /api/v1/search`, which a client token (a tray) may call too, limited
 * to its own shares and its own Samba user's files (client-scope.ts). Restore and bring-back start runs through the
 * job runner (locks, cancel, history, events); browsing and searching only read.
 */
import { realpathSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { routes, type ActionKind, type JobRun } from '../../contract/index.js';
import { BackupError } from '../lifecycle/backup/errors.js';
import { resticEngineFor } from '../lifecycle/backup/tasks.js';
import { rootOf } from '../lifecycle/graduation/service.js';
import { browseSnapshot, listSnapshots } from '../lifecycle/restore/browse.js';
import { RestoreError } from '../lifecycle/restore/errors.js';
import { whereIs } from '../lifecycle/restore/search.js';
import {
  accessOf,
  bringBackOwner,
  clientScope,
  searchForClient,
  searchSourcesFor,
  type ClientScope,
} from './client-scope.js';
import type { AppContext } from './context.js';
import { mapJobError } from './job-routes.js';
import { registerRoute } from './register.js';
import { OneAtATime, RequestBudget } from './request-budget.js';
import { httpError } from './http-error.js';

/** Bring-backs one client token may ask for per minute: a tray asks for a few a day. */
const CLIENT_BRING_BACKS_PER_MINUTE = 10;

/** A repository that cannot be read now (restic failed: unreachable, wrong password) is 409 with restic's reason; a bad snapshot or path 404 or 400. */
function mapRestoreError(err: unknown): never {
  if (err instanceof RestoreError)
    throw httpError(err.kind === 'not-found' ? 404 : err.kind === 'not-configured' ? 409 : 400, err.message);
  if (err instanceof BackupError) throw httpError(409, err.message);
  throw err;
}

/** The restic engine of the config, or a 409 saying why there is none. */
async function engineOf(ctx: AppContext) {
  const b = ctx.config.backup;
  if (!b)
    throw httpError(409, 'backup is not configured: add a backup section (restic) to browse and restore snapshots');
  if (b.engine !== 'restic') throw httpError(409, `snapshots are restic's; backup.engine is ${b.engine}`);
  return resticEngineFor(ctx.config, { log: (line) => ctx.log.debug({ line }, 'restic') });
}

/** Starts an action and answers with its run (202). */
function startAction(
  ctx: AppContext,
  kind: ActionKind,
  params: Record<string, unknown>,
): { runId: number; status: 'queued' | 'running' } {
  if (!ctx.jobs) throw httpError(409, 'the job system is not running in this helper');
  let run: JobRun;
  try {
    run = ctx.jobs.start(kind, 'api', params);
  } catch (err) {
    return mapJobError(err);
  }
  return { runId: run.id, status: run.status === 'running' ? 'running' : 'queued' };
}

/** The name of the share with a role (flux, space), as people know it. */
function shareOf(config: AppContext['config'], role: string): string {
  return config.shares.find((s) => s.role === role)?.name ?? role;
}

/** Registers the restore, bring-back and search routes. */
export function registerRestoreRoutes(app: FastifyInstance, ctx: AppContext): void {
  // Limits for client tokens only: an admin's dashboard is the household's own.
  const bringBacks = new RequestBudget(CLIENT_BRING_BACKS_PER_MINUTE, 60_000, 'bring-back requests');
  // A search walks flux and space as root: a token that asks for many at once gets one at a time.
  const searches = new OneAtATime('search');

  registerRoute(app, routes.listSnapshots, async () => {
    try {
      return await listSnapshots(await engineOf(ctx));
    } catch (err) {
      return mapRestoreError(err);
    }
  });

  registerRoute(app, routes.browseSnapshot, async ({ params, query }) => {
    try {
      return await browseSnapshot(await engineOf(ctx), {
        snapshot: params.id,
        path: query.path,
        offset: query.offset,
        limit: query.limit,
        host: ctx.config.server.name,
      });
    } catch (err) {
      return mapRestoreError(err);
    }
  });

  registerRoute(app, routes.startRestore, ({ body, reply }) => {
    const started = startAction(ctx, 'restore', body);
    reply.code(202);
    return started;
  });

  registerRoute(app, routes.bringBack, async ({ body, reply, raw }) => {
    const { config } = ctx;
    const scope = clientScope(ctx, raw.principal);
    if (scope) bringBacks.spend(scope.tokenName);
    // A tray brings back only what its Samba user owns, checked here for the path and in the run for each file in it.
    const ownerUid = scope
      ? await bringBackOwner(scope, body.path, {
          root: rootOf(config, config.graduation.to),
          name: shareOf(config, config.graduation.to),
          flux: shareOf(config, config.graduation.from),
        })
      : undefined;
    const started = startAction(ctx, 'bring-back', {
      ...body,
      ...(scope && ownerUid !== undefined ? { ownerUid, clientId: scope.clientId } : {}),
    });
    reply.code(202);
    return started;
  });

  registerRoute(app, routes.search, async ({ query, raw }) => {
    const scope = clientScope(ctx, raw.principal);
    return scope ? searches.run(scope.tokenName, () => search(query, scope)) : search(query, null);
  });

  async function search(query: { q: string; limit: number }, scope: ClientScope | null) {
    const { config } = ctx;
    const fluxName = shareOf(config, config.graduation.from);
    const spaceName = shareOf(config, config.graduation.to);
    const only = scope ? searchSourcesFor(scope, { flux: fluxName, space: spaceName }) : undefined;
    let fluxRoot: string;
    let spaceRoot: string;
    try {
      // The journal records the roots' real paths.
      fluxRoot = realpathSync(rootOf(config, config.graduation.from));
      spaceRoot = realpathSync(rootOf(config, config.graduation.to));
    } catch (err) {
      throw httpError(409, `flux or space cannot be read: ${(err as Error).message}`);
    }
    const b = config.backup;
    // A client's search walks and counts as its Samba user (search.ts): nothing it could not see over SMB counts.
    const member = scope ? (await accessOf(scope)).ids : undefined;
    const report = await whereIs({
      db: ctx.store.db,
      fluxRoot,
      spaceRoot,
      fluxName,
      spaceName,
      exclude: config.graduation.exclude,
      q: query.q,
      limit: query.limit,
      only,
      member,
      // A tray does not search the backup: restoring from it is the admin's, and each search would have the server
      // list the newest snapshot from B2.
      snapshots: scope
        ? { unavailable: 'the backup is searched from the dashboard' }
        : !b
          ? { unavailable: 'backup is not configured' }
          : b.engine !== 'restic'
            ? { unavailable: `backup.engine is ${b.engine}: no snapshots to search` }
            : () => engineOf(ctx),
    });
    return member ? searchForClient(report, member, { flux: fluxRoot, space: spaceRoot }, spaceName) : report;
  }
}
