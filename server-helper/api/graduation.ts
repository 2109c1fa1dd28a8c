/** Graduation's API routes: undo of a run (admin). The undo runs in the background as its own recorded run. */
import type { FastifyInstance } from 'fastify';
import { routes } from '../../contract/index.js';
import { runUndo } from '../lifecycle/graduation/service.js';
import { publicSummary } from '../lifecycle/graduation/service.js';
import type { AppContext } from './context.js';
import { registerRoute } from './register.js';

function httpError(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { statusCode });
}

/** Registers `POST /api/v1/graduation/runs/:id/undo`. */
export function registerGraduationRoutes(app: FastifyInstance, ctx: AppContext): void {
  registerRoute(app, routes.undoGraduationRun, ({ params }) => {
    const run = ctx.store.runs.get(params.id);
    if (!run || run.kind !== 'graduation' || run.job === 'graduation-undo') throw httpError(404, `no graduation run ${params.id}`);
    if (run.status === 'running' || run.status === 'queued') throw httpError(409, `run ${params.id} is still ${run.status}; undo it when it has finished`);
    const runId = ctx.store.runs.create('graduation-undo', 'graduation', 'api');
    ctx.store.runs.start(runId);
    const wiring = { store: ctx.store, bus: ctx.bus, runId, job: 'graduation-undo' };
    void runUndo(wiring, params.id, ctx.config).then(
      (s) => ctx.store.runs.finish(runId, s.failed.length ? 'failed' : 'succeeded', publicSummary(s), s.failed.length ? `${s.failed.length} file(s) could not be moved back` : null),
      (err: Error) => {
        ctx.log.error({ err }, 'graduation undo failed');
        ctx.store.runs.finish(runId, 'failed', null, err.message);
      },
    );
    return { runId, undoOf: params.id };
  });
}
