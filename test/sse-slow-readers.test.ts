/**
 * Event streams cannot starve the helper: 200 streams that ask for everything (`Last-Event-ID: 0`) against
 * 10,000 stored events and then never read leave the helper (a real `fts-helper serve` process) under 250 MB
 * of peak RSS, and another client still gets live events. Replay is written only as fast as a reader takes it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { EventBus } from '../server-helper/runs/bus.js';
import { ensureSandbox } from '../server-helper/sandbox.js';
import { openStore } from '../server-helper/store/index.js';
import { startTestHelper, type TestHelper } from './support/helper.js';
import { readSse, waitFor, type Frame } from './support/sse.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'fts-helper.mjs');
const STORED = 10_000;
const SILENT_STREAMS = 200;
const RSS_LIMIT = 250 * 2 ** 20;

let dir: string;
let child: ChildProcess;
let url: string;
let adminToken: string;
let storePath: string;
const readerTokens: string[] = [];
let liveToken: string;
const silent: Socket[] = [];

/** Peak resident set size of a process (VmHWM), in bytes. */
function peakRss(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

/** One metric's value from the helper's /metrics (0 when absent). */
async function metric(name: string, at = { url: '', token: '' }): Promise<number> {
  const text = await (
    await fetch(`${at.url || url}/metrics`, { headers: { authorization: `Bearer ${at.token || adminToken}` } })
  ).text();
  const m = new RegExp(`^${name.replace(/[{}"=]/g, (c) => `\\${c}`)} (\\d+(?:\\.\\d+)?)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** Publishes an event from another process's handle on the same store, as a CLI run would. */
function publishElsewhere(reason: string): void {
  const store = openStore(storePath);
  try {
    new EventBus(store.events).publish('share.changed', { shares: ['flux'], reason });
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fts-sse-slow-'));
  const sb = ensureSandbox(join(dir, 'sb'));
  // On a busy two-core machine opening 200 replays can take a while; no stream may be dropped as stalled meanwhile.
  const yaml = parse(readFileSync(sb.configPath, 'utf8')) as { api: Record<string, unknown> };
  yaml.api.sseStallTimeout = '1h';
  writeFileSync(sb.configPath, stringify(yaml));
  storePath = sb.config.store.path;
  adminToken = readFileSync(sb.adminTokenFile, 'utf8').trim();
  const store = openStore(storePath);
  try {
    // 10,000 events of about 800 bytes each: 8 MB of replay per stream that asks for all of them, more than the
    // kernel's socket buffers take (tcp_wmem's 4 MB at most), so the rest waits in the helper or is not read yet.
    store.db.transaction(() => {
      for (let i = 1; i <= STORED; i++) {
        store.events.append('graduation.progress', {
          runId: 1,
          job: 'graduation',
          scanned: i,
          moved: i,
          bytesMoved: i * 4096,
          currentPath: `/flux/projects/${'deep/'.repeat(120)}file-${i}.mov`,
        });
      }
    })();
    // Streams are capped per token (8 by default): the silent readers use 25 tokens, the live client its own.
    for (let i = 0; i < SILENT_STREAMS / 8; i++) readerTokens.push(store.tokens.create(`silent-${i}`, 'client'));
    liveToken = store.tokens.create('live-reader', 'client');
  } finally {
    store.close();
  }
  child = spawn('node', [BIN, 'serve', '--sandbox', join(dir, 'sb'), '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`fts-helper serve exited with ${code} before it listened`)));
  });
}, 120_000);

afterAll(() => {
  for (const s of silent) s.destroy();
  child?.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('event streams whose readers do not read', () => {
  it(`${SILENT_STREAMS} silent replays of ${STORED} events keep the helper under 250 MB, and a live client still gets events`, async () => {
    const { host, port } = new URL(url);
    for (let i = 0; i < SILENT_STREAMS; i++) {
      const s = connect({ host: host.replace(/:\d+$/, ''), port: Number(port) });
      // Never read: the helper's frames pile up in the kernel's buffers, then wherever the helper keeps them.
      s.pause();
      s.on('error', () => undefined);
      s.write(
        `GET /api/v1/events HTTP/1.1\r\nhost: ${host}\r\nauthorization: Bearer ${readerTokens[Math.floor(i / 8)]}\r\nlast-event-id: 0\r\naccept: text/event-stream\r\n\r\n`,
      );
      silent.push(s);
    }
    const deadline = Date.now() + 120_000;
    while ((await metric('fts_sse_connections')) < SILENT_STREAMS) {
      if (Date.now() > deadline)
        throw new Error(`timed out: ${SILENT_STREAMS} streams open (${await metric('fts_sse_connections')})`);
      await new Promise((r) => setTimeout(r, 100));
    }

    // Another client, reading, joins live and gets an event published now.
    const frames: Frame[] = [];
    const ac = new AbortController();
    const res = await readSse(
      `${url}/api/v1/events?since=${await metric('fts_event_last_id')}`,
      { headers: { authorization: `Bearer ${liveToken}` }, signal: ac.signal },
      (f) => frames.push(f),
    );
    try {
      expect(res.status).toBe(200);
      publishElsewhere('first live event');
      await waitFor(
        () => frames.some((f) => f.data.includes('first live event')),
        60_000,
        'the live client gets the first event',
      );
      expect(peakRss(child.pid!), 'peak RSS after the replays started').toBeLessThan(RSS_LIMIT);

      // Every replay still under way ends up waiting for its reader, holding no more than its socket's buffer.
      const settledBy = Date.now() + 120_000;
      for (;;) {
        const [replaying, waiting] = [
          await metric('fts_sse_streams{state="replaying"}'),
          await metric('fts_sse_streams{state="waiting"}'),
        ];
        if (replaying === waiting) break;
        if (Date.now() > settledBy)
          throw new Error(`timed out: replays waiting for their readers (${waiting} of ${replaying})`);
        await new Promise((r) => setTimeout(r, 100));
      }
      publishElsewhere('second live event');
      await waitFor(
        () => frames.some((f) => f.data.includes('second live event')),
        60_000,
        'the live client gets the second event',
      );
      expect(frames.map((f) => f.event)).toEqual(['share.changed', 'share.changed']);
      expect(peakRss(child.pid!), 'peak RSS with every replay waiting').toBeLessThan(RSS_LIMIT);
    } finally {
      ac.abort();
    }
  }, 300_000);

  it('a ninth stream on one token is refused with 429; closing one makes room', async () => {
    const token = readerTokens[0]!; // holds 8 silent streams already
    const r = await fetch(`${url}/api/v1/events`, { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(429);
    expect(await r.json()).toEqual({
      error: 'too-many-requests',
      message: 'the token "silent-0" already holds 8 event streams (api.sseStreamsPerToken): close one first',
    });
    const before = await metric('fts_sse_connections');
    silent[0]!.destroy();
    const deadline = Date.now() + 30_000;
    while ((await metric('fts_sse_connections')) >= before) {
      if (Date.now() > deadline) throw new Error('timed out: the helper did not notice the closed stream');
      await new Promise((r) => setTimeout(r, 50));
    }
    const ac = new AbortController();
    const again = await fetch(`${url}/api/v1/events?since=999999999`, {
      headers: { authorization: `Bearer ${token}` },
      signal: ac.signal,
    });
    expect(again.status).toBe(200);
    ac.abort();
  });
});

describe('a reader that stops reading is dropped, and may come back', () => {
  let h: TestHelper;
  beforeAll(async () => {
    h = await startTestHelper({
      tweak: (c) => {
        c.api.sseMaxBufferedBytes = '64K';
        c.api.sseStallTimeout = '300ms';
      },
    });
  });
  afterAll(() => h?.stop());

  /** Opens a stream from `from` on a raw socket that does not read; `closed` resolves once it reads again and finds the end. */
  function silentStream(from: number): { closed: Promise<void>; socket: Socket } {
    const u = new URL(h.url);
    const socket = connect({ host: u.hostname, port: Number(u.port) });
    socket.pause();
    socket.on('error', () => undefined);
    socket.write(
      `GET /api/v1/events HTTP/1.1\r\nhost: ${u.host}\r\nauthorization: Bearer ${h.adminToken}\r\nlast-event-id: ${from}\r\n\r\n`,
    );
    return { socket, closed: new Promise((r) => socket.on('close', () => r())) };
  }

  const m = (name: string) => metric(name, { url: h.url, token: h.adminToken });
  const bigEvent = (i: number) =>
    h.ctx.bus.publish('graduation.progress', {
      runId: 2,
      job: 'graduation',
      scanned: i,
      moved: i,
      bytesMoved: i,
      currentPath: `/flux/${'x'.repeat(1000)}-${i}`,
    });

  it('live: once it leaves more than api.sseMaxBufferedBytes unread, the helper drops it', async () => {
    const { socket, closed } = silentStream(h.ctx.bus.lastDeliveredId());
    try {
      for (;;) {
        if ((await m('fts_sse_streams{state="live"}')) === 1) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      // Publish until the kernel's buffers and then the 64 KiB allowance are full; the next event drops it.
      for (let i = 0; (await m('fts_sse_dropped_total')) === 0; i += 200) {
        if (i >= 50_000) throw new Error('50,000 events and the silent reader is still connected');
        for (let j = i; j < i + 200; j++) bigEvent(j);
      }
      expect(await m('fts_sse_connections')).toBe(0);
      // The helper closed the connection: reading again, the client finds its end.
      socket.resume();
      await closed;
    } finally {
      socket.destroy();
    }
  });

  it('replay: a reader that takes nothing for api.sseStallTimeout is dropped; a reconnect resumes from its last id', async () => {
    // More stored than the kernel takes for a socket, so the replay has to wait for this reader.
    for (let i = 0; i < 8_000; i++) bigEvent(i);
    const before = await m('fts_sse_dropped_total');
    const { socket, closed } = silentStream(0);
    while ((await m('fts_sse_dropped_total')) === before) await new Promise((r) => setTimeout(r, 50));
    expect(await m('fts_sse_dropped_total')).toBe(before + 1);
    expect(await m('fts_sse_connections')).toBe(0);
    socket.resume();
    await closed;
    // A reader that reads gets the live stream with the same token, resuming where it asks.
    const frames: Frame[] = [];
    const ac = new AbortController();
    const last = h.ctx.bus.lastDeliveredId();
    await readSse(
      `${h.url}/api/v1/events`,
      { headers: { authorization: `Bearer ${h.adminToken}`, 'last-event-id': String(last - 3) }, signal: ac.signal },
      (f) => frames.push(f),
    );
    await waitFor(() => frames.length >= 3, 10_000, 'the last three events');
    expect(frames.map((f) => f.id)).toEqual([last - 2, last - 1, last]);
    ac.abort();
  });
});
