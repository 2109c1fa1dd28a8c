/**
 * A stand-in for Entra ID's token service over HTTPS on 127.0.0.1 (Entra cannot be reached here): the OpenID
 * configuration MSAL reads for an authority and the client-credentials grant the helper's Key Vault credential
 * uses (a client secret). Point `keyVault.authorityHost` at `url` and trust `cert` (NODE_EXTRA_CA_CERTS for
 * child processes), so the helper's real MSAL and Key Vault code run unchanged, in this process or in a child.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { TestCert } from './tls.js';

/** A running token service. */
export interface TestEntra {
  /** The authority host, e.g. https://127.0.0.1:PORT. */
  url: string;
  /** Access tokens it issued, in order (give them to the vault's acceptTokens to refuse any other). */
  issued: string[];
  close(): Promise<void>;
}

/** Starts the token service for one tenant and one confidential client (its id and secret). */
export async function startEntra(opts: {
  cert: TestCert;
  tenantId: string;
  clientId: string;
  clientSecret: string;
}): Promise<TestEntra> {
  const issued: string[] = [];
  let base = '';
  const server: Server = createServer({ cert: opts.cert.cert, key: opts.cert.key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const authority = `${base}/${opts.tenantId}`;
      if (req.method === 'GET' && url.pathname === `/${opts.tenantId}/v2.0/.well-known/openid-configuration`) {
        return send(200, {
          token_endpoint: `${authority}/oauth2/v2.0/token`,
          authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
          issuer: `${authority}/v2.0`,
          jwks_uri: `${authority}/discovery/v2.0/keys`,
          response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
        });
      }
      if (req.method === 'POST' && url.pathname === `/${opts.tenantId}/oauth2/v2.0/token`) {
        const form = new URLSearchParams(body);
        if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== opts.clientId)
          return send(400, { error: 'invalid_request' });
        if (form.get('client_secret') !== opts.clientSecret)
          return send(401, {
            error: 'invalid_client',
            error_description: 'AADSTS7000215: Invalid client secret provided.',
          });
        const token = `entra-at-${randomBytes(8).toString('hex')}`;
        issued.push(token);
        return send(200, { token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: token });
      }
      return send(404, { error: 'not_found', path: url.pathname });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: base,
    issued,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
