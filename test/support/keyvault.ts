/**
 * A local Azure Key Vault over HTTPS for tests (see shared/TOOLBOX.md): the real @azure/keyvault-secrets
 * SecretClient talks to it. It answers the first unauthenticated request with the Bearer challenge, then
 * serves `GET /secrets/{name}[/{version}]` and `PUT /secrets/{name}`, keeping versions like the real one.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import { makeTestCert, type TestCert } from './tls.js';

/** One request the vault saw (for assertions: which secrets were read or written, with what token). */
export interface VaultRequest {
  method: string;
  path: string;
  token: string | null;
}

/** A running local vault. */
export interface TestKeyVault {
  url: string;
  cert: TestCert;
  tenantId: string;
  requests: VaultRequest[];
  /** Sets a secret directly (as an admin would in the portal). */
  set(name: string, value: string): void;
  /** The current value, or undefined. */
  get(name: string): string | undefined;
  /** Only these bearer tokens are accepted (default: any non-empty token). */
  acceptTokens(tokens: string[] | null): void;
  /** Makes the vault refuse connections (simulates an outage) until called with false. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

interface Version {
  id: string;
  value: string;
  created: number;
}

/** Starts a vault on a free port of 127.0.0.1. */
export async function startKeyVault(opts: { tenantId?: string } = {}): Promise<TestKeyVault> {
  const cert = makeTestCert();
  const tenantId = opts.tenantId ?? '00000000-0000-0000-0000-000000000001';
  const secrets = new Map<string, Version[]>();
  const requests: VaultRequest[] = [];
  let accepted: Set<string> | null = null;
  let down = false;
  let base = '';

  const bundle = (name: string, v: Version) => ({
    value: v.value,
    id: `${base}/secrets/${name}/${v.id}`,
    attributes: { enabled: true, created: Math.floor(v.created / 1000), updated: Math.floor(v.created / 1000), recoveryLevel: 'Recoverable+Purgeable' },
  });
  const put = (name: string, value: string) => {
    const list = secrets.get(name) ?? [];
    list.push({ id: randomBytes(16).toString('hex'), value, created: Date.now() });
    secrets.set(name, list);
    return list[list.length - 1]!;
  };

  const server: Server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    if (down) {
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : null;
    requests.push({ method: req.method ?? '', path: url.pathname, token });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (!token || (accepted && !accepted.has(token))) {
        return send(401, { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } }, {
          'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="https://vault.azure.net"`,
        });
      }
      const m = /^\/secrets\/([0-9a-zA-Z-]+)(?:\/([0-9a-f]*))?\/?$/.exec(url.pathname);
      if (!m) return send(404, { error: { code: 'NotFound', message: 'no such route' } });
      const name = m[1]!;
      if (req.method === 'PUT') {
        let value: unknown;
        try {
          value = (JSON.parse(body) as { value?: unknown }).value;
        } catch {
          value = undefined;
        }
        if (typeof value !== 'string') return send(400, { error: { code: 'BadParameter', message: 'value is required' } });
        return send(200, bundle(name, put(name, value)));
      }
      if (req.method === 'GET') {
        const list = secrets.get(name);
        const v = m[2] ? list?.find((x) => x.id === m[2]) : list?.[list.length - 1];
        if (!v) return send(404, { error: { code: 'SecretNotFound', message: `A secret with (name/id) ${name} was not found in this key vault.` } });
        return send(200, bundle(name, v));
      }
      return send(405, { error: { code: 'MethodNotAllowed', message: req.method } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: base,
    cert,
    tenantId,
    requests,
    set: (name, value) => void put(name, value),
    get: (name) => secrets.get(name)?.at(-1)?.value,
    acceptTokens: (tokens) => (accepted = tokens ? new Set(tokens) : null),
    setDown: (d) => (down = d),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
