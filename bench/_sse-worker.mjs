// A worker that holds a share of the SSE connections for `bench/api.ts` and reports per-event delivery latency.
// It reads raw sockets and only looks for `id:` lines: the 5,000 clients of the goal live on other machines,
// so the receivers here must cost as little CPU as possible, or the bench measures itself on a 2-core box.
// Each event's timestamp is parsed once (from the first client that sees it), not once per client.
import { connect } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

const { url, token, count } = workerData;
const u = new URL(url);
/** event id → arrival times (ms since epoch) at every client */
const arrivals = new Map();
/** event id → the event's own `ts` (ms since epoch) */
const stamps = new Map();
const sockets = [];
let connected = 0;

const request = `GET /api/v1/events?since=999999999 HTTP/1.1\r\nhost: ${u.host}\r\nauthorization: Bearer ${token}\r\naccept: text/event-stream\r\n\r\n`;

for (let i = 0; i < count; i++) {
  const s = connect({ host: u.hostname, port: Number(u.port), noDelay: true });
  let headerSeen = false;
  let tail = '';
  s.setEncoding('latin1');
  s.on('connect', () => s.write(request));
  s.on('data', (chunk) => {
    const now = performance.timeOrigin + performance.now();
    let text = tail + chunk;
    if (!headerSeen) {
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return void (tail = text);
      if (!text.startsWith('HTTP/1.1 200')) throw new Error(`SSE refused: ${text.slice(0, 40)}`);
      headerSeen = true;
      text = text.slice(end + 4);
      if (++connected === count) parentPort.postMessage({ type: 'connected' });
    }
    let at = 0;
    for (;;) {
      const k = text.indexOf('\n\n', at);
      if (k < 0) break;
      if (text.startsWith('id: ', at)) {
        const nl = text.indexOf('\n', at);
        const id = Number(text.slice(at + 4, nl));
        let list = arrivals.get(id);
        if (!list) {
          arrivals.set(id, (list = []));
          const ts = /"ts":"([^"]+)"/.exec(text.slice(nl, k));
          stamps.set(id, ts ? Date.parse(ts[1]) : NaN);
        }
        list.push(now);
      }
      at = k + 2;
    }
    tail = text.slice(at);
  });
  s.on('error', (err) => parentPort.postMessage({ type: 'error', message: err.message }));
  sockets.push(s);
}

parentPort.on('message', (msg) => {
  if (msg.type === 'collect') {
    const data = [...arrivals].map(([id, times]) => [id, times.map((t) => t - stamps.get(id))]);
    parentPort.postMessage({ type: 'latencies', data });
  } else if (msg.type === 'close') {
    for (const s of sockets) s.destroy();
    parentPort.postMessage({ type: 'closed' });
  }
});
