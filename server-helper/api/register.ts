/** Registers a route from its contract definition, so the schemas in contract/ are the API's only source of truth. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { RouteDef } from '../../contract/index.js';

type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

/** The typed request a handler sees: params, query and body already validated. */
export interface TypedRequest<R extends RouteDef> {
  params: Infer<R['params']>;
  query: Infer<R['query']>;
  body: Infer<R['body']>;
  raw: FastifyRequest;
  reply: FastifyReply;
}

/** Registers one contract route with its handler; the handler's result must match the route's response type. */
export function registerRoute<R extends RouteDef>(
  app: FastifyInstance,
  def: R,
  handler: (req: TypedRequest<R>) => Promise<z.infer<R['response']>> | z.infer<R['response']>,
): void {
  app.route({
    method: def.method,
    url: def.path,
    config: { role: def.role },
    schema: {
      ...(def.params ? { params: def.params } : {}),
      ...(def.query ? { querystring: def.query } : {}),
      ...(def.body ? { body: def.body } : {}),
    },
    handler: async (req, reply) =>
      handler({
        params: req.params as Infer<R['params']>,
        query: req.query as Infer<R['query']>,
        body: req.body as Infer<R['body']>,
        raw: req,
        reply,
      }),
  });
}
