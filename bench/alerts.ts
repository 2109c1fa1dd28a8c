/**
 * `npm run bench -- alerts [--events N]`: what alerts add to a job's `bus.publish`, the only place a job meets
 * them. A publish stores the event and runs the subscribers in the publisher's call; the alert service's part is
 * a filter (progress events) or a decision and an outbox insert in one transaction (alertable events), never a
 * network call. Measured with four channels configured, all pointing at a closed port (a channel that is down).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { AlertService } from '../server-helper/alerts/service.js';
import { HelperConfig } from '../server-helper/config/schema.js';
import { EventBus } from '../server-helper/runs/bus.js';
import { openStore } from '../server-helper/store/index.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('--events', 20_000);

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Publishes n events made by make(i) and returns µs per publish. */
function timePublishes(bus: EventBus, n: number, make: (i: number) => () => void): number {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) make(i)();
  return Number(process.hrtime.bigint() - t) / 1000 / n;
}

async function run(withAlerts: boolean): Promise<{ progress: number; alertable: number; decided: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'fts-bench-alerts-'));
  const store = openStore(join(dir, 'helper.db'), { eventRetention: 1_000_000 });
  const bus = new EventBus(store.events);
  const down = `http://127.0.0.1:${await closedPort()}`;
  const config = HelperConfig.parse({
    store: { path: join(dir, 'helper.db') },
    alerts: {
      retry: { initialDelay: '1h' },
      channels: withAlerts
        ? [
            { name: 'phone', type: 'ntfy', url: `${down}/topic` },
            { name: 'hook', type: 'webhook', url: `${down}/hook` },
            {
              name: 'mail',
              type: 'email',
              host: '127.0.0.1',
              port: Number(new URL(down).port),
              from: 'fts@example.com',
              to: ['ops@example.com'],
            },
            { name: 'hc', type: 'deadman', url: `${down}/ping` },
          ]
        : [],
    },
  });
  const service = withAlerts ? new AlertService({ config, store, bus, log: pino({ level: 'silent' }) }) : null;
  service?.start();
  const progress = timePublishes(
    bus,
    N,
    (i) => () =>
      bus.publish('backup.progress', {
        runId: 1,
        job: 'backup',
        percentDone: i / N,
        filesDone: i,
        totalFiles: N,
        bytesDone: i,
        totalBytes: N,
      }),
  );
  // Distinct jobs, so coalescing holds none back and every failure is queued for three channels (and the dead-man ping).
  const alertable = timePublishes(
    bus,
    N / 10,
    (i) => () =>
      bus.publish('backup.failed', {
        runId: i + 2,
        job: `backup-${i}`,
        reason: 'B2 answered 503',
        operation: 'backup',
      }),
  );
  // The decisions run after the publishes, off the publisher's call, in one batch: time it per event.
  const t = process.hrtime.bigint();
  await new Promise((r) => setImmediate(r));
  const decided = Number(process.hrtime.bigint() - t) / 1000 / (N / 10);
  await service?.close();
  bus.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
  return { progress, alertable, decided };
}

// Warm up once, then measure each side.
await run(true);
const without = await run(false);
const withAlerts = await run(true);
const f = (x: number) => x.toFixed(1).padStart(7);
console.log(`bus.publish, µs per event (${N} progress events, ${N / 10} failures), 4 channels all down:`);
console.log(`                        without alerts   with alerts`);
console.log(`progress (filtered out)        ${f(without.progress)}       ${f(withAlerts.progress)}`);
console.log(`backup.failed (queued ×4)      ${f(without.alertable)}       ${f(withAlerts.alertable)}`);
console.log(
  `then, off the publisher's call: the decisions and outbox rows of those failures, ${f(withAlerts.decided).trim()} µs per event (one batch)`,
);
