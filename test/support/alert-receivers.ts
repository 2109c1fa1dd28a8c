/**
 * Local receivers for alert tests (see shared/TOOLBOX.md): a node:http server on loopback that stands in for
 * ntfy, a webhook and a dead-man ping service, and a real SMTP server (npm smtp-server) that offers STARTTLS
 * with a self-signed certificate and checks the login.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { makeTestCert, type TestCert } from './tls.js';

/** One request the HTTP receiver got. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** How the receiver answers a request: a status (and body), or `hang` (never answers until released). */
export type Answer = { status: number; body?: string } | 'hang';

/** A running HTTP receiver. */
export interface HttpReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Requests left unanswered (`hang`), still open. */
  open(): number;
  /** Decides each answer (default 200 "ok"). */
  answer(fn: (req: ReceivedRequest, n: number) => Answer): void;
  /** Answers every hanging request with 200 and closes it. */
  release(): void;
  close(): Promise<void>;
}

/** Starts an HTTP receiver on a free loopback port. */
export async function startHttpReceiver(): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  let decide: (req: ReceivedRequest, n: number) => Answer = () => ({ status: 200, body: 'ok' });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(r);
      const a = decide(r, requests.length);
      if (a === 'hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      res.writeHead(a.status, { 'content-type': 'text/plain' }).end(a.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    open: () => [...hanging].filter((r) => !r.destroyed && !r.writableEnded).length,
    answer: (fn) => {
      decide = fn;
    },
    release: () => {
      for (const r of hanging) if (!r.destroyed) r.writeHead(200).end('ok');
      hanging.clear();
    },
    close: async () => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One message the SMTP server accepted. */
export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  headers: Map<string, unknown>;
  /** Whether the session was encrypted (after STARTTLS) when the message came. */
  secure: boolean;
  user: string | null;
}

/** A running SMTP server. */
export interface SmtpReceiver {
  port: number;
  cert: TestCert;
  mails: ReceivedMail[];
  /** Logins tried: user, whether the password matched, and whether the session was encrypted then. */
  logins: { user: string; ok: boolean; secure: boolean }[];
  close(): Promise<void>;
}

/** Starts an SMTP server on a free loopback port with STARTTLS (unless `noStartTls`) and a login `user`/`password`. */
export async function startSmtpReceiver(opts: {
  user: string;
  password: string;
  noStartTls?: boolean;
}): Promise<SmtpReceiver> {
  const cert = makeTestCert();
  const mails: ReceivedMail[] = [];
  const logins: SmtpReceiver['logins'] = [];
  const server = new SMTPServer({
    secure: false,
    key: cert.key,
    cert: cert.cert,
    // A server without STARTTLS at all (hiding it from EHLO is not enough: a client that insists still gets it).
    ...(opts.noStartTls ? { hideSTARTTLS: true, disabledCommands: ['STARTTLS'] } : {}),
    // smtp-server refuses AUTH before TLS unless told otherwise; the no-STARTTLS server must accept it so a test
    // can show that the client never offers the password there.
    allowInsecureAuth: !!opts.noStartTls,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, session, cb) {
      const ok = auth.username === opts.user && auth.password === opts.password;
      logins.push({ user: auth.username ?? '', ok, secure: session.secure });
      cb(ok ? null : new Error('Invalid username or password'), ok ? { user: auth.username } : undefined);
    },
    onData(stream, session, cb) {
      simpleParser(stream)
        .then((m) => {
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: m.subject ?? '',
            text: m.text ?? '',
            headers: m.headers,
            secure: session.secure,
            user: (session.user as string | undefined) ?? null,
          });
          cb();
        })
        .catch(cb);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, cert, mails, logins, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Waits until cond() holds, checking every 10 ms; fails with `what` after 20 s (a safety net, not an assertion on time). */
export async function waitUntil(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting until ${what}`);
}
