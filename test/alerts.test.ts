/**
 * Alerts against real receivers on loopback: an SMTP server with STARTTLS (smtp-server, self-signed cert) and
 * node:http servers standing in for ntfy, a webhook and a dead-man ping service. Events go through the real
 * event bus and store; logs are captured and searched for secrets.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertMessage, type EventDataOf, type EventType } from '../contract/index.js';
import { AlertService } from '../server-helper/alerts/service.js';
import { AlertsConfig } from '../server-helper/config/alerts-schema.js';
import { HelperConfig } from '../server-helper/config/schema.js';
import { EventBus } from '../server-helper/runs/bus.js';
import { createJobService } from '../server-helper/jobs/service.js';
import { AlertStore } from '../server-helper/store/alerts.js';
import { openStore, type Store } from '../server-helper/store/index.js';
import { keyVaultSecrets, type SecretSource as VaultReader } from '../server-helper/system/keyvault.js';
import { ensureSandbox } from '../server-helper/sandbox.js';
import {
  startHttpReceiver,
  startSmtpReceiver,
  waitUntil,
  type HttpReceiver,
  type SmtpReceiver,
} from './support/alert-receivers.js';
import { startKeyVault } from './support/keyvault.js';
import { startTestHelper } from './support/helper.js';

const BEARER = 'whk-s3cret-bearer-9f8e7d6c';
const NTFY_TOKEN = 'tk_ntfyS3cretToken1234567';
const SMTP_USER = 'fts@motoko.example';
const SMTP_PASSWORD = 'smtp-P4ss-w0rd-5a6b7c';
const PING_ID = '5f2a9c1e-secret-ping-id';
const SECRETS = [BEARER, NTFY_TOKEN, SMTP_PASSWORD, PING_ID, Buffer.from(SMTP_PASSWORD).toString('base64')];

/** A pino logger whose lines are kept in memory. */
function captureLog(): { log: Logger; lines: string[]; entries: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
  return { log, lines, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** Writes a 0600 secret file. */
function secretFile(dir: string, name: string, value: string): string {
  const f = join(dir, name);
  writeFileSync(f, `${value}\n`, { mode: 0o600 });
  chmodSync(f, 0o600);
  return f;
}

/** Full event data as the bus stores it (defaults applied), for writing events at chosen times. */
const failedBackup = (runId: number, job = 'backup') => ({
  runId,
  job,
  reason: 'restic: repository is already locked',
  operation: 'backup' as const,
  cancelled: false,
});

let dir: string;
let store: Store;
let bus: EventBus;
const open: { close(): Promise<void> | void }[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fts-alerts-'));
  store = openStore(join(dir, 'helper.db'));
  bus = new EventBus(store.events);
});

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
  bus.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a service over the test's store and bus; closed after the test. */
function startService(config: HelperConfig, log: Logger, opts: { vault?: VaultReader } = {}): AlertService {
  const s = new AlertService({ config, store, bus, log, vault: opts.vault });
  s.start();
  open.push(s);
  return s;
}

async function receiver(): Promise<HttpReceiver> {
  const r = await startHttpReceiver();
  open.push(r);
  return r;
}

async function smtp(opts: { noStartTls?: boolean } = {}): Promise<SmtpReceiver> {
  const r = await startSmtpReceiver({ user: SMTP_USER, password: SMTP_PASSWORD, ...opts });
  open.push(r);
  return r;
}

const pending = (name: string) => new AlertStore(store.db).record(name).pending;

/** The alertable events the issue names, one per kind, each of its own run. */
const ALERTABLE: { [T in EventType]?: EventDataOf<T> }[] = [
  { 'graduation.failed': { runId: 1, job: 'graduation', reason: 'the space drive is not mounted' } },
  {
    'graduation.finished': {
      runId: 2,
      job: 'graduation',
      scanned: 10,
      eligible: 5,
      moved: 3,
      bytesMoved: 3 << 20,
      skipped: {},
      failed: 2,
      examples: ['Projects/a.pdf'],
      from: 'flux',
      to: 'space',
      durationMs: 1200,
    },
  },
  { 'backup.failed': { runId: 3, job: 'backup', reason: 'restic: repository is already locked', operation: 'backup' } },
  {
    'backup.finished': {
      runId: 4,
      job: 'backup',
      snapshotId: 'abc123',
      filesNew: 5,
      filesChanged: 1,
      dataAdded: 1 << 20,
      durationMs: 3000,
      warning: '2 file(s) could not be read and are not in the snapshot',
    },
  },
  {
    'drive.warning': {
      role: 'space',
      mountPoint: '/space',
      warning: { code: 'usage-high', message: 'space is 91 % full' },
    },
  },
  {
    'timemachine.warning': {
      host: 'count-zero',
      hostKey: 'count-zero',
      clientIds: ['count-zero'],
      bundle: 'count-zero.backupbundle',
      code: 'stale',
      message: 'no completed backup for 9 days',
      lastBackup: '2025-11-23T09:00:00.000Z',
      usage: 0.4,
    },
  },
];

function publishAll(list: typeof ALERTABLE): void {
  for (const item of list)
    for (const [type, data] of Object.entries(item)) bus.publish(type as EventType, data as never);
}

describe('alerts reach every channel', () => {
  it('each alertable event kind reaches ntfy, the webhook, e-mail (STARTTLS) exactly once, and backup results reach the dead-man switch', async () => {
    const [ntfy, hook, hc, mail] = await Promise.all([receiver(), receiver(), receiver(), smtp()]);
    const config = HelperConfig.parse({
      server: { name: 'motoko' },
      store: { path: join(dir, 'helper.db') },
      alerts: {
        channels: [
          {
            name: 'phone',
            type: 'ntfy',
            url: `${ntfy.url}/motoko-alerts`,
            token: { file: secretFile(dir, 'ntfy-token', NTFY_TOKEN) },
          },
          {
            name: 'hook',
            type: 'webhook',
            url: `${hook.url}/fts`,
            bearer: { file: secretFile(dir, 'bearer', BEARER) },
          },
          {
            name: 'mail',
            type: 'email',
            host: '127.0.0.1',
            port: mail.port,
            caCert: mail.cert.certFile,
            user: SMTP_USER,
            password: { file: secretFile(dir, 'smtp-password', SMTP_PASSWORD) },
            from: 'FTS on motoko <fts@motoko.example>',
            to: ['ops@example.com'],
          },
          { name: 'hc', type: 'deadman', url: { file: secretFile(dir, 'ping-url', `${hc.url}/ping/${PING_ID}`) } },
        ],
      },
    });
    const { log, lines } = captureLog();
    const service = startService(config, log);

    publishAll(ALERTABLE);
    // What no channel at warning level takes: progress, starts, a clean backup (the dead-man switch takes that), a cancelled run, a replay of a run already told.
    bus.publish('backup.started', {
      runId: 5,
      job: 'backup',
      engine: 'restic',
      repository: 's3:https://b2/bucket',
      operation: 'backup',
    });
    bus.publish('backup.progress', {
      runId: 5,
      job: 'backup',
      percentDone: 0.5,
      filesDone: 1,
      totalFiles: 2,
      bytesDone: 10,
      totalBytes: 20,
    });
    bus.publish('backup.finished', {
      runId: 5,
      job: 'backup',
      snapshotId: 'def456',
      filesNew: 1,
      filesChanged: 0,
      dataAdded: 10,
      durationMs: 100,
      warning: null,
    });
    bus.publish('backup.failed', {
      runId: 6,
      job: 'backup',
      reason: 'backup cancelled',
      operation: 'backup',
      cancelled: true,
    });
    bus.publish('graduation.failed', { runId: 1, job: 'graduation', reason: 'interrupted' });
    bus.publish('client.seen', { clientId: 'count-zero', hostName: 'count-zero', wasOfflineMs: null });

    await waitUntil(
      () => ntfy.requests.length >= 6 && hook.requests.length >= 6 && mail.mails.length >= 6 && hc.requests.length >= 3,
      'every channel got its messages',
    );
    await waitUntil(() => ['phone', 'hook', 'mail', 'hc'].every((c) => pending(c) === 0), 'every outbox is empty');
    // Decisions are made when an event is published and every outbox is empty: nothing more can arrive.
    expect(ntfy.requests).toHaveLength(6);
    expect(hook.requests).toHaveLength(6);
    expect(mail.mails).toHaveLength(6);
    expect(hc.requests).toHaveLength(3);

    const kinds = [
      'graduation.failed',
      'graduation.finished',
      'backup.failed',
      'backup.finished',
      'drive.warning',
      'timemachine.warning',
    ];
    const hookMessages = hook.requests.map((r) => AlertMessage.parse(JSON.parse(r.body)));
    expect(hookMessages.map((m) => m.event!.type).sort()).toEqual([...kinds].sort());
    expect(hookMessages.map((m) => m.level)).toEqual(['error', 'warning', 'error', 'warning', 'warning', 'warning']);
    expect(hookMessages[0]).toMatchObject({
      source: 'fts-helper',
      server: 'motoko',
      channel: 'hook',
      title: 'Graduation failed on motoko',
      heldBack: 0,
      test: false,
    });
    expect(hook.requests.every((r) => r.headers.authorization === `Bearer ${BEARER}` && r.path === '/fts')).toBe(true);

    expect(
      ntfy.requests.every((r) => r.path === '/motoko-alerts' && r.headers.authorization === `Bearer ${NTFY_TOKEN}`),
    ).toBe(true);
    expect(ntfy.requests.map((r) => r.headers.title)).toEqual(hookMessages.map((m) => m.title));
    expect(ntfy.requests.map((r) => r.headers.priority)).toEqual(['5', '4', '5', '4', '4', '4']);
    expect(hookMessages[5]).toMatchObject({
      title: 'Time Machine backup of count-zero on motoko needs attention',
      kind: 'timemachine.warning:count-zero.backupbundle:stale',
    });
    expect(ntfy.requests[4]!.body).toContain('space is 91 % full');

    expect(mail.mails.map((m) => m.subject)).toEqual(hookMessages.map((m) => `[motoko] ${m.title}`));
    expect(mail.mails.every((m) => m.secure && m.user === SMTP_USER && m.to.join() === 'ops@example.com')).toBe(true);
    expect(mail.logins.every((l) => l.ok && l.secure)).toBe(true);
    expect(mail.mails[2]!.text).toContain('restic: repository is already locked');

    // Dead-man: /fail for the failed backup, the ping URL for each finished one (with and without a warning).
    expect(hc.requests.map((r) => r.path)).toEqual([`/ping/${PING_ID}/fail`, `/ping/${PING_ID}`, `/ping/${PING_ID}`]);
    expect(hc.requests[0]!.body).toContain('repository is already locked');

    expect(service.statuses().map((s) => [s.name, s.sent, s.pending, s.givenUp])).toEqual([
      ['phone', 6, 0, 0],
      ['hook', 6, 0, 0],
      ['mail', 6, 0, 0],
      ['hc', 3, 0, 0],
    ]);
    const all = lines.join('\n');
    for (const s of SECRETS) expect(all).not.toContain(s);
    expect(all).toContain('alert sent');
  });

  it('after a restart it sends what happened while it was stopped, once, and nothing it had sent', async () => {
    const hook = await receiver();
    const config = HelperConfig.parse({
      store: { path: join(dir, 'helper.db') },
      alerts: { channels: [{ name: 'hook', type: 'webhook', url: hook.url }] },
    });
    const { log } = captureLog();
    const first = startService(config, log);
    bus.publish('graduation.failed', { runId: 1, job: 'graduation', reason: 'first' });
    await waitUntil(() => hook.requests.length === 1 && pending('hook') === 0, 'the first alert arrived');
    await first.close();

    // Another process (a CLI run) publishes while the daemon is stopped.
    const other = openStore(join(dir, 'helper.db'));
    const otherBus = new EventBus(other.events);
    otherBus.publish('backup.failed', {
      runId: 7,
      job: 'backup-offsite',
      reason: 'while stopped',
      operation: 'backup',
    });
    otherBus.close();
    other.close();

    startService(config, log);
    await waitUntil(() => hook.requests.length >= 2 && pending('hook') === 0, 'the missed alert arrived');
    expect(hook.requests.map((r) => (JSON.parse(r.body) as AlertMessage).body.split('\n')[0])).toEqual([
      'first',
      'while stopped',
    ]);
  });

  it('reads a webhook bearer from Key Vault (the real SecretClient against the local vault)', async () => {
    const kv = await startKeyVault();
    open.push(kv);
    kv.set('alerts-webhook-bearer', BEARER);
    const hook = await receiver();
    const settings = { name: 'kv-test', url: kv.url };
    const config = HelperConfig.parse({
      store: { path: join(dir, 'helper.db') },
      keyVault: settings,
      alerts: {
        channels: [{ name: 'hook', type: 'webhook', url: hook.url, bearer: { keyVault: 'alerts-webhook-bearer' } }],
      },
    });
    // Entra ID cannot run here: a credential that hands the vault a token, as MSAL would.
    const vault = keyVaultSecrets(settings, {
      credential: { getToken: async () => ({ token: 'server-at', expiresOnTimestamp: Date.now() + 3_600_000 }) },
      ca: kv.cert.cert,
    });
    const { log, lines } = captureLog();
    startService(config, log, { vault });
    bus.publish('drive.warning', {
      role: 'flux',
      mountPoint: '/flux',
      warning: { code: 'not-mounted', message: 'flux is not mounted' },
    });
    await waitUntil(() => hook.requests.length === 1, 'the webhook got the alert');
    expect(hook.requests[0]!.headers.authorization).toBe(`Bearer ${BEARER}`);
    expect(kv.requests.some((r) => r.path.startsWith('/secrets/alerts-webhook-bearer'))).toBe(true);
    expect(lines.join('\n')).not.toContain(BEARER);
  });
});

describe('coalescing', () => {
  it('one message per run, and repeats of a kind at most once per window, with the count held back', async () => {
    const hook = await receiver();
    const config = HelperConfig.parse({
      store: { path: join(dir, 'helper.db') },
      alerts: { channels: [{ name: 'hook', type: 'webhook', url: hook.url, repeatWindow: '1h' }] },
    });
    const { log, entries } = captureLog();
    startService(config, log);
    const t0 = Date.now();
    const at = (minutes: number) => t0 + minutes * 60_000;
    // Events written with their own times (the service counts windows by event time), then delivered by the bus.
    store.events.append('backup.failed', failedBackup(10), at(0));
    store.events.append('backup.failed', failedBackup(11), at(1));
    store.events.append('backup.failed', failedBackup(11), at(2));
    store.events.append('backup.failed', failedBackup(12), at(5));
    store.events.append(
      'drive.warning',
      { role: 'flux', mountPoint: '/flux', warning: { code: 'not-mounted', message: 'flux is not mounted' } },
      at(10),
    );
    store.events.append('backup.failed', failedBackup(13), at(61));
    bus.deliverPending();

    await waitUntil(() => hook.requests.length >= 3 && pending('hook') === 0, 'three alerts arrived');
    const got = hook.requests.map((r) => AlertMessage.parse(JSON.parse(r.body)));
    expect(got.map((m) => [m.kind, (m.event!.data as { runId?: number }).runId ?? null, m.heldBack])).toEqual([
      ['backup.failed:backup', 10, 0],
      ['drive.warning:flux:not-mounted', null, 0],
      ['backup.failed:backup', 13, 2],
    ]);
    expect(
      entries()
        .filter((e) => e.msg === 'alert held back')
        .map((e) => e.reason),
    ).toEqual(['repeat', 'run-already-told', 'repeat']);
  });
});

describe('a channel that is down', () => {
  it('is retried with backoff and logged, without secrets, while other channels go on', async () => {
    const [hook, ntfy] = await Promise.all([receiver(), receiver()]);
    // The first two tries fail with an answer that echoes the bearer token and the secret URL back.
    hook.answer((r, n) =>
      n <= 2
        ? { status: 503, body: `upstream down; you sent ${r.headers.authorization} to ${r.path}` }
        : { status: 200 },
    );
    const config = HelperConfig.parse({
      store: { path: join(dir, 'helper.db') },
      alerts: {
        retry: { initialDelay: '20ms', maxDelay: '1s' },
        channels: [
          {
            name: 'hook',
            type: 'webhook',
            url: { file: secretFile(dir, 'hook-url', `${hook.url}/hooks/${PING_ID}`) },
            bearer: { file: secretFile(dir, 'bearer', BEARER) },
          },
          { name: 'phone', type: 'ntfy', url: `${ntfy.url}/topic` },
        ],
      },
    });
    const { log, lines, entries } = captureLog();
    const service = startService(config, log);
    bus.publish('backup.failed', { runId: 3, job: 'backup', reason: 'B2 answered 500', operation: 'backup' });

    await waitUntil(() => hook.requests.length >= 3 && pending('hook') === 0, 'the webhook accepted the third try');
    expect(ntfy.requests).toHaveLength(1);
    expect(hook.requests).toHaveLength(3);
    expect(new Set(hook.requests.map((r) => r.body)).size).toBe(1);
    const retries = entries().filter((e) => e.msg === 'alert not delivered; will retry');
    expect(retries.map((e) => [e.channel, e.attempt, e.retryInMs])).toEqual([
      ['hook', 1, 20],
      ['hook', 2, 40],
    ]);
    expect(retries[0]!.error).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+ answered HTTP 503 Service Unavailable: upstream down; you sent Bearer \[redacted\] to \/\[redacted\]$/,
    );
    expect(entries().find((e) => e.msg === 'alert sent' && e.channel === 'hook')).toMatchObject({ attempts: 3 });
    const status = service.statuses().find((s) => s.name === 'hook')!;
    expect(status).toMatchObject({ sent: 1, pending: 0, givenUp: 0 });
    expect(status.lastError).toContain('[redacted]');
    for (const s of SECRETS) {
      expect(lines.join('\n')).not.toContain(s);
      expect(JSON.stringify(service.statuses())).not.toContain(s);
    }
  });

  it('gives a message up once it has failed for longer than giveUpAfter, logged as an error', async () => {
    const hook = await receiver();
    hook.answer(() => ({ status: 500 }));
    const config = HelperConfig.parse({
      store: { path: join(dir, 'helper.db') },
      alerts: {
        retry: { initialDelay: '10ms', giveUpAfter: '1h' },
        channels: [{ name: 'hook', type: 'webhook', url: hook.url }],
      },
    });
    // A message that has waited two hours already (the helper was down, or the channel was), waiting when the service starts.
    const twoHoursAgo = Date.now() - 2 * 3_600_000;
    const message = {
      source: 'fts-helper',
      server: 'motoko',
      channel: 'hook',
      level: 'error',
      title: 't',
      body: 'b',
      kind: 'k',
      event: null,
      heldBack: 0,
      test: false,
      ts: new Date(twoHoursAgo).toISOString(),
    };
    new AlertStore(store.db).enqueue('hook', JSON.stringify(message), twoHoursAgo);
    const { log, entries } = captureLog();
    const service = startService(config, log);
    await waitUntil(() => entries().some((e) => String(e.msg).startsWith('alert given up')), 'the alert was given up');
    expect(entries().find((e) => String(e.msg).startsWith('alert given up'))).toMatchObject({
      level: 50,
      channel: 'hook',
      attempts: 1,
    });
    expect(service.statuses()[0]).toMatchObject({ pending: 0, sent: 0, givenUp: 1 });
    expect(hook.requests).toHaveLength(1);
  });

  it('never blocks a job: a real graduation run fails and ends while the webhook holds the alert unanswered', async () => {
    const hook = await receiver();
    hook.answer(() => 'hang');
    const sb = ensureSandbox(join(dir, 'sandbox'));
    // Graduation refuses to run when its destination is missing: a real failure, published by the real task.
    rmSync(sb.config.drives.space!.mountPoint, { recursive: true, force: true });
    const config = HelperConfig.parse({
      ...structuredClone(sb.config),
      store: { ...sb.config.store, path: join(dir, 'helper.db') },
      alerts: {
        timeout: '2s',
        retry: { initialDelay: '10s' },
        channels: [{ name: 'hook', type: 'webhook', url: hook.url }],
      },
    });
    const { log, entries } = captureLog();
    startService(config, log);
    const jobs = createJobService({ config, store, bus, log, schedule: false });
    open.push(jobs);
    const run = await jobs.runner.start('graduation', 'manual').done;
    expect(run.status).toBe('failed');
    await waitUntil(() => hook.requests.length === 1, 'the webhook got the request');
    // The job is over; the channel still has not answered.
    expect(hook.open()).toBe(1);
    expect(AlertMessage.parse(JSON.parse(hook.requests[0]!.body)).event!.type).toBe('graduation.failed');
    // The hung request is cut off after alerts.timeout and retried later.
    await waitUntil(() => entries().some((e) => e.msg === 'alert not delivered; will retry'), 'the timeout was logged');
    expect(entries().find((e) => e.msg === 'alert not delivered; will retry')!.error).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+ did not answer within 2 s$/,
    );
  });
});

describe('e-mail', () => {
  it('refuses to log in to a server that does not offer STARTTLS: the password is never sent', async () => {
    const mail = await smtp({ noStartTls: true });
    const config = HelperConfig.parse({
      store: { path: join(dir, 'helper.db') },
      alerts: {
        retry: { initialDelay: '10s' },
        channels: [
          {
            name: 'mail',
            type: 'email',
            host: '127.0.0.1',
            port: mail.port,
            caCert: mail.cert.certFile,
            user: SMTP_USER,
            password: { file: secretFile(dir, 'pw', SMTP_PASSWORD) },
            from: 'fts@motoko.example',
            to: ['ops@example.com'],
          },
        ],
      },
    });
    const { log, lines, entries } = captureLog();
    startService(config, log);
    bus.publish('graduation.failed', { runId: 1, job: 'graduation', reason: 'x' });
    await waitUntil(() => entries().some((e) => e.msg === 'alert not delivered; will retry'), 'the failure was logged');
    expect(mail.logins).toEqual([]);
    expect(mail.mails).toEqual([]);
    expect(String(entries().find((e) => e.msg === 'alert not delivered; will retry')!.error)).toMatch(
      /^smtp:\/\/127\.0\.0\.1:\d+: .*STARTTLS/i,
    );
    expect(lines.join('\n')).not.toContain(SMTP_PASSWORD);
  });
});

describe('the daemon', () => {
  it('sends alerts for events another process publishes (a CLI run while the daemon serves)', async () => {
    const hook = await receiver();
    const helper = await startTestHelper({
      tweak: (c) =>
        void (c.alerts = AlertsConfig.parse({ channels: [{ name: 'hook', type: 'webhook', url: hook.url }] })),
    });
    open.push({ close: () => helper.stop() });
    const cli = openStore(helper.ctx.config.store.path);
    const cliBus = new EventBus(cli.events);
    cliBus.publish('backup.failed', { runId: 99, job: 'backup', reason: 'from the CLI', operation: 'backup' });
    cliBus.close();
    cli.close();
    await waitUntil(() => hook.requests.length === 1, 'the daemon sent the alert');
    expect(AlertMessage.parse(JSON.parse(hook.requests[0]!.body)).body).toContain('from the CLI');
  });

  it('GET /api/v1/alerts and POST /api/v1/alerts/:name/test are for admins; a test goes to the channel now', async () => {
    const hook = await receiver();
    const helper = await startTestHelper({
      tweak: (c) =>
        void (c.alerts = AlertsConfig.parse({
          channels: [{ name: 'hook', type: 'webhook', url: `${hook.url}/secret-path-123` }],
        })),
    });
    open.push({ close: () => helper.stop() });
    const client = helper.clientToken();
    expect((await helper.request('/api/v1/alerts', { token: client })).status).toBe(403);
    expect(
      (
        await helper.request('/api/v1/alerts/hook/test', {
          method: 'POST',
          token: client,
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(403);
    const list = await (await helper.request('/api/v1/alerts')).json();
    expect(list).toEqual([
      expect.objectContaining({ name: 'hook', type: 'webhook', target: hook.url, pending: 0, sent: 0 }),
    ]);
    const res = await helper.request('/api/v1/alerts/hook/test', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ channel: 'hook', type: 'webhook', target: hook.url, ok: true, error: null });
    expect(hook.requests.map((r) => [r.path, AlertMessage.parse(JSON.parse(r.body)).test])).toEqual([
      ['/secret-path-123', true],
    ]);
    const missing = await helper.request('/api/v1/alerts/pager/test', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toBe(
      'no alert channel named "pager"; channels: hook',
    );
  });
});
