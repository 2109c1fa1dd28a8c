// A worker that holds a share of the SSE connections for `bench/api.ts` and reports per-event delivery latency.
import { request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { url, token, count } = workerData;
const u = new URL(url);
const latencies = new Map();
const sockets = [];
let connected = 0;

for (let i = 0; i < count; i++) {
  const req = request({ host: u.hostname, port: u.port, path: '/api/v1/events?since=999999999', headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
    res.setEncoding('utf8');
    let buf = '';
    res.on('data', (c) => {
      const now = performance.timeOrigin + performance.now();
      buf += c;
      let k;
      while ((k = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, k);
        buf = buf.slice(k + 2);
        const m = /^data: (.*)$/m.exec(frame);
        if (!m) continue;
        const e = JSON.parse(m[1]);
        let list = latencies.get(e.id);
        if (!list) latencies.set(e.id, (list = []));
        list.push(now - Date.parse(e.ts));
      }
    });
    if (++connected === count) parentPort.postMessage({ type: 'connected' });
  });
  req.end();
  sockets.push(req);
}

parentPort.on('message', (msg) => {
  if (msg.type === 'collect') {
    parentPort.postMessage({ type: 'latencies', data: [...latencies.entries()] });
  } else if (msg.type === 'close') {
    for (const s of sockets) s.destroy();
    parentPort.postMessage({ type: 'closed' });
  }
});
