/** Builds the dashboard with Vite, in a checkout that has its npm packages (the first `serve` from a checkout). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../../lib/exec.js';

/** Vite's command-line entry inside a package root, when the checkout has it. */
export function viteEntry(root: string): string | null {
  const entry = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  return existsSync(entry) && existsSync(join(root, 'renderer', 'vite.config.ts')) ? entry : null;
}

/** Runs `vite build --config renderer/vite.config.ts` in root (about a second or two). */
export async function buildDashboard(root: string, entry: string): Promise<void> {
  await exec(process.execPath, [entry, 'build', '--config', 'renderer/vite.config.ts'], {
    cwd: root,
    timeoutMs: 300_000,
  });
}
