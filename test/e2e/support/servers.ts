/**
 * The servers the Playwright tests drive, in one child process (started by global-setup.ts with tsx):
 * the real fts-helper on a sandbox with every feature the daemon has (drive inventory, Samba routes, the job
 * system with the real graduation engine, graduation undo), serving the built dashboard; and the tray window's
 * HTTP bridge backed by the headless core with the TEST MOUNTER (the lead binds the real client core separately).
 * Prints one line `READY <json>` with the URLs, the admin token and the sandbox folder.
 *
 * The sandbox's drives are plain folders (`requireMount: false`), so the drive inventory measures them and the
 * graduation preflight accepts them. The scheduler is off: runs start only when a test asks for one.
 */
import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseDuration } from '../../../contract/index.js';
import { startHelper } from '../../../server-helper/daemon.js';
import { serverFeatures } from '../../../server-helper/features.js';
import { ensureSandbox } from '../../../server-helper/sandbox.js';
import { TestMounterCore } from '../../../electron/dev/test-mounter-core.js';
import { startWebBridge } from '../../../electron/dev/web-bridge.js';
import { ensureUnixUser } from '../../support/smbd.js';
import { OLD_FLUX_FILES, NEW_FLUX_FILES, TRAY_MEMBER } from './seed-files.js';

const rendererDir = process.argv[2];
if (!rendererDir) throw new Error('usage: servers.ts RENDERER_DIR');

const dir = mkdtempSync(join(tmpdir(), 'fts-e2e-'));
const sandbox = ensureSandbox(join(dir, 'sandbox'));

// Files in flux: some older than graduation.minAge (the real graduation moves them to space), some fresh (they stay).
const minAgeMs = parseDuration(sandbox.config.graduation.minAge)!;
const old = (Date.now() - minAgeMs - 7 * 86_400_000) / 1000;
for (const [rel, size] of Object.entries({ ...OLD_FLUX_FILES, ...NEW_FLUX_FILES })) {
  const path = join(sandbox.dir, 'flux', rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.alloc(size, 1));
  if (rel in OLD_FLUX_FILES) utimesSync(path, old, old);
}

// A webhook receiver for the Alerts panel's test: POSTs are kept, GET /received lists them.
const received: unknown[] = [];
const alertsReceiver = createServer((req, res) => {
  if (req.method === 'GET')
    return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received));
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    res.writeHead(200).end('ok');
  });
});
await new Promise<void>((resolve) => alertsReceiver.listen(0, '127.0.0.1', resolve));
const alertsReceiverUrl = `http://127.0.0.1:${(alertsReceiver.address() as AddressInfo).port}`;

const config = {
  ...sandbox.config,
  api: { ...sandbox.config.api, dashboardDir: rendererDir, authFailureDelay: '1ms' },
  alerts: {
    ...sandbox.config.alerts,
    channels: [
      {
        name: 'ops',
        type: 'webhook' as const,
        url: `${alertsReceiverUrl}/hooks/fts`,
        minLevel: 'warning' as const,
        repeatWindow: '1h',
      },
    ],
  },
};
const helper = await startHelper({
  config,
  listen: '127.0.0.1:0',
  ...serverFeatures(config, { schedule: false }),
  log: (await import('pino')).default({ level: 'warn' }),
});
const adminToken = readFileSync(sandbox.adminTokenFile, 'utf8').trim();
// Paired as `clients pair count-zero --user fts-e2e-member` would: the tray may bring back that member's files.
ensureUnixUser(TRAY_MEMBER);
const clientToken = helper.store.tokens.create('e2e-tray', 'client', {
  clientId: 'count-zero',
  sambaUser: TRAY_MEMBER,
});
const core = new TestMounterCore({
  helperUrl: helper.url,
  token: clientToken,
  clientId: 'count-zero',
  hostName: 'count-zero',
  // A Mac: its window shows "Last Time Machine backup".
  os: 'darwin',
  mountRoot: join(dir, 'mounts'),
});
await core.start();
const bridge = await startWebBridge({ core, staticDir: rendererDir });
// A second tray that is not paired yet: its window is the first run.
const firstRunToken = helper.store.tokens.create('e2e-new-laptop', 'client', { clientId: 'new-laptop' });
const firstRunCore = new TestMounterCore({
  helperUrl: helper.url,
  token: firstRunToken,
  clientId: 'new-laptop',
  hostName: 'new-laptop',
  mountRoot: join(dir, 'first-run-mounts'),
  paired: false,
});
await firstRunCore.start();
const firstRunBridge = await startWebBridge({ core: firstRunCore, staticDir: rendererDir });

process.stdout.write(
  `READY ${JSON.stringify({ helperUrl: helper.url, bridgeUrl: bridge.url, firstRunUrl: firstRunBridge.url, adminToken, mountRoot: join(dir, 'mounts'), sandboxDir: sandbox.dir, alertsReceiverUrl })}\n`,
);

const stop = async () => {
  core.close();
  firstRunCore.close();
  await bridge.close();
  await firstRunBridge.close();
  await helper.close();
  alertsReceiver.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// The runner's pipe closing means the runner is gone: do not outlive it.
process.stdin.on('end', () => void stop());
process.stdin.resume();
