/** Alert routes (admin): `GET /api/v1/alerts` lists the channels, `POST /api/v1/alerts/:name/test` sends a test message. */
import type { FastifyInstance } from 'fastify';
import { routes } from '../../contract/index.js';
import { UnknownChannelError } from '../alerts/test-send.js';
import type { AppContext } from './context.js';
import { registerRoute } from './register.js';

/** Registers the alert routes; without an alert service (no channels configured) the list is empty. */
export function registerAlertRoutes(app: FastifyInstance, ctx: AppContext): void {
  registerRoute(app, routes.listAlertChannels, () => ctx.alerts?.statuses() ?? []);
  registerRoute(app, routes.testAlertChannel, async ({ params }) => {
    try {
      if (!ctx.alerts)
        throw new UnknownChannelError('no alert channels are configured: add alerts.channels to the configuration');
      return await ctx.alerts.test(params.name);
    } catch (err) {
      if (err instanceof UnknownChannelError) throw Object.assign(new Error(err.message), { statusCode: 404 });
      throw err;
    }
  });
}
