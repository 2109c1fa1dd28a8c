/**
 * The client against a real fts-helper: state reports appear in `/api/v1/clients`, graduation events become
 * exactly one notification per run (also across a reconnect with Last-Event-ID), a blip is not "disconnected",
 * and over HTTPS the token only goes to the pinned certificate.
 * The graduation engine is built elsewhere: these events are published through the helper's EventBus.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientRecord, FtsEvent } from '../../contract/index.js';
import { ClientCore } from '../../electron/core/client.js';
import { parseClientConfig } from '../../electron/core/config.js';
import { KEYCHAIN_KEYS } from '../../electron/core/credentials.js';
import { PinningError, requestJson } from '../../electron/core/http.js';
import type { LinkState } from '../../electron/core/helper-link.js';
import { NotificationModel, type Notification } from '../../electron/core/notifications.js';
import { MemoryCredentialStore, type Mounter } from '../../electron/platform/index.js';
import { startHelper, type RunningHelper } from '../../server-helper/daemon.js';
import { ensureSandbox } from '../../server-helper/sandbox.js';

let helper: RunningHelper;
let tlsHelper: RunningHelper | null = null;
let core: ClientCore;
let token: string;
const silent = pino({ level: 'silent' });

/** Mounts in memory: this test is about the helper link, the mounters are tested elsewhere. */
function memoryMounter(): Mounter {
  const mounted = new Map<string, string>();
  return {
    os: 'linux',
    mount: async (t) => {
      mounted.set(t.share, `/mnt/${t.share}`);
      return { mountPoint: `/mnt/${t.share}` };
    },
    unmount: async (t) => void mounted.delete(t.share),
    list: async () => [...mounted].map(([share, mountPoint]) => ({ share, host: '127.0.0.1', mountPoint })),
  };
}

function graduationRun(runId: number, moved: number): void {
  const bus = helper.ctx.bus;
  bus.publish('graduation.started', { runId, job: 'graduation', from: 'flux', to: 'space', dryRun: false });
  for (let i = 1; i <= 3; i++)
    bus.publish('graduation.progress', {
      runId,
      job: 'graduation',
      scanned: i * 100,
      moved: i * 10,
      bytesMoved: i * 1e6,
      currentPath: `/flux/f${i}`,
    });
  bus.publish('graduation.finished', {
    runId,
    job: 'graduation',
    scanned: 300,
    eligible: moved,
    moved,
    bytesMoved: 5.6e9,
    skipped: {},
    failed: 0,
    examples: ['a.mov'],
    from: 'flux',
    to: 'space',
    durationMs: 1200,
  });
}

beforeAll(async () => {
  const sb = ensureSandbox(mkdtempSync(join(tmpdir(), 'fts-e2e-')));
  helper = await startHelper({ config: sb.config, listen: '127.0.0.1:0', log: silent, sseHeartbeatMs: 500 });
  token = helper.store.tokens.create('count-zero', 'client', { clientId: 'count-zero' });
});

afterAll(async () => {
  await core?.close();
  await helper?.close();
  await tlsHelper?.close();
});

describe('client ↔ real fts-helper', () => {
  it('reports state, follows events, notifies once per run, and survives a reconnect without a false alarm', async () => {
    const store = new MemoryCredentialStore();
    await store.set(KEYCHAIN_KEYS.helperToken, token);
    await store.set(KEYCHAIN_KEYS.smb, JSON.stringify({ username: 'ana', password: 'pw' }));
    const config = parseClientConfig(
      JSON.stringify({
        clientId: 'count-zero',
        helper: { url: helper.url, heartbeat: '1s', disconnectGrace: '30s' },
        server: { host: '127.0.0.1' },
      }),
    );
    core = new ClientCore(config, {
      store,
      mounter: memoryMounter(),
      mountOptions: { probe: async () => true, autoRetry: false },
      host: { hostName: 'count-zero', os: 'darwin', osVersion: '25.1' },
    });

    const notes = new NotificationModel();
    const shown: Notification[] = [];
    const states: LinkState[] = [];
    const seen: FtsEvent[] = [];
    const link = core.link({
      minBackoffMs: 100,
      onStatus: (s) => states.push(s.state),
      onEvent: (e) => {
        seen.push(e);
        const n = notes.ingest(e);
        if (n) shown.push(n);
      },
    });
    link.start();
    await expect.poll(() => link.current.state, { timeout: 10_000 }).toBe('connected');

    const ep = { url: helper.url, token };
    const clients = () => requestJson<ClientRecord[]>(ep, 'GET', '/api/v1/clients');
    await expect
      .poll(async () => (await clients()).find((c) => c.id === 'count-zero')?.shares.map((s) => s.state), {
        timeout: 10_000,
      })
      .toEqual(['unmounted', 'unmounted', 'unmounted']);
    await core.mounts.mountAll();
    // The change is reported on its own, without waiting for the heartbeat.
    await expect
      .poll(async () => (await clients()).find((c) => c.id === 'count-zero')?.shares.map((s) => s.state), {
        timeout: 10_000,
      })
      .toEqual(['mounted', 'mounted', 'mounted']);
    const rec = (await clients()).find((c) => c.id === 'count-zero')!;
    expect(rec).toMatchObject({ hostName: 'count-zero', os: 'darwin', online: true });

    graduationRun(41, 1234);
    await expect.poll(() => seen.some((e) => e.type === 'graduation.finished'), { timeout: 10_000 }).toBe(true);
    expect(shown.map((n) => n.title)).toEqual(['Graduated 1,234 files (5.6 GB) from Flux to Space']);

    // A blip: the helper drops every connection; the next run is published before the client is back,
    // so it arrives only through the Last-Event-ID replay.
    const lastBefore = link.current.lastEventId;
    helper.app.server.closeAllConnections();
    graduationRun(42, 10);
    await expect.poll(() => shown.length, { timeout: 10_000 }).toBe(2);
    await expect.poll(() => link.current.state, { timeout: 10_000 }).toBe('connected');
    expect(shown.map((n) => n.key)).toEqual(['graduation#41', 'graduation#42']);
    expect(shown[1]!.title).toBe('Graduated 10 files (5.6 GB) from Flux to Space');
    // Every event came exactly once, in order, none lost across the reconnect.
    const ids = seen.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(seen.filter((e) => e.id > lastBefore && e.type.startsWith('graduation')).length).toBe(5);
    expect(states).toContain('reconnecting');
    expect(states).not.toContain('disconnected');
    await link.stop();
  });

  it('a real outage (longer than the grace period) shows as disconnected, and the link comes back by itself', async () => {
    const sb = ensureSandbox(mkdtempSync(join(tmpdir(), 'fts-e2e-outage-')));
    let h = await startHelper({ config: sb.config, listen: '127.0.0.1:0', log: silent });
    const port = new URL(h.url).port;
    const tok = h.store.tokens.create('outage', 'client', { clientId: 'outage' });
    const store = new MemoryCredentialStore();
    await store.set(KEYCHAIN_KEYS.helperToken, tok);
    const config = parseClientConfig(
      JSON.stringify({ clientId: 'outage', helper: { url: h.url, disconnectGrace: '300ms' } }),
    );
    const c = new ClientCore(config, {
      store,
      mounter: memoryMounter(),
      host: { hostName: 'outage', os: 'linux', osVersion: '6' },
    });
    const states: LinkState[] = [];
    const link = c.link({ minBackoffMs: 50, maxBackoffMs: 200, onStatus: (st) => states.push(st.state) });
    try {
      link.start();
      await expect.poll(() => link.current.state, { timeout: 10_000 }).toBe('connected');
      await h.close();
      await expect.poll(() => link.current.state, { timeout: 10_000 }).toBe('disconnected');
      h = await startHelper({ config: sb.config, listen: `127.0.0.1:${port}`, log: silent });
      await expect.poll(() => link.current.state, { timeout: 10_000 }).toBe('connected');
      expect(states).toEqual(expect.arrayContaining(['reconnecting', 'disconnected', 'connected']));
    } finally {
      await c.close();
      await h.close();
    }
  });

  it('over HTTPS the token goes only to the pinned certificate', async () => {
    const sb = ensureSandbox(mkdtempSync(join(tmpdir(), 'fts-e2e-tls-')));
    tlsHelper = await startHelper({
      config: { ...sb.config, api: { ...sb.config.api, tls: 'auto' } },
      listen: '127.0.0.1:0',
      log: silent,
    });
    const tlsToken = tlsHelper.store.tokens.create('pin-test', 'client');
    const wrong = 'AA:'.repeat(31) + 'AA';
    const err = await requestJson(
      { url: tlsHelper.url, token: tlsToken, fingerprint: wrong },
      'GET',
      '/api/v1/status',
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PinningError);
    // The token was never presented: the helper has no record of its use.
    expect(tlsHelper.store.tokens.list().find((t) => t.name === 'pin-test')?.lastUsedAt).toBeNull();
    await expect(requestJson({ url: tlsHelper.url, token: tlsToken }, 'GET', '/api/v1/status')).rejects.toThrow(
      /no pinned fingerprint/,
    );
    const status = await requestJson<{ server: { name: string } }>(
      { url: tlsHelper.url, token: tlsToken, fingerprint: tlsHelper.fingerprint! },
      'GET',
      '/api/v1/status',
    );
    expect(status.server.name).toBe('motoko');
  });
});
