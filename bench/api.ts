/**
 * `npm run bench -- api [--seconds N] [--sse N]`: authenticated state reports per second against a bare
 * fastify JSON route in the same run, and SSE fan-out latency and helper RSS with N connected clients.
 */
import autocannon from 'autocannon';
import { request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fmt, line, percentile, rssOf, startChild } from './_util.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, sse: { type: 'string', default: '1000,5000' } } });
const seconds = Number(values.seconds);
const sseCounts = values.sse!.split(',').map(Number);
const root = join(import.meta.dirname, '..');

async function cannon(url: string, opts: Partial<autocannon.Options>): Promise<autocannon.Result> {
  return autocannon({ url, connections: 64, pipelining: 1, duration: seconds, ...opts });
}

async function bareFastify(): Promise<number> {
  // The baseline a user would compare with: fastify answering a JSON route, nothing else.
  const code = `const f=require('fastify')();f.put('/x',async()=>({ok:true}));f.listen({port:0,host:'127.0.0.1'}).then(a=>console.log('LISTEN '+a));`;
  const { child, match } = await startChild('node', ['-e', code], /LISTEN (\S+)/);
  try {
    const r = await cannon(`${match[1]}/x`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    return r.requests.average;
  } finally {
    child.kill();
  }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'fts-bench-api-'));
  const sb = join(dir, 'sb');
  const { child, match } = await startChild('node', [join(root, 'bin/fts-helper.mjs'), 'serve', '--sandbox', sb, '--listen', '127.0.0.1:0'], /"url":"(http:\/\/[^"]+)"/);
  const url = match[1]!;
  const token = readFileSync(join(sb, 'admin-token'), 'utf8').trim();
  const pid = child.pid!;
  try {
    console.log(`fts-helper API bench (${seconds}s per load, 64 connections, 2-core machine)\n`);
    const bare = await bareFastify();
    const body = JSON.stringify({ hostName: 'count-zero', os: 'darwin', appVersion: '1.0.0', shares: [{ share: 'flux', state: 'mounted', mountPoint: '/Volumes/flux', errorCode: null }, { share: 'space', state: 'unmounted', mountPoint: null, errorCode: null }] });
    let n = 0;
    const r = await cannon(url, {
      requests: [{ method: 'PUT', setupRequest: (req: autocannon.Request) => ({ ...req, path: `/api/v1/clients/bench-${n++ % 200}/state` }) }],
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
      line(`SSE fan-out to ${fmt(count)} clients: p50 / p99 (ms)`, `${fmt(latencies.p50, 1)} / ${fmt(latencies.p99, 1)}`, count >= 5000 ? 'p99 <= 100' : undefined);
      line(`helper RSS with ${fmt(count)} SSE clients (MB)`, fmt(latencies.rss / 2 ** 20, 1), count >= 5000 ? '<= 200' : undefined);
    }
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Connects count SSE clients, then publishes events (a client's first report fires `client.seen`) and times delivery to all. */
async function sseFanout(url: string, token: string, count: number, pid: number): Promise<{ p50: number; p99: number; rss: number }> {
  const u = new URL(url);
  const arrivals = new Map<number, number[]>();
  const reqs: ReturnType<typeof request>[] = [];
  let connected = 0;
  await new Promise<void>((resolve) => {
    for (let i = 0; i < count; i++) {
      const req = request({ host: u.hostname, port: u.port, path: '/api/v1/events?since=999999999', headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (c: string) => {
          const now = performance.timeOrigin + performance.now();
          buf += c;
          let k: number;
          while ((k = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, k);
            buf = buf.slice(k + 2);
            const m = /^data: (.*)$/m.exec(frame);
            if (m) {
              const e = JSON.parse(m[1]!) as { id: number; ts: string };
              (arrivals.get(e.id) ?? arrivals.set(e.id, []).get(e.id)!).push(now - Date.parse(e.ts));
            }
          }
        });
        if (++connected === count) resolve();
      });
      req.end();
      reqs.push(req);
    }
  });
  const rss = rssOf(pid);
  const all: number[] = [];
  for (let round = 0; round < 10; round++) {
    const before = arrivals.size;
    await fetch(`${url}/api/v1/clients/fanout-${count}-${round}-${Date.now()}/state`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ hostName: 'fanout', os: 'linux', appVersion: '1', shares: [] }),
    });
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const got = [...arrivals.values()].slice(before);
      if (got.length > 0 && got.every((a) => a.length >= count)) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const lat = [...arrivals.values()].slice(before).flat();
    if (lat.length < count) throw new Error(`only ${lat.length} of ${count} clients got the event`);
    // The time to reach *all* clients is what a person waits for: the maximum per event, plus every sample.
    all.push(...lat);
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const r of reqs) r.destroy();
  await new Promise((r) => setTimeout(r, 300));
  return { p50: percentile(all, 50), p99: percentile(all, 99), rss: Math.max(rss, rssOf(pid)) };
}

await main();
