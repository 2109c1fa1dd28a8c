/** Request guards: Host and Origin allow-list (DNS rebinding, cross-site requests) and Bearer-token auth. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError, Role } from '../../contract/index.js';
import { parseDuration } from '../../contract/index.js';
import type { Principal } from '../store/tokens.js';
import type { AppContext } from './context.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the authenticated token speaks for: name, role and (client tokens) the bound client id. */
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Who may call the route; absent means no token needed (only /healthz and static files). */
    role?: Role;
  }
}

/** Splits a Host header value into host name (brackets kept off IPv6) and port. */
export function parseHostHeader(value: string): { host: string; port: string | null } | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d+))?$/.exec(value.trim());
  if (!m) return null;
  return { host: m[1]!.replace(/^\[|\]$/g, '').toLowerCase(), port: m[2] ?? null };
}

/** The host names this helper answers to: loopback names, its own name, the listen address, the configured extras (the machine's own names and addresses are ctx.isOwnHost). */
export function allowedHostNames(ctx: Pick<AppContext, 'config'>): Set<string> {
  const listenHost = parseHostHeader(ctx.config.api.listen)?.host;
  const names = [
    'localhost',
    '127.0.0.1',
    '::1',
    ctx.config.server.name,
    `${ctx.config.server.name}.local`,
    ...ctx.config.api.allowedHosts,
  ];
  if (listenHost && listenHost !== '0.0.0.0' && listenHost !== '::') names.push(listenHost);
  return new Set(names.map((n) => n.toLowerCase()));
}

function deny(reply: FastifyReply, status: 401 | 403, message: string): FastifyReply {
  const body: ApiError = { error: status === 401 ? 'unauthorized' : 'forbidden', message };
  return reply.code(status).send(body);
}

/** Installs the Host/Origin check on every request and token auth on routes that declare a role. */
export function installGuards(app: FastifyInstance, ctx: AppContext): void {
  const names = allowedHostNames(ctx);
  // The configured names first; then the machine's own names and addresses (DNS rebinding brings a foreign name).
  const allowed = (host: string) => names.has(host) || (ctx.isOwnHost?.(host) ?? false);
  const failureDelay = parseDuration(ctx.config.api.authFailureDelay) ?? 250;

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const host = parseHostHeader(req.headers.host ?? '');
    if (!host || !allowed(host.host)) return deny(reply, 403, 'this Host is not allowed; add it to api.allowedHosts');
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let originHost: string | null = null;
      try {
        originHost = new URL(origin).hostname.replace(/^\[|\]$/g, '').toLowerCase();
      } catch {
        originHost = null;
      }
      if (!originHost || !allowed(originHost)) return deny(reply, 403, 'cross-origin requests are not allowed');
    }
    // Unknown API paths need a token too, so probing without one learns nothing about which routes exist.
    const unmatchedApi = req.routeOptions.url === undefined && req.url.startsWith('/api/');
    const role = req.routeOptions.config?.role ?? (unmatchedApi ? 'client' : undefined);
    if (!role) return;
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const principal = token ? ctx.store.tokens.verify(token) : null;
    if (!principal) {
      // Slow every failure down, so guessing tokens over the network is pointless.
      await new Promise((r) => setTimeout(r, failureDelay));
      return deny(
        reply,
        401,
        token
          ? 'the token is not valid (revoked or mistyped)'
          : 'a Bearer token is required: fts-helper token create NAME',
      );
    }
    if (role === 'admin' && principal.role !== 'admin') return deny(reply, 403, 'this needs an admin token');
    req.principal = principal;
  });
}
