/** Samba routes: apply the managed configuration (admin) and list sessions. */
import type { FastifyInstance } from 'fastify';
import { routes, type ApiError } from '../../contract/index.js';
import { applySamba, realSambaSystem, SambaApplyError, type SambaSystem } from '../samba/apply.js';
import { publishShareChange } from '../samba/events.js';
import { sambaSessions } from '../samba/sessions.js';
import { SambaValidationError } from '../samba/validate.js';
import type { AppContext } from './context.js';
import { registerRoute } from './register.js';
import type { RoutePlugin } from './server.js';

/** The plugin; `system` lets tests inject faults into the apply. */
export function sambaRoutes(opts: { system?: SambaSystem } = {}): RoutePlugin {
  return (app: FastifyInstance, ctx: AppContext) => {
    // One apply at a time: two overlapping applies could each restore the other's files.
    let running: Promise<unknown> = Promise.resolve();
    registerRoute(app, routes.applyShares, async ({ body, reply }) => {
      const turn = running.then(() =>
        applySamba(ctx.config, opts.system ?? realSambaSystem(), { dryRun: body.dryRun }),
      );
      running = turn.catch(() => undefined);
      try {
        const r = await turn;
        publishShareChange(ctx.bus, r, 'apply through the API');
        return r;
      } catch (err) {
        if (err instanceof SambaValidationError) {
          const e: ApiError = {
            error: 'bad-request',
            message: `invalid Samba configuration: ${err.message}`,
            field: err.field,
          };
          return reply.code(400).send(e) as never;
        }
        if (err instanceof SambaApplyError) {
          const e: ApiError = { error: 'apply-failed', message: err.message };
          return reply.code(409).send(e) as never;
        }
        throw err;
      }
    });
    registerRoute(app, routes.listSessions, () => sambaSessions(ctx.config));
  };
}
