/** The pure parts of alerts: levels, wording and kinds, channel filters, coalescing, backoff, redaction, headers, config. */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventLevel, type FtsEvent } from '../../contract/index.js';
import { AlertChannel, AlertsConfig } from '../config/alerts-schema.js';
import { HelperConfig } from '../config/schema.js';
import { AlertStore } from '../store/alerts.js';
import { openStore } from '../store/index.js';
import { headerText } from './channels/ntfy.js';
import { describeEvent } from './describe.js';
import { channelWants, coalesce } from './policy.js';
import { AlertSecrets, redact } from './secrets.js';
import { backoffDelay } from './service.js';

const ts = '2025-12-02T03:00:00.000Z';
const ev = (type: string, data: Record<string, unknown>, id = 1): FtsEvent =>
  ({ id, ts, type, data }) as unknown as FtsEvent;
const failed = (runId: number, extra: Record<string, unknown> = {}) =>
  ev('backup.failed', { runId, job: 'backup', reason: 'locked', operation: 'backup', cancelled: false, ...extra });
const driveWarning = (code: string) =>
  ev('drive.warning', { role: 'space', mountPoint: '/space', warning: { code, message: `space: ${code}` } });

describe('levels', () => {
  it('follow the data where it matters, and the name for event types without a rule', () => {
    expect(eventLevel(failed(1))).toBe('error');
    expect(eventLevel(failed(1, { cancelled: true }))).toBe('info');
    expect(eventLevel(ev('backup.finished', { warning: 'retention did not run' }))).toBe('warning');
    expect(eventLevel(ev('backup.finished', { warning: null }))).toBe('info');
    expect(eventLevel(ev('graduation.finished', { failed: 2 }))).toBe('warning');
    expect(eventLevel(ev('graduation.finished', { failed: 0 }))).toBe('info');
    expect(eventLevel(driveWarning('usage-high'))).toBe('warning');
    expect(eventLevel(driveWarning('not-mounted'))).toBe('error');
    expect(eventLevel(ev('graduation.progress', {}))).toBe('info');
    // A type the table does not know yet (a new feature's event; these names are made up) is judged by its name.
    expect(eventLevel(ev('timemachine.warning', { code: 'verification-failed' }))).toBe('warning');
    expect(eventLevel(ev('restore.verification-failed', {}))).toBe('error');
    expect(eventLevel(ev('restore.stale', {}))).toBe('warning');
    expect(eventLevel(ev('restore.seen', {}))).toBe('info');
  });
});

describe('describeEvent', () => {
  it('words an event and gives its run and its kind', () => {
    const d = describeEvent(failed(42, { job: 'backup-offsite' }), 'motoko');
    expect(d).toEqual({
      level: 'error',
      title: 'Backup failed on motoko',
      body: 'locked\n\nJob backup-offsite, run #42.',
      kind: 'backup.failed:backup-offsite',
      runKey: 'backup-offsite#42',
    });
    expect(describeEvent(failed(1, { operation: 'check' }), 'motoko').title).toBe('Backup check failed on motoko');
    expect(describeEvent(driveWarning('usage-high'), 'motoko')).toMatchObject({
      kind: 'drive.warning:space:usage-high',
      runKey: null,
      title: 'The space drive on motoko needs attention',
      body: 'space: usage-high (/space)',
    });
  });

  it('words an event type it has no text for from its data, with a kind from its subject fields', () => {
    const d = describeEvent(
      ev('restore.stale', {
        machine: 'count-zero',
        bundle: 'count-zero.sparsebundle',
        lastBackup: '2025-11-20T10:00:00Z',
        days: 12,
        nested: { x: 1 },
      }),
      'motoko',
    );
    expect(d).toEqual({
      level: 'warning',
      title: 'Restore stale on motoko',
      body: 'machine: count-zero\nbundle: count-zero.sparsebundle\nlastBackup: 2025-11-20T10:00:00Z\ndays: 12',
      kind: 'restore.stale:count-zero:count-zero.sparsebundle',
      runKey: null,
    });
  });
});

describe('channelWants', () => {
  const ch = (c: Record<string, unknown>) => AlertChannel.parse({ name: 'c', url: 'https://example.com/t', ...c });
  it('takes the listed events at or above the minimum level', () => {
    const all = ch({ type: 'ntfy' });
    expect(channelWants(all, failed(1), 'error')).toBe(true);
    expect(channelWants(all, ev('backup.finished', {}), 'info')).toBe(false);
    const listed = ch({ type: 'webhook', events: ['drive.warning'], minLevel: 'error' });
    expect(channelWants(listed, driveWarning('not-mounted'), 'error')).toBe(true);
    expect(channelWants(listed, driveWarning('usage-high'), 'warning')).toBe(false);
    expect(channelWants(listed, failed(1), 'error')).toBe(false);
  });

  it('a dead-man switch takes finished backups and failed ones, not retention, checks or cancelled runs', () => {
    const dm = ch({ type: 'deadman' });
    expect(channelWants(dm, ev('backup.finished', { runId: 1, job: 'backup' }), 'info')).toBe(true);
    expect(channelWants(dm, failed(1), 'error')).toBe(true);
    expect(channelWants(dm, failed(1, { operation: 'prune' }), 'error')).toBe(false);
    expect(channelWants(dm, failed(1, { cancelled: true }), 'info')).toBe(false);
    expect(channelWants(dm, ev('graduation.failed', { runId: 1, job: 'graduation' }), 'error')).toBe(false);
    const offsite = ch({ type: 'deadman', jobs: ['offsite'] });
    expect(channelWants(offsite, failed(1), 'error')).toBe(false);
  });
});

describe('coalesce', () => {
  it('tells a run once, holds repeats of a kind within the window, and never holds a dead-man ping', () => {
    const store = openStore(':memory:');
    try {
      const alerts = new AlertStore(store.db);
      const hook = AlertChannel.parse({
        name: 'hook',
        type: 'webhook',
        url: 'https://example.com/h',
        repeatWindow: '1h',
      });
      const dm = AlertChannel.parse({ name: 'dm', type: 'deadman', url: 'https://example.com/p' });
      const at = (min: number) => Date.parse(ts) + min * 60_000;
      const c = (runId: number) => describeEvent(failed(runId), 'motoko');
      expect(coalesce(alerts, hook, c(1), at(0))).toEqual({ send: true, heldBack: 0 });
      expect(coalesce(alerts, hook, c(1), at(1))).toEqual({ send: false, reason: 'run-already-told' });
      expect(coalesce(alerts, hook, c(2), at(2))).toEqual({ send: false, reason: 'repeat' });
      expect(coalesce(alerts, hook, c(3), at(59))).toEqual({ send: false, reason: 'repeat' });
      expect(coalesce(alerts, hook, c(4), at(60))).toEqual({ send: true, heldBack: 2 });
      expect(coalesce(alerts, hook, c(5), at(61))).toEqual({ send: false, reason: 'repeat' });
      expect(coalesce(alerts, dm, c(6), at(62))).toEqual({ send: true, heldBack: 0 });
      expect(coalesce(alerts, dm, c(7), at(63))).toEqual({ send: true, heldBack: 0 });
      expect(coalesce(alerts, dm, c(7), at(64))).toEqual({ send: false, reason: 'run-already-told' });
    } finally {
      store.close();
    }
  });
});

describe('backoff', () => {
  it('doubles from the initial delay up to the maximum', () => {
    const p = { initialDelayMs: 30_000, maxDelayMs: 600_000, giveUpAfterMs: 86_400_000 };
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(p, n))).toEqual([
      30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000,
    ]);
  });
});

describe('redact', () => {
  it('removes a secret as is, URL-encoded and in base64, and a secret URL’s path and query', () => {
    const secret = 'p@ss w/rd+1';
    const text = `a ${secret} b ${encodeURIComponent(secret)} c ${Buffer.from(secret).toString('base64')}`;
    expect(redact(text, [secret])).toBe('a [redacted] b [redacted] c [redacted]');
    expect(
      redact('POST /ping/abc-123-def?rid=xyz99 failed at https://hc.example/ping/abc-123-def', [
        'https://hc.example/ping/abc-123-def?rid=xyz99',
      ]),
    ).toBe('POST /[redacted]?[redacted] failed at https://hc.example/[redacted]');
    expect(redact('nothing to hide', ['ab'])).toBe('nothing to hide');
  });
});

describe('ntfy headers', () => {
  it('keeps ASCII and encodes anything else as RFC 2047 base64 on one line', () => {
    expect(headerText('Backup failed on motoko')).toBe('Backup failed on motoko');
    const encoded = headerText('Graduation on motoko: 2 files → space\nagain');
    expect(encoded).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
    expect(Buffer.from(encoded.slice(10, -2), 'base64').toString('utf8')).toBe(
      'Graduation on motoko: 2 files → space again',
    );
  });
});

describe('the alerts config', () => {
  it('fills defaults and names the field of each mistake', () => {
    const ok = AlertsConfig.parse({ channels: [{ name: 'phone', type: 'ntfy', url: 'https://ntfy.sh/t' }] });
    expect(ok.channels[0]).toMatchObject({ minLevel: 'warning', repeatWindow: '1h' });
    expect(ok.retry).toEqual({ initialDelay: '30s', maxDelay: '30m', giveUpAfter: '24h' });
    const issues = (input: unknown) =>
      AlertsConfig.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues({ channels: [{ name: 'Phone!', type: 'ntfy', url: 'https://ntfy.sh/t' }] })[0]).toMatch(
      /^channels\.0\.name: a channel name/,
    );
    expect(
      issues({ channels: [{ name: 'm', type: 'email', host: 'mail', from: 'a@b.c', to: ['not-an-address'] }] }),
    ).toEqual(['channels.0.to.0: an e-mail address']);
    expect(
      issues({
        channels: [{ name: 'm', type: 'email', host: 'mail', from: 'a@b.c', to: ['ops@example.com'], user: 'fts' }],
      }),
    ).toEqual(['channels.0.password: a user needs a password (a file or a Key Vault secret)']);
    expect(
      issues({
        channels: [{ name: 'm', type: 'email', host: 'mail', from: 'a@b.c', to: ['ops@example.com'], tls: 'none' }],
      })[0],
    ).toMatch(/^channels\.0\.tls: /);
    expect(
      issues({
        channels: [{ name: 'h', type: 'webhook', url: 'https://x.example/h', bearer: { file: 'relative/path' } }],
      })[0],
    ).toMatch(/^channels\.0\.bearer/);
  });
});

describe('alert secrets', () => {
  it('name the field and what to do, never the value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fts-alert-secrets-'));
    const loose = join(dir, 'loose');
    writeFileSync(loose, 'the-secret-value\n');
    chmodSync(loose, 0o644);
    const secrets = new AlertSecrets(HelperConfig.parse({ keyVault: { name: 'kv-miket-ops' } }));
    const err = await secrets.read({ file: loose }, 'alerts channel hook: bearer').catch((e: Error) => e);
    expect((err as Error).message).toBe(
      `alerts channel hook: bearer: the secret file ${loose} is readable by others (mode 644): run chmod 600 ${loose}`,
    );
    chmodSync(loose, 0o600);
    expect(await secrets.read({ file: loose }, 'x')).toBe('the-secret-value');
    // Key Vault from the server needs its own credential: the message says which keys are missing.
    await expect(secrets.read({ keyVault: 'fts-hook' }, 'alerts channel hook: bearer')).rejects.toThrow(
      'alerts channel hook: bearer: keyVault.tenantId and keyVault.clientId are needed to use Key Vault from the server',
    );
  });
});
