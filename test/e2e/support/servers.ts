/**
 * The servers the Playwright tests drive, in one child process (started by global-setup.ts with tsx):
 * a real fts-helper on a sandbox serving the built dashboard, and the tray window's HTTP bridge backed by the
 * headless core with the TEST MOUNTER. Prints one line `READY <json>` with the URLs and tokens.
 *
 * TEST-ONLY STAND-INS (MERGE POINT — the lead re-points the tests at the real routes from issues 3 and 5):
 *   - `inspectDrives` measures the sandbox folders with statfs (issue 3 brings the real drive inventory);
 *   - `listJobs` and `POST /api/v1/jobs/:name/run` run a scripted graduation that publishes real events
 *     (graduation.started → progress → finished) through `helper.ctx.bus` and records the run in the store;
 *     the run holds after its first progress event until the test calls `POST /test-only/release/:runId`,
 *     so the test can see the progress without timing anything;
 *   - `POST /api/v1/graduation/runs/:id/undo` records the request (issue 4 brings the real undo).
 */
import { mkdtempSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { DriveStatus, Job } from '../../../contract/index.js';
import type { AppContext } from '../../../server-helper/api/context.js';
import { startHelper } from '../../../server-helper/daemon.js';
import { ensureSandbox } from '../../../server-helper/sandbox.js';
import { TestMounterCore } from '../../../electron/main/test-mounter-core.js';
import { startWebBridge } from '../../../electron/main/web-bridge.js';

const rendererDir = process.argv[2];
if (!rendererDir) throw new Error('usage: servers.ts RENDERER_DIR');

const dir = mkdtempSync(join(tmpdir(), 'fts-e2e-'));
const sandbox = ensureSandbox(join(dir, 'sandbox'));
// Some files in flux so the drives are not empty.
writeFileSync(join(sandbox.dir, 'flux', 'report.pdf'), Buffer.alloc(256 * 1024, 1));

function measureDrives(ctx: AppContext): DriveStatus[] {
  return Object.entries(ctx.config.drives).map(([role, d]) => {
    const s = statfsSync(d!.mountPoint);
    const size = s.blocks * s.bsize;
    const used = (s.blocks - s.bfree) * s.bsize;
    const ratio = size > 0 ? used / size : 0;
    const warnings: DriveStatus['warnings'] =
      ratio > 0.95
        ? [{ code: 'usage-critical', message: `${role} is ${Math.round(ratio * 100)} % full` }]
        : ratio > 0.85
          ? [{ code: 'usage-high', message: `${role} is ${Math.round(ratio * 100)} % full` }]
          : [];
    return {
      role: role as DriveStatus['role'],
      mountPoint: d!.mountPoint,
      mounted: true,
      expectedFilesystem: true,
      device: null,
      fsType: null,
      uuid: null,
      label: null,
      sizeBytes: size,
      usedBytes: used,
      availableBytes: s.bavail * s.bsize,
      inodesTotal: s.files,
      inodesUsed: s.files - s.ffree,
      health: 'unknown',
      healthReason: 'test stand-in: no SMART here',
      warnings,
    };
  });
}

const running = new Map<string, number>();
const releases = new Map<number, () => void>();
const undos: number[] = [];

function listJobs(ctx: AppContext): Job[] {
  return [
    { name: 'graduation', kind: 'graduation', schedule: '0 3 * * *' },
    { name: 'backup', kind: 'backup', schedule: '0 4 * * *' },
  ].map((j) => ({
    ...j,
    kind: j.kind as Job['kind'],
    nextRun: null,
    running: running.has(j.name),
    lastRun: ctx.store.runs.list({ job: j.name, limit: 1 })[0] ?? null,
  }));
}

async function scriptedGraduation(ctx: AppContext, runId: number): Promise<void> {
  const ref = { runId, job: 'graduation' };
  ctx.store.runs.start(runId);
  ctx.bus.publish('graduation.started', { ...ref, from: 'flux', to: 'space', dryRun: false });
  ctx.bus.publish('graduation.progress', { ...ref, scanned: 12, moved: 3, bytesMoved: 3 * 1024 * 1024, currentPath: 'projects/2025/report.pdf' });
  await new Promise<void>((resolve) => releases.set(runId, resolve));
  const totals = {
    scanned: 40,
    eligible: 9,
    moved: 9,
    bytesMoved: 9 * 1024 * 1024,
    skipped: { 'open-file': 1 },
    failed: 0,
    examples: ['projects/2025/report.pdf'],
    from: 'flux',
    to: 'space',
    durationMs: 1200,
  };
  ctx.store.runs.finish(runId, 'succeeded', totals, null);
  running.delete('graduation');
  ctx.bus.publish('graduation.finished', { ...ref, ...totals });
}

function testRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/api/v1/jobs/:name/run', { config: { role: 'admin' } }, async (req, reply) => {
    const { name } = req.params as { name: string };
    if (name !== 'graduation') return reply.code(404).send({ error: 'not-found', message: `test stand-in runs only graduation, not ${name}` });
    if (running.has(name)) return reply.code(409).send({ error: 'conflict', message: 'already running' });
    const runId = ctx.store.runs.create(name, 'graduation', 'api');
    running.set(name, runId);
    void scriptedGraduation(ctx, runId);
    return { runId };
  });
  // Stand-in for issue 4's undo route: records the request so the test can see the dashboard made it.
  app.post('/api/v1/graduation/runs/:id/undo', { config: { role: 'admin' } }, async (req) => {
    undos.push(Number((req.params as { id: string }).id));
    return { ok: true };
  });
  app.get('/test-only/undos', { config: { role: 'admin' } }, async () => undos);
  app.post('/test-only/release/:runId', { config: { role: 'admin' } }, async (req) => {
    const id = Number((req.params as { runId: string }).runId);
    releases.get(id)?.();
    releases.delete(id);
    return { ok: true };
  });
}

const helper = await startHelper({
  config: { ...sandbox.config, api: { ...sandbox.config.api, dashboardDir: rendererDir, authFailureDelay: '1ms' } },
  listen: '127.0.0.1:0',
  plugins: [testRoutes],
  extend: (ctx) => {
    ctx.inspectDrives = async () => measureDrives(ctx);
    ctx.listJobs = () => listJobs(ctx);
  },
  log: (await import('pino')).default({ level: 'warn' }),
});
const adminToken = readFileSync(sandbox.adminTokenFile, 'utf8').trim();
const clientToken = helper.store.tokens.create('e2e-tray', 'client');
const core = new TestMounterCore({ helperUrl: helper.url, token: clientToken, clientId: 'count-zero', hostName: 'count-zero', mountRoot: join(dir, 'mounts') });
await core.start();
const bridge = await startWebBridge({ core, staticDir: rendererDir });

process.stdout.write(`READY ${JSON.stringify({ helperUrl: helper.url, bridgeUrl: bridge.url, adminToken, mountRoot: join(dir, 'mounts') })}\n`);

const stop = async () => {
  core.close();
  await bridge.close();
  await helper.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// The runner's pipe closing means the runner is gone: do not outlive it.
process.stdin.on('end', () => void stop());
process.stdin.resume();
