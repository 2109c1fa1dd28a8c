/** Starts and stops the helper: store, event bus, API server. The `serve` command and the tests use this. */
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { isIP } from 'node:net';
import type { HelperConfig } from './config/schema.js';
import type { AppContext } from './api/context.js';
import { buildServer, type RoutePlugin } from './api/server.js';
import { ensureTls } from './tls.js';
import { hostIdentity, ownHostMatcher } from './system/host-names.js';
import { EventBus } from './runs/bus.js';
import { openStore, type Store } from './store/index.js';
import { VERSION } from './version.js';
import { StartError } from './start-error.js';

/** How to start the helper. */
export interface StartOptions {
  config: HelperConfig;
  /** Overrides `api.listen` (HOST:PORT; port 0 picks a free one). */
  listen?: string;
  insecureLan?: boolean;
  log?: Logger;
  plugins?: RoutePlugin[];
  /** Extra services for the API (drives, jobs) supplied by features. */
  extend?: (ctx: AppContext) => void | Promise<void>;
  sseHeartbeatMs?: number;
}

/** A running helper. */
export interface RunningHelper {
  url: string;
  fingerprint: string | null;
  ctx: AppContext;
  app: FastifyInstance;
  store: Store;
  close(): Promise<void>;
}

export { StartError };

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

/** Splits HOST:PORT (IPv6 in brackets). */
export function splitListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}

/** Opens the store, builds the server and listens. */
export async function startHelper(opts: StartOptions): Promise<RunningHelper> {
  const config = opts.config;
  const { host, port } = splitListen(opts.listen ?? config.api.listen);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new StartError(`listen port must be 0-65535, got "${opts.listen ?? config.api.listen}"`);
  const identity = await hostIdentity();
  const tls = await ensureTls(config, { identity });
  if (!tls && !isLoopbackHost(host) && !(opts.insecureLan || config.api.insecureLan)) {
    throw new StartError(
      `refusing to listen on ${host} without TLS: set api.tls to auto (or certificate files), or pass --insecure-lan`,
    );
  }
  const log = opts.log ?? pino({ name: 'fts-helper' });
  if (tls?.replacedFor.length)
    log.warn(
      { fingerprint: tls.fingerprint, missing: tls.replacedFor },
      `the API certificate did not name ${tls.replacedFor.join(', ')} and was made again: clients pin the old fingerprint until one of them is paired again (fts-helper clients pair NAME writes the new one to Key Vault, where the others read it)`,
    );
  const store = openStore(config.store.path, { eventRetention: config.store.eventRetention });
  const bus = new EventBus(store.events);
  bus.watch();
  const ctx: AppContext = {
    config,
    store,
    bus,
    log,
    version: VERSION,
    startedAt: Date.now(),
    sseHeartbeatMs: opts.sseHeartbeatMs,
    isOwnHost: ownHostMatcher(identity),
  };
  try {
    await opts.extend?.(ctx);
    const { app } = await buildServer(ctx, { ...(tls ? { tls } : {}), plugins: opts.plugins });
    await app.listen({ host, port });
    const addr = app.server.address();
    const boundPort = typeof addr === 'object' && addr ? addr.port : port;
    const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
    const url = `${tls ? 'https' : 'http'}://${urlHost}:${boundPort}`;
    return {
      url,
      fingerprint: tls?.fingerprint ?? null,
      ctx,
      app,
      store,
      close: async () => {
        await app.close();
        for (const hook of ctx.onClose ?? []) await hook();
        bus.close();
        store.close();
      },
    };
  } catch (err) {
    for (const hook of ctx.onClose ?? []) await hook().catch(() => {});
    bus.close();
    store.close();
    throw err;
  }
}
