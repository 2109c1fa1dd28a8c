/**
 * What `npm start` runs after installing: the embedded sandbox with a real fts-helper (API, events, scheduler,
 * dashboard), a few demo files in flux, one run of the main job (graduation flux → space, then a restic backup of
 * space to the sandbox's local repository), and the tray window in a browser when Electron cannot run here.
 */
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import type { FtsEvent } from '../contract/index.js';
import { startHelper, type RunningHelper } from '../server-helper/daemon.js';
import { serverFeatures } from '../server-helper/features.js';
import { ensureSandbox } from '../server-helper/sandbox.js';
import { buildRenderer, dashboardUrl, electronStatus, startTrayInBrowser } from './serve-ui.mjs';

const root = resolve(import.meta.dirname, '..');
const sandboxDir = resolve(process.env.FTS_SANDBOX ?? join(root, '.sandbox'));
const listen = process.env.FTS_LISTEN ?? '127.0.0.1:8642';

/** Demo files: some untouched for months (they graduate), some fresh (they stay in flux). */
function seedFlux(flux: string): void {
  const now = Date.now() / 1000;
  const files: [string, number, number][] = [
    ['Projects/2025 taxes/return.pdf', 400_000, 120],
    ['Projects/2025 taxes/receipts.zip', 2_000_000, 120],
    ['Photos/2025-07 Lisbon/IMG_0001.jpg', 900_000, 90],
    ['Photos/2025-07 Lisbon/IMG_0002.jpg', 850_000, 90],
    ['Work/old-proposal.docx', 120_000, 45],
    ['Work/this-week.md', 4_000, 1],
    ['Inbox/scan.pdf', 300_000, 0],
  ];
  for (const [rel, size, ageDays] of files) {
    const path = join(flux, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, Buffer.alloc(size, rel.length));
    const t = now - ageDays * 86_400;
    utimesSync(path, t, t);
  }
}

function describe(e: FtsEvent): string | null {
  switch (e.type) {
    case 'graduation.finished':
      return `graduation: ${e.data.moved} of ${e.data.scanned} files moved flux → space (${(e.data.bytesMoved / 1e6).toFixed(1)} MB)`;
    case 'graduation.failed':
      return `graduation failed: ${e.data.reason}`;
    case 'backup.finished':
      return `backup: snapshot ${e.data.snapshotId ?? '?'} — ${e.data.filesNew} new files, ${(e.data.dataAdded / 1e6).toFixed(1)} MB added`;
    case 'backup.failed':
      return `backup failed: ${e.data.reason}`;
    default:
      return null;
  }
}

async function main(): Promise<void> {
  const first = !existsSync(join(sandboxDir, 'helper.yaml'));
  const sandbox = ensureSandbox(sandboxDir);
  if (first) seedFlux(join(sandbox.dir, 'flux'));
  process.stdout.write('Building the dashboard and tray window… ');
  const { dir } = await buildRenderer();
  console.log('done');
  const config = { ...sandbox.config, api: { ...sandbox.config.api, dashboardDir: dir } };
  const log = pino({ name: 'fts-helper' }, pino.destination(join(root, '.sandbox-helper.log')));
  let helper: RunningHelper;
  try {
    helper = await startHelper({ config, listen, log, ...serverFeatures(config) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    helper = await startHelper({ config, listen: '127.0.0.1:0', log, ...serverFeatures(config) });
    console.log(`${listen} is taken (another sandbox or helper?): using ${new URL(helper.url).host} instead`);
  }
  const token = readFileSync(sandbox.adminTokenFile, 'utf8').trim();
  helper.ctx.bus.subscribe((e) => {
    const line = describe(e);
    if (line) console.log(`  • ${line}`);
  });

  const electron = electronStatus();
  let trayUrl: string | null = null;
  let closeTray: (() => Promise<void>) | null = null;
  if (!electron.ok) {
    const tray = await startTrayInBrowser({
      helperUrl: helper.url,
      token,
      mountRoot: join(sandbox.dir, 'client-mounts'),
    });
    trayUrl = tray.url;
    closeTray = tray.close;
  }
  console.log(`
Flux Time Space — fts-helper on the embedded sandbox (${sandbox.dir})

  Dashboard:    ${dashboardUrl(helper.url, token)}
  Tray window:  ${trayUrl ?? '(the Electron app)'}${electron.ok ? '' : `\n                Electron cannot run here: ${electron.reason}.\n                The tray window runs in a browser on a headless core with a folder-backed test mounter.`}
  API:          ${helper.url}/api/v1/status   (Authorization: Bearer $(cat ${sandbox.adminTokenFile}))
  Events (SSE): ${helper.url}/api/v1/events
  CLI:          node bin/fts-helper.mjs status --sandbox ${sandbox.dir}
  Logs:         ${join(root, '.sandbox-helper.log')}          Stop: Ctrl-C

Running the main job once: graduation (flux → space), then backup of space to ${sandbox.config.backup?.repository ?? '(no backup configured)'}`);
  const jobs = helper.ctx.jobs;
  if (jobs) {
    jobs.start('graduation', 'manual');
    if (sandbox.config.backup) jobs.start('backup', 'manual');
  }
  const stop = async () => {
    await closeTray?.();
    await helper.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

await main();
