/**
 * Routes that start and cancel runs: `POST /api/v1/jobs/:name/run`, `POST /api/v1/runs/:id/cancel`, and the
 * actions started with parameters (`POST /api/v1/graduation/runs/:id/undo`). Every run goes through the job runner.
 */
import type { FastifyInstance } from 'fastify';
import { routes, type ActionKind } from '../../contract/index.js';
import { JobError } from '../jobs/runner.js';
import { RunRefused } from '../runs/task.js';
import type { AppContext } from './context.js';
import { registerRoute } from './register.js';
import { httpError } from './http-error.js';

function jobsOf(ctx: AppContext): NonNullable<AppContext['jobs']> {
  if (!ctx.jobs) throw httpError(503, 'the job system is not running in this helper');
  return ctx.jobs;
}

/** The one mapping of a refused start or cancel to its HTTP status. */
export function mapJobError(err: unknown): never {
  if (err instanceof JobError) throw httpError(err.code === 'no-task' ? 409 : 404, err.message);
  if (err instanceof RunRefused)
    throw httpError(err.code === 'not-found' ? 404 : err.code === 'conflict' ? 409 : 400, err.message);
  throw err;
}

/** Registers the job control routes. */
export function registerJobRoutes(app: FastifyInstance, ctx: AppContext): void {
  registerRoute(app, routes.runJob, ({ params, reply }) => {
    try {
      const run = jobsOf(ctx).start(params.name, 'api');
      reply.code(202);
      return run;
    } catch (err) {
      return mapJobError(err);
    }
  });
  registerRoute(app, routes.cancelRun, ({ params }) => {
    try {
      return jobsOf(ctx).cancel(params.id);
    } catch (err) {
      return mapJobError(err);
    }
  });
  registerRoute(app, routes.runLog, ({ params }) => {
    const log = ctx.store.runs.log(params.id);
    if (log === null) throw httpError(404, `no run with id ${params.id}`);
    return { runId: params.id, log };
  });
  registerRoute(app, routes.undoGraduationRun, ({ params }) => {
    try {
      const run = jobsOf(ctx).start('graduation-undo' satisfies ActionKind, 'api', { runId: params.id });
      return { runId: run.id, undoOf: params.id };
    } catch (err) {
      return mapJobError(err);
    }
  });
}
