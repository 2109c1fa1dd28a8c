/**
 * `fts-helper alerts list|test` as a person runs them (the real CLI in a child process), against local
 * receivers: an SMTP server with STARTTLS and node:http servers for ntfy, a webhook and a dead-man ping.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { AlertChannelStatus, AlertMessage } from '../contract/index.js';
import { freePort } from './support/ports.js';
import {
  startHttpReceiver,
  startSmtpReceiver,
  type HttpReceiver,
  type SmtpReceiver,
} from './support/alert-receivers.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'fts-helper.mjs');
const BEARER = 'cli-bearer-7a6b5c4d3e2f';
const SMTP_PASSWORD = 'cli-smtp-pass-1q2w3e4r';
const TOPIC = 'motoko-topic-s3cret-91';
const SECRETS = [BEARER, SMTP_PASSWORD, TOPIC];

/** Runs fts-helper without blocking this process (the receivers answer from its event loop). */
function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('node', [BIN, ...args], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr });
    });
  });
}

let dir: string;
let ntfy: HttpReceiver;
let hook: HttpReceiver;
let hc: HttpReceiver;
let mail: SmtpReceiver;
let configFile: string;

/** Writes a config file with these alert channels; secrets go to 0600 files. */
function writeConfig(name: string, channels: unknown[], extra: Record<string, unknown> = {}): string {
  const f = join(dir, name);
  writeFileSync(
    f,
    stringify({
      server: { name: 'motoko' },
      store: { path: join(dir, 'helper.db') },
      ...extra,
      alerts: { timeout: '5s', channels },
    }),
  );
  return f;
}

function secret(name: string, value: string): string {
  const f = join(dir, name);
  writeFileSync(f, `${value}\n`, { mode: 0o600 });
  return f;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fts-alerts-cli-'));
  [ntfy, hook, hc, mail] = await Promise.all([
    startHttpReceiver(),
    startHttpReceiver(),
    startHttpReceiver(),
    startSmtpReceiver({ user: 'fts', password: SMTP_PASSWORD }),
  ]);
  configFile = writeConfig('helper.yaml', [
    { name: 'phone', type: 'ntfy', url: `${ntfy.url}/${TOPIC}` },
    {
      name: 'hook',
      type: 'webhook',
      url: `${hook.url}/fts`,
      bearer: { file: secret('bearer', BEARER) },
      events: ['backup.failed', 'drive.warning'],
    },
    {
      name: 'mail',
      type: 'email',
      host: '127.0.0.1',
      port: mail.port,
      caCert: mail.cert.certFile,
      user: 'fts',
      password: { file: secret('smtp', SMTP_PASSWORD) },
      from: 'fts@motoko.example',
      to: ['ops@example.com'],
    },
    { name: 'hc', type: 'deadman', url: `${hc.url}/ping/abc` },
  ]);
});

afterAll(async () => {
  await Promise.all([ntfy?.close(), hook?.close(), hc?.close(), mail?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('fts-helper alerts', () => {
  it('test sends one message to every channel and says each was sent', async () => {
    const r = await run(['alerts', 'test', '--config', configFile, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const results = JSON.parse(r.out) as { channel: string; ok: boolean; target: string }[];
    expect(results.map((x) => [x.channel, x.ok])).toEqual([
      ['phone', true],
      ['hook', true],
      ['mail', true],
      ['hc', true],
    ]);
    expect(ntfy.requests).toHaveLength(1);
    expect(ntfy.requests[0]!.headers.title).toBe('Test alert from motoko');
    expect(AlertMessage.parse(JSON.parse(hook.requests[0]!.body))).toMatchObject({
      test: true,
      event: null,
      channel: 'hook',
    });
    expect(hook.requests[0]!.headers.authorization).toBe(`Bearer ${BEARER}`);
    expect(mail.mails).toHaveLength(1);
    expect(mail.mails[0]).toMatchObject({ subject: '[motoko] Test alert from motoko', secure: true, user: 'fts' });
    // The dead-man test goes to /log, which does not count as a backup.
    expect(hc.requests.map((x) => x.path)).toEqual(['/ping/abc/log']);
    for (const s of SECRETS) expect(r.out).not.toContain(s);
  });

  it('test CHANNEL sends to that channel only; an unknown name exits 2 naming the channels', async () => {
    const r = await run(['alerts', 'test', 'hook', '--config', configFile]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^hook \(webhook http:\/\/127\.0\.0\.1:\d+\): sent\n$/);
    expect(hook.requests).toHaveLength(2);
    expect(ntfy.requests).toHaveLength(1);
    const bad = await run(['alerts', 'test', 'pager', '--config', configFile]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('no alert channel named "pager"; channels: phone, hook, mail, hc');
  });

  it('list shows each channel, its target without the topic or any secret, and its filters', async () => {
    const r = await run(['alerts', 'list', '--config', configFile, '--json']);
    expect(r.code).toBe(0);
    const list = AlertChannelStatus.array().parse(JSON.parse(r.out));
    expect(list.map((s) => [s.name, s.type, s.target, s.events, s.minLevel])).toEqual([
      ['phone', 'ntfy', ntfy.url, null, 'warning'],
      ['hook', 'webhook', hook.url, ['backup.failed', 'drive.warning'], 'warning'],
      ['mail', 'email', `smtp://127.0.0.1:${mail.port}`, null, 'warning'],
      ['hc', 'deadman', hc.url, ['backup.finished', 'backup.failed'], 'info'],
    ]);
    const text = await run(['alerts', 'list', '--config', configFile]);
    expect(text.out).toContain('every event at warning or above; repeats at most every 1h');
    for (const s of SECRETS) expect(r.out + text.out).not.toContain(s);
  });

  it('a channel that is down fails the test with exit 1 and an error without secrets', async () => {
    const closed = await freePort();
    const rejecting = await startHttpReceiver();
    // A receiver that echoes what it was sent, as a careless proxy might.
    rejecting.answer((req) => ({ status: 401, body: `token ${req.headers.authorization} not valid for ${req.path}` }));
    try {
      const f = writeConfig('down.yaml', [
        {
          name: 'gone',
          type: 'webhook',
          url: `http://127.0.0.1:${closed}/x`,
          bearer: { file: secret('bearer2', BEARER) },
        },
        { name: 'refused', type: 'ntfy', url: `${rejecting.url}/${TOPIC}`, token: { file: secret('tok', BEARER) } },
        {
          name: 'mail',
          type: 'email',
          host: '127.0.0.1',
          port: mail.port,
          caCert: mail.cert.certFile,
          user: 'fts',
          password: { file: secret('wrong', 'not-the-password-xyz') },
          from: 'fts@motoko.example',
          to: ['ops@example.com'],
        },
      ]);
      const r = await run(['alerts', 'test', '--config', f, '--json']);
      expect(r.code).toBe(1);
      const results = JSON.parse(r.out) as { channel: string; ok: boolean; error: string }[];
      expect(results.map((x) => x.ok)).toEqual([false, false, false]);
      expect(results[0]!.error).toBe(`could not reach http://127.0.0.1:${closed}: ECONNREFUSED`);
      expect(results[1]!.error).toBe(
        `${rejecting.url} answered HTTP 401 Unauthorized: token Bearer [redacted] not valid for /[redacted]`,
      );
      expect(results[2]!.error).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+: Invalid login/);
      expect(r.err).toBe('fts-helper: the test message did not reach gone, refused, mail\n');
      for (const s of [...SECRETS, 'not-the-password-xyz']) expect(r.out + r.err).not.toContain(s);
    } finally {
      await rejecting.close();
    }
  });

  it('config check names the field of a bad channel and exits 2', async () => {
    const f = writeConfig('bad.yaml', [
      { name: 'hook', type: 'webhook', url: 'http://127.0.0.1:1/x', events: ['backup.failed', 'backup.exploded'] },
      { name: 'phone', type: 'ntfy', url: 'ftp://example.com/topic' },
    ]);
    const r = await run(['config', 'check', f]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /line \d+: alerts\.channels\.0\.events\.1: unknown event type "backup\.exploded"; event types: graduation\.started, /,
    );
    expect(r.err).toMatch(/line \d+: alerts\.channels\.1\.url: /);
    // Checks across channels run once each channel is valid on its own.
    const g = writeConfig('bad2.yaml', [
      { name: 'hook', type: 'webhook', url: 'http://127.0.0.1:1/x' },
      { name: 'hook', type: 'webhook', url: 'http://127.0.0.1:1/y', bearer: { keyVault: 'alerts-bearer' } },
    ]);
    const r2 = await run(['config', 'check', g]);
    expect(r2.code).toBe(2);
    expect(r2.err).toContain('alerts.channels.1.name: two channels are named "hook"');
    const h = writeConfig('bad3.yaml', [
      { name: 'kv', type: 'webhook', url: 'http://127.0.0.1:1/y', bearer: { keyVault: 'alerts-bearer' } },
    ]);
    const r3 = await run(['config', 'check', h]);
    expect(r3.code).toBe(2);
    expect(r3.err).toContain(
      'alerts.channels.0.bearer.keyVault: a Key Vault secret needs a keyVault section in the config',
    );
  });
});
