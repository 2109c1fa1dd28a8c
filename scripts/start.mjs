// `npm start`: installs what is missing (npm packages), then runs scripts/sandbox-demo.ts: fts-helper on the
// embedded sandbox in .sandbox/, the dashboard, the tray window, and one run of the main job.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureNpm, root } from './deps.mjs';

ensureNpm();
const child = spawn(
  process.execPath,
  [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'scripts', 'sandbox-demo.ts')],
  { stdio: 'inherit', cwd: root },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 1));
