/** The server summary shared by `GET /api/v1/status` and `fts-helper status`. */
import { parseDuration, type Share, type Status } from '../contract/index.js';
import type { HelperConfig } from './config/schema.js';
import type { AppContext } from './api/context.js';

/** The configured shares as the contract describes them. */
export function sharesOf(config: HelperConfig): Share[] {
  return config.shares.map((s) => ({
    name: s.name,
    ...(s.role ? { role: s.role } : {}),
    path: s.path,
    timeMachine: s.timeMachine !== false,
    ...(s.driveLetter ? { driveLetter: s.driveLetter } : {}),
    readOnly: s.readOnly,
  }));
}

/** Gathers shares, drives, jobs and clients into one summary. */
export async function buildStatus(
  ctx: Pick<AppContext, 'config' | 'store' | 'version' | 'inspectDrives' | 'listJobs'> & { startedAt: number | null },
): Promise<Status> {
  const now = Date.now();
  return {
    server: {
      name: ctx.config.server.name,
      version: ctx.version,
      startedAt: ctx.startedAt === null ? null : new Date(ctx.startedAt).toISOString(),
      uptimeMs: ctx.startedAt === null ? null : now - ctx.startedAt,
    },
    shares: sharesOf(ctx.config),
    drives: ctx.inspectDrives ? await ctx.inspectDrives() : [],
    jobs: ctx.listJobs ? ctx.listJobs() : [],
    clients: ctx.store.clients.list(parseDuration(ctx.config.clients.offlineAfter)!, now),
  };
}
