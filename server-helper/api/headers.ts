/**
 * Security headers on every response (the dashboard's pages above all). A `<meta>` CSP cannot forbid framing,
 * so `frame-ancestors` and X-Frame-Options must travel as HTTP headers. Four fixed headers need no library;
 * @fastify/helmet's defaults would add cross-origin isolation headers the dashboard has no use for.
 */
import type { FastifyInstance } from 'fastify';

/** The dashboard's policy: its own scripts, styles and API only, and never inside another site's frame. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; object-src 'none'; frame-ancestors 'none'";

/** The headers every response carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Adds the security headers to every response fastify sends (the SSE stream writes its own). */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });
}
