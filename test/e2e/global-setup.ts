/**
 * Builds the renderer and starts the e2e servers (support/servers.ts) in a child process; the URLs, the admin
 * token and the sandbox folder reach the tests through the environment. Returns the teardown that stops the child.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { build } from 'vite';

const root = join(import.meta.dirname, '..', '..');

export default async function globalSetup(): Promise<() => Promise<void>> {
  const chromium = process.env.FTS_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromium))
    throw new Error(`Chromium is missing at ${chromium}: apt-get install chromium (never npx playwright install)`);
  const rendererDir = join(root, 'dist', 'renderer');
  await build({ configFile: join(root, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/e2e/support/servers.ts'), rendererDir], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const ready = await new Promise<Record<string, string>>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) resolve(JSON.parse(line.slice(6)) as Record<string, string>);
    });
    child.once('exit', (code) => reject(new Error(`e2e servers exited early (code ${code})`)));
  });
  process.env.FTS_E2E_HELPER_URL = ready.helperUrl;
  process.env.FTS_E2E_BRIDGE_URL = ready.bridgeUrl;
  process.env.FTS_E2E_FIRST_RUN_URL = ready.firstRunUrl;
  process.env.FTS_E2E_ADMIN_TOKEN = ready.adminToken;
  process.env.FTS_E2E_MOUNT_ROOT = ready.mountRoot;
  process.env.FTS_E2E_SANDBOX = ready.sandboxDir;
  process.env.FTS_E2E_ALERTS_RECEIVER = ready.alertsReceiverUrl;
  return async () => {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
}
