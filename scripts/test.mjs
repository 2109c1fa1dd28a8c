// `npm test`: installs what is missing, then runs every test inside a private D-Bus session with an
// unlocked gnome-keyring (the OS keychain the credential tests use), and prints `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebian, ensureNpm, root } from './deps.mjs';

ensureNpm();
ensureDebian();

const args = process.argv.slice(2);
const report = join(root, '.vitest-report.json');
rmSync(report, { force: true });
const xdg = mkdtempSync(join(tmpdir(), 'fts-test-xdg-'));
const vitest = ['npx', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args]
  .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
  .join(' ');
// The keyring's unlock password only protects this throw-away test keyring.
const inner = `echo -n test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; ${vitest}`;
const haveDbus = existsSync('/usr/bin/dbus-run-session');
const r = haveDbus
  ? spawnSync('dbus-run-session', ['--', 'bash', '-c', inner], { cwd: root, stdio: 'inherit', env: { ...process.env, XDG_DATA_HOME: xdg } })
  : spawnSync('bash', ['-c', vitest], { cwd: root, stdio: 'inherit' });
rmSync(xdg, { recursive: true, force: true });

let passed = 0;
let failed = 0;
if (existsSync(report)) {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  passed = j.numPassedTests ?? 0;
  // A file that fails to load has no failed assertion but must still count as a failure.
  const brokenFiles = (j.testResults ?? []).filter((t) => t.status === 'failed' && !(t.assertionResults ?? []).some((a) => a.status === 'failed')).length;
  failed = (j.numFailedTests ?? 0) + brokenFiles;
} else {
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(r.status === 0 && failed === 0 ? 0 : 1);
