// `npm start`: installs what is missing, then runs fts-helper on the embedded sandbox in .sandbox/
// (flux/, time/, space/, the SQLite store, an admin token, a local restic repository) and says how to use it.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureNpm, root } from './deps.mjs';

ensureNpm();
const sandbox = join(root, '.sandbox');
const listen = process.env.FTS_LISTEN ?? '127.0.0.1:8642';
const logFile = join(root, '.sandbox-helper.log');
const log = createWriteStream(logFile, { flags: 'a' });

const helper = spawn(process.execPath, [join(root, 'bin/fts-helper.mjs'), 'serve', '--sandbox', sandbox, '--listen', listen], { stdio: ['ignore', 'pipe', 'pipe'] });
let announced = false;
let buf = '';
helper.stdout.on('data', (chunk) => {
  log.write(chunk);
  if (announced) return;
  buf += chunk.toString();
  const m = /"url":"([^"]+)"/.exec(buf);
  if (!m) return;
  announced = true;
  const url = m[1];
  const tokenFile = join(sandbox, 'admin-token');
  const token = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : '(missing)';
  console.log(`
Flux Time Space — fts-helper is running on the embedded sandbox (${sandbox})

  API:          ${url}/api/v1/status
  Events (SSE): ${url}/api/v1/events
  Metrics:      ${url}/metrics
  Admin token:  ${token}
                (stored in ${tokenFile}, mode 0600)

  Try:  curl -H "Authorization: Bearer $(cat ${tokenFile})" ${url}/api/v1/status
        node bin/fts-helper.mjs status --sandbox .sandbox
  Logs: ${logFile}      Stop: Ctrl-C
`);
});
helper.stderr.on('data', (chunk) => process.stderr.write(chunk));
helper.on('exit', (code) => {
  if (!announced) console.error(`fts-helper stopped before it was ready (exit ${code}); see ${logFile}`);
  process.exit(code ?? 1);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => helper.kill('SIGTERM'));
