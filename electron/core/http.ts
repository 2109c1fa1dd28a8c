/**
 * HTTP(S) to the helper with its certificate pinned by SHA-256 fingerprint: the TLS handshake is checked
 * before any request byte (and so before the token) is sent. Plain http only for loopback (the sandbox).
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';

/** A fingerprint mismatch, no pin for an https helper, or plain http to another machine. */
export class PinningError extends Error {
  override readonly name = 'PinningError';
  constructor(
    message: string,
    /** `mismatch`: the certificate is not the pinned one (the helper may have a new one: re-read the pin). */
    readonly reason: 'mismatch' | 'missing' | 'insecure' = 'mismatch',
  ) {
    super(message);
  }
}

/** An answer from the helper with an HTTP error status. */
export class HelperHttpError extends Error {
  override readonly name = 'HelperHttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Normalises `ab:cd…` / `ABCD…` to `AB:CD:…`. */
export function normaliseFingerprint(fp: string): string {
  const hex = fp.replace(/[^0-9a-f]/gi, '').toUpperCase();
  return hex.match(/.{2}/g)?.join(':') ?? '';
}

/** An HTTPS agent that accepts exactly one certificate: the pinned one (self-signed is fine). */
export function pinnedAgent(fingerprint: string): https.Agent {
  const want = normaliseFingerprint(fingerprint);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4 });
  agent.createConnection = (options: tls.ConnectionOptions, callback?: (err: Error | null, socket: Duplex) => void) => {
    const socket = tls.connect({ ...options, rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      const got = socket.getPeerCertificate()?.fingerprint256 ?? '';
      if (normaliseFingerprint(got) !== want) {
        const err = new PinningError(
          `the helper's certificate (${got || 'none'}) is not the pinned one (${want}); refusing to send the token`,
        );
        socket.destroy(err);
        callback?.(err, socket);
        return;
      }
      callback?.(null, socket);
    });
    socket.once('error', (err) => callback?.(err, socket));
    return undefined as unknown as Duplex;
  };
  return agent;
}

/** How to reach the helper. */
export interface HelperEndpoint {
  url: string;
  token: string;
  /** Required for https. */
  fingerprint?: string;
}

/** Sends one request; returns the response stream (the caller reads or streams it). */
export function request(
  ep: HelperEndpoint,
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<http.IncomingMessage> {
  const u = new URL(path, ep.url);
  const isHttps = u.protocol === 'https:';
  if (isHttps && !ep.fingerprint)
    return Promise.reject(
      new PinningError(
        'no pinned fingerprint for the helper: set helper.fingerprint or store it in Key Vault',
        'missing',
      ),
    );
  if (!isHttps && !/^(127\.|localhost$|\[::1\]$)/.test(u.hostname))
    return Promise.reject(
      new PinningError('the helper must be reached over https unless it is on this machine', 'insecure'),
    );
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = {
    authorization: `Bearer ${ep.token}`,
    accept: 'application/json',
    ...(opts.headers ?? {}),
  };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  const send = (retry: boolean): Promise<http.IncomingMessage> =>
    new Promise((resolve, reject) => {
      const req = (isHttps ? https : http).request(
        u,
        { method, headers, signal: opts.signal, ...(isHttps ? { agent: agentFor(ep.fingerprint!) } : {}) },
        resolve,
      );
      if (opts.timeoutMs)
        req.setTimeout(opts.timeoutMs, () =>
          req.destroy(new Error(`no answer from the helper within ${opts.timeoutMs} ms`)),
        );
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A kept-alive connection the helper closed meanwhile (it restarted): the request never reached it, so it
        // is sent once more on a new connection (Node's documented pattern with request.reusedSocket).
        if (retry && req.reusedSocket && err.code === 'ECONNRESET') resolve(send(false));
        else reject(err);
      });
      req.end(body);
    });
  return send(true);
}

const agents = new Map<string, https.Agent>();
function agentFor(fp: string): https.Agent {
  const key = normaliseFingerprint(fp);
  let a = agents.get(key);
  if (!a) agents.set(key, (a = pinnedAgent(key)));
  return a;
}

/** Sends a JSON request and parses the JSON answer; throws with the helper's message on 4xx/5xx. */
export async function requestJson<T>(
  ep: HelperEndpoint,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<T> {
  const res = await request(ep, method, path, { body, timeoutMs });
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res) text += chunk as string;
  const status = res.statusCode ?? 0;
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (status >= 400) {
    const msg = (parsed as { message?: string } | null)?.message ?? `HTTP ${status}`;
    throw new HelperHttpError(status, `the helper answered ${status}: ${msg}`);
  }
  return parsed as T;
}
