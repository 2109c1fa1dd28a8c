/**
 * A local Azure Key Vault over HTTPS for tests (see shared/TOOLBOX.md): the real @azure/keyvault-secrets
 * SecretClient talks to it. It answers the first unauthenticated request with the Bearer challenge, then
 * serves `GET /secrets/{name}[/{version}]` and `PUT /secrets/{name}`, keeping versions like the real one, and
 * soft delete as Azure does it: `DELETE /secrets/{name}` moves a secret to `/deletedsecrets/{name}` (GET it,
 * `DELETE` purges it, `POST …/recover` brings it back), and a PUT to a deleted name is 409 until then.
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
  /** The current value, or undefined (also when deleted). */
  get(name: string): string | undefined;
  /** Whether the secret is deleted and not purged (recoverable). */
  isDeleted(name: string): boolean;
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
  const deleted = new Map<string, { versions: Version[]; at: number }>();
  const requests: VaultRequest[] = [];
  let accepted: Set<string> | null = null;
  let down = false;
  let base = '';

  const bundle = (name: string, v: Version) => ({
    value: v.value,
    id: `${base}/secrets/${name}/${v.id}`,
    attributes: {
      enabled: true,
      created: Math.floor(v.created / 1000),
      updated: Math.floor(v.created / 1000),
      recoveryLevel: 'Recoverable+Purgeable',
    },
  });
  const deletedBundle = (name: string, v: Version, at: number) => ({
    ...bundle(name, v),
    recoveryId: `${base}/deletedsecrets/${name}`,
    deletedDate: Math.floor(at / 1000),
    scheduledPurgeDate: Math.floor(at / 1000) + 90 * 86_400,
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
        return send(
          401,
          { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } },
          {
            'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="https://vault.azure.net"`,
          },
        );
      }
      const d = /^\/deletedsecrets\/([0-9a-zA-Z-]+)(\/recover)?\/?$/.exec(url.pathname);
      if (d) {
        const name = d[1]!;
        const gone = deleted.get(name);
        if (!gone)
          return send(404, { error: { code: 'SecretNotFound', message: `Deleted Secret not found: ${name}` } });
        if (d[2] && req.method === 'POST') {
          deleted.delete(name);
          secrets.set(name, gone.versions);
          return send(200, bundle(name, gone.versions.at(-1)!));
        }
        if (!d[2] && req.method === 'GET') return send(200, deletedBundle(name, gone.versions.at(-1)!, gone.at));
        if (!d[2] && req.method === 'DELETE') {
          deleted.delete(name);
          res.writeHead(204);
          return res.end();
        }
        return send(405, { error: { code: 'MethodNotAllowed', message: req.method } });
      }
      const m = /^\/secrets\/([0-9a-zA-Z-]+)(?:\/([0-9a-f]*))?\/?$/.exec(url.pathname);
      if (!m) return send(404, { error: { code: 'NotFound', message: 'no such route' } });
      const name = m[1]!;
      if (req.method === 'DELETE') {
        const list = secrets.get(name);
        if (!list)
          return send(404, {
            error: {
              code: 'SecretNotFound',
              message: `A secret with (name/id) ${name} was not found in this key vault.`,
            },
          });
        secrets.delete(name);
        const at = Date.now();
        deleted.set(name, { versions: list, at });
        return send(200, deletedBundle(name, list.at(-1)!, at));
      }
      if (req.method === 'PUT' && deleted.has(name)) {
        return send(409, {
          error: {
            code: 'Conflict',
            message: `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
            innererror: { code: 'ObjectIsDeletedButRecoverable' },
          },
        });
      }
      if (req.method === 'PUT') {
        let value: unknown;
        try {
          value = (JSON.parse(body) as { value?: unknown }).value;
        } catch {
          value = undefined;
        }
        if (typeof value !== 'string')
          return send(400, { error: { code: 'BadParameter', message: 'value is required' } });
        return send(200, bundle(name, put(name, value)));
      }
      if (req.method === 'GET') {
        const list = secrets.get(name);
        const v = m[2] ? list?.find((x) => x.id === m[2]) : list?.[list.length - 1];
        if (!v)
          return send(404, {
            error: {
              code: 'SecretNotFound',
              message: `A secret with (name/id) ${name} was not found in this key vault.`,
            },
          });
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
    isDeleted: (name) => deleted.has(name),
    acceptTokens: (tokens) => (accepted = tokens ? new Set(tokens) : null),
    setDown: (d) => (down = d),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
