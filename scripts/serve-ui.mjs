#!/usr/bin/env node
/**
 * The UI half of `npm start`, as functions the lead's scripts/start.mjs calls:
 *   buildRenderer()       vite build of both pages → dist/renderer (set the helper's api.dashboardDir to it)
 *   electronStatus()      can Electron run here? (binary installed, a display) and why not
 *   startTrayInBrowser()  the tray window in a browser: headless core (TEST MOUNTER) + IPC-over-HTTP bridge
 *   dashboardUrl()        the dashboard's URL with the token in the fragment (never sent to the server)
 * Run alone: `node scripts/serve-ui.mjs --sandbox .sandbox` starts a sandbox helper too and prints both URLs.
 */
import { existsSync, readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the built renderer goes; the helper serves the dashboard from here (api.dashboardDir). */
export const RENDERER_DIR = join(root, 'dist', 'renderer');

/** Builds the tray window and the dashboard with Vite; returns the folder and page names. */
export async function buildRenderer() {
  const { build } = await import('vite');
  await build({ configFile: join(root, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
  return { dir: RENDERER_DIR, dashboardPage: 'index.html', trayPage: 'tray.html' };
}

/** Whether Electron can run here: `{ ok: true, binary }` or `{ ok: false, reason }` in words a person can act on. */
export function electronStatus(env = process.env, platform = process.platform) {
  let binary;
  try {
    binary = createRequire(import.meta.url)('electron');
  } catch {
    return {
      ok: false,
      reason:
        "Electron's binary is not installed (it downloads from GitHub at install time, which this machine cannot reach)",
    };
  }
  if (typeof binary !== 'string' || !existsSync(binary))
    return { ok: false, reason: `Electron's binary is missing at ${binary}` };
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY)
    return { ok: false, reason: 'there is no display (DISPLAY/WAYLAND_DISPLAY unset)' };
  return { ok: true, binary };
}

/** Bundles and launches the Electron app; resolves with the child process. */
export async function launchElectron(binary) {
  const { bundleElectron } = await import('../build/bundle-electron.mjs');
  await bundleElectron();
  return spawn(binary, [join(root, 'dist', 'electron', 'main.js')], { stdio: 'inherit' });
}

/**
 * Starts the headless core with the TEST MOUNTER (folders under mountRoot, no SMB) against a running helper, and
 * the HTTP bridge that serves the tray window. It is the real client core (ClientCoreFacade) with only the mounter
 * replaced: this sandbox cannot mount SMB on the client side, so a "mount" is a folder (electron/dev/test-mounter-core.ts).
 * Returns `{ url, core, close }`.
 */
export async function startTrayInBrowser({
  helperUrl,
  token,
  mountRoot,
  clientId = 'browser-tray',
  port = 0,
  staticDir = RENDERER_DIR,
}) {
  const { tsImport } = await import('tsx/esm/api');
  const { TestMounterCore } = await tsImport('../electron/dev/test-mounter-core.ts', import.meta.url);
  const { startWebBridge } = await tsImport('../electron/dev/web-bridge.ts', import.meta.url);
  mkdirSync(mountRoot, { recursive: true });
  const core = new TestMounterCore({ helperUrl, token, clientId, mountRoot });
  await core.start();
  const bridge = await startWebBridge({ core, staticDir, port });
  return {
    url: `${bridge.url}/tray.html`,
    core,
    close: async () => {
      await core.close();
      await bridge.close();
    },
  };
}

/** The dashboard's URL with a token handed over in the fragment (the page stores it for the tab and clears the address bar). */
export function dashboardUrl(helperUrl, token) {
  return `${helperUrl}/#token=${encodeURIComponent(token)}`;
}

async function main() {
  const args = process.argv.slice(2);
  const at = args.indexOf('--sandbox');
  const sandboxDir = resolve(at >= 0 && args[at + 1] ? args[at + 1] : join(root, '.sandbox'));
  const { dir } = await buildRenderer();
  const { tsImport } = await import('tsx/esm/api');
  const { ensureSandbox } = await tsImport('../server-helper/sandbox.ts', import.meta.url);
  const { startHelper } = await tsImport('../server-helper/daemon.ts', import.meta.url);
  const sandbox = ensureSandbox(sandboxDir);
  const helper = await startHelper({
    config: { ...sandbox.config, api: { ...sandbox.config.api, dashboardDir: dir } },
    listen: '127.0.0.1:0',
  });
  const token = readFileSync(sandbox.adminTokenFile, 'utf8').trim();
  const electron = electronStatus();
  let tray = null;
  if (electron.ok) {
    console.log('Starting the Electron app…');
    await launchElectron(electron.binary);
  } else {
    console.log(`Electron cannot run here: ${electron.reason}. Serving the tray window in a browser instead.`);
    tray = await startTrayInBrowser({ helperUrl: helper.url, token, mountRoot: join(sandboxDir, 'test-mounts') });
    console.log(`Tray window (headless core, test mounter): ${tray.url}`);
  }
  console.log(`Dashboard: ${dashboardUrl(helper.url, token)}`);
  const stop = async () => {
    await tray?.close();
    await helper.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) await main();
