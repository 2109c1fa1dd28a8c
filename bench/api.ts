/**
 * `npm run bench -- api [--seconds N] [--sse N]`: authenticated state reports per second against a bare
 * fastify JSON route in the same run, and SSE fan-out latency and helper RSS with N connected clients.
 */
import autocannon from 'autocannon';
import { Worker } from 'node:worker_threads';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { ensureSandbox } from '../server-helper/sandbox.js';
import { fmt, line, percentile, rssOf, startChild } from './_util.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, sse: { type: 'string', default: '1000,5000' } },
});
const seconds = Number(values.seconds);
const sseCounts = values.sse!.split(',').map(Number);
const root = join(import.meta.dirname, '..');

async function cannon(url: string, opts: Partial<autocannon.Options>): Promise<autocannon.Result> {
  // Two seconds of warm-up first (JIT, SQLite's page cache), for the helper and the bare route alike.
  await autocannon({ url, connections: 64, pipelining: 1, duration: 2, ...opts });
  return autocannon({ url, connections: 64, pipelining: 1, duration: seconds, ...opts });
}

async function bareFastify(): Promise<number> {
  // The baseline a user would compare with: fastify answering a JSON route, nothing else.
  const code = `const f=require('fastify')();f.put('/x',async()=>({ok:true}));f.listen({port:0,host:'127.0.0.1'}).then(a=>console.log('LISTEN '+a));`;
  const { child, match } = await startChild('node', ['-e', code], /LISTEN (\S+)/);
  try {
    const r = await cannon(`${match[1]}/x`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    return r.requests.average;
  } finally {
    child.kill();
  }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'fts-bench-api-'));
  const sb = join(dir, 'sb');
  // The bench's receivers all use the admin token; the helper caps streams per token (8 by default).
  const sandbox = ensureSandbox(sb);
  const yaml = parse(readFileSync(sandbox.configPath, 'utf8')) as { api: Record<string, unknown> };
  yaml.api.sseStreamsPerToken = Math.max(...sseCounts, 8);
  writeFileSync(sandbox.configPath, stringify(yaml));
  const { child, match } = await startChild(
    'node',
    [join(root, 'bin/fts-helper.mjs'), 'serve', '--sandbox', sb, '--listen', '127.0.0.1:0'],
    /"url":"(http:\/\/[^"]+)"/,
  );
  const url = match[1]!;
  const token = readFileSync(join(sb, 'admin-token'), 'utf8').trim();
  const pid = child.pid!;
  try {
    console.log(`fts-helper API bench (${seconds}s per load, 64 connections, 2-core machine)\n`);
    const bare = await bareFastify();
    const body = JSON.stringify({
      hostName: 'count-zero',
      os: 'darwin',
      appVersion: '1.0.0',
      shares: [
        { share: 'flux', state: 'mounted', mountPoint: '/Volumes/flux', errorCode: null },
        { share: 'space', state: 'unmounted', mountPoint: null, errorCode: null },
      ],
    });
    let n = 0;
    const r = await cannon(url, {
      requests: [
        {
          method: 'PUT',
          setupRequest: (req: autocannon.Request) => ({ ...req, path: `/api/v1/clients/bench-${n++ % 200}/state` }),
        },
      ],
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });
    const bad = r.non2xx + r.errors;
    line('authenticated PUT /clients/{id}/state, stored (req/s)', fmt(r.requests.average), '>= 15,000');
    line('bare fastify JSON route on this machine (req/s)', fmt(bare));
    line('ratio helper / bare fastify', `${fmt(r.requests.average / bare, 2)}`);
    line('report latency p50 / p99 (ms)', `${r.latency.p50} / ${r.latency.p99}`);
    if (bad) line('non-2xx or errors (must be 0)', String(bad));

    for (const count of sseCounts) {
      const latencies = await sseFanout(url, token, count, pid);
      line(
        `SSE fan-out to ${fmt(count)} clients: p50 / p99 (ms)`,
        `${fmt(latencies.p50, 1)} / ${fmt(latencies.p99, 1)}`,
        count >= 5000 ? 'p99 <= 100' : undefined,
      );
      line(`  of which the helper's write to all ${fmt(count)} sockets (ms, p50)`, fmt(latencies.broadcastP50, 1));
      line(
        `helper RSS with ${fmt(count)} SSE clients (MB)`,
        fmt(latencies.rss / 2 ** 20, 1),
        count >= 5000 ? '<= 200' : undefined,
      );
    }
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Connects count SSE clients (spread over worker threads), publishes events and times delivery to all of them. */
async function sseFanout(
  url: string,
  token: string,
  count: number,
  pid: number,
): Promise<{ p50: number; p99: number; rss: number; broadcastP50: number }> {
  // Two receivers in parallel, so the bench's own parsing of thousands of frames is not what gets measured.
  const W = 2;
  const workers = Array.from(
    { length: W },
    (_, i) =>
      new Worker(new URL('./_sse-worker.mjs', import.meta.url), {
        workerData: { url, token, count: Math.floor(count / W) + (i < count % W ? 1 : 0) },
      }),
  );
  const next = (w: Worker, type: string) =>
    new Promise<{ data?: [number, number[]][] }>((resolve) =>
      w.on('message', function on(m: { type: string }) {
        if (m.type === type) {
          w.off('message', on);
          resolve(m as never);
        }
      }),
    );
  await Promise.all(workers.map((w) => next(w, 'connected')));
  const rss = rssOf(pid);
  const firstId = await lastEventId(url, token);
  const rounds = 10;
  const broadcastMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    await fetch(`${url}/api/v1/clients/fanout-${count}-${round}-${Date.now()}/state`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ hostName: 'fanout', os: 'linux', appVersion: '1', shares: [] }),
    });
    await new Promise((r) => setTimeout(r, 300));
    broadcastMs.push(await lastBroadcastMs(url, token));
  }
  // Let the last frames drain before collecting.
  await new Promise((r) => setTimeout(r, 1000));
  const rssAfter = rssOf(pid);
  const all: number[] = [];
  const perEvent = new Map<number, number>();
  for (const w of workers) {
    w.postMessage({ type: 'collect' });
    const { data } = await next(w, 'latencies');
    for (const [id, lat] of data!) {
      if (id <= firstId) continue;
      all.push(...lat);
      perEvent.set(id, (perEvent.get(id) ?? 0) + lat.length);
    }
  }
  const short = [...perEvent].filter(([, n]) => n < count);
  if (short.length)
    throw new Error(`events reached too few clients: ${short.map(([id, n]) => `${id}: ${n}/${count}`).join(', ')}`);
  if (perEvent.size < rounds) throw new Error(`only ${perEvent.size} of ${rounds} events arrived`);
  for (const w of workers) {
    w.postMessage({ type: 'close' });
    await next(w, 'closed');
    await w.terminate();
  }
  await new Promise((r) => setTimeout(r, 300));
  return {
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    rss: Math.max(rss, rssAfter),
    broadcastP50: percentile(broadcastMs, 50),
  };
}

async function lastBroadcastMs(url: string, token: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  return Number(/^fts_sse_last_broadcast_seconds (\S+)/m.exec(text)?.[1] ?? NaN) * 1000;
}

async function lastEventId(url: string, token: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  return Number(/^fts_event_last_id (\d+)/m.exec(text)?.[1] ?? 0);
}

await main();
