/**
 * The IPC channel map over HTTP, for the tray window running in a browser (no Electron here): POST /ipc/<channel>
 * with `{"arg": …}` runs the same validated handlers as ipcMain; GET /ipc/events streams state changes (SSE);
 * everything else serves the built renderer. Loopback only; a request from another Origin or Host is refused,
 * the same sender check the Electron shell does on its IPC.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { ipcChannels } from '../../contract/ipc.js';
import type { CoreFacade } from '../app/core-facade.js';
import { createIpcHandlers, dispatchIpc, IpcRejected, type IpcShell } from '../app/ipc-handlers.js';
import { CONTENT_SECURITY_POLICY } from '../app/security.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/** A running bridge. */
export interface WebBridge {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const STATUS: Record<IpcRejected['code'], number> = {
  'invalid-input': 400,
  'forbidden-sender': 403,
  'unknown-channel': 404,
  'not-found': 404,
};

async function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new IpcRejected('invalid-input', 'request body too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** Starts the bridge on 127.0.0.1 (port 0 picks a free one), serving `staticDir` (the built renderer). */
export async function startWebBridge(opts: {
  core: CoreFacade;
  staticDir: string;
  port?: number;
  shell?: IpcShell;
  defaultPage?: string;
}): Promise<WebBridge> {
  const shell: IpcShell = opts.shell ?? { openPath: async () => undefined, setLoginItem: () => undefined };
  const handlers = createIpcHandlers(opts.core, shell);
  let origin = '';
  const streams = new Set<ServerResponse>();
  const unsubscribe = opts.core.onStateChange((state) => {
    const frame = `event: state\ndata: ${JSON.stringify(state)}\n\n`;
    for (const s of streams) s.write(frame);
  });

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', origin);
      // DNS rebinding and cross-site requests: only our own loopback origin may talk to the bridge.
      if (req.headers.host !== new URL(origin).host)
        return send(res, 403, { error: 'forbidden', message: 'this Host is not allowed' });
      if (url.pathname.startsWith('/ipc/')) {
        if (url.pathname === '/ipc/events' && req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });
          res.write(`event: state\ndata: ${JSON.stringify(opts.core.getState())}\n\n`);
          streams.add(res);
          req.on('close', () => streams.delete(res));
          return;
        }
        if (req.method !== 'POST') return send(res, 405, { error: 'method-not-allowed', message: 'use POST' });
        const channel = decodeURIComponent(url.pathname.slice('/ipc/'.length));
        try {
          const text = await readBody(req);
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : {};
          } catch {
            throw new IpcRejected('invalid-input', 'the body is not JSON');
          }
          const arg = body && typeof body === 'object' && 'arg' in body ? (body as { arg: unknown }).arg : undefined;
          // The Origin header plays the role of Electron's senderFrame.url.
          const sender = { senderFrame: req.headers.origin ? { url: String(req.headers.origin) } : null };
          const result = await dispatchIpc(handlers, channel, sender, arg, { origin });
          return send(res, 200, { result });
        } catch (err) {
          if (err instanceof IpcRejected) return send(res, STATUS[err.code], { error: err.code, message: err.message });
          return send(res, 500, { error: 'failed', message: err instanceof Error ? err.message : String(err) });
        }
      }
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return send(res, 405, { error: 'method-not-allowed', message: 'use GET' });
      const rel = url.pathname === '/' ? (opts.defaultPage ?? 'tray.html') : decodeURIComponent(url.pathname.slice(1));
      const file = normalize(join(opts.staticDir, rel));
      if (!file.startsWith(normalize(opts.staticDir) + sep))
        return send(res, 404, { error: 'not-found', message: 'no such file' });
      try {
        const data = await readFile(file);
        res.writeHead(200, {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'content-security-policy': CONTENT_SECURITY_POLICY,
          'x-content-type-options': 'nosniff',
        });
        res.end(data);
      } catch {
        send(res, 404, { error: 'not-found', message: 'no such file' });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const addr = server.address();
  origin = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    url: origin,
    server,
    close: async () => {
      unsubscribe();
      for (const s of streams) s.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The channels the bridge serves (for tests and docs). */
export const BRIDGE_CHANNELS = Object.keys(ipcChannels);
