// `npm test`: installs what is missing, then runs every test — vitest (unit and integration) and Playwright
// (browser end-to-end with Debian's Chromium) — inside a private D-Bus session with an unlocked gnome-keyring
// (the OS keychain the credential tests use), and prints `N passed, N failed` from both JSON reports.
// Arguments go to vitest; `--no-e2e` skips Playwright, `--only-e2e` runs only Playwright.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebian, ensureNpm, root } from './deps.mjs';

// Debian first: `npm ci` compiles fts-native with its compiler.
ensureDebian();
ensureNpm();

const args = process.argv.slice(2).filter((a) => a !== '--no-e2e' && a !== '--only-e2e');
const runVitest = !process.argv.includes('--only-e2e');
const runE2e = !process.argv.includes('--no-e2e') && args.length === 0;
const vitestReport = join(root, '.vitest-report.json');
const e2eReport = join(root, 'test-results', 'playwright.json');
rmSync(vitestReport, { force: true });
rmSync(e2eReport, { force: true });

const quote = (a) => `'${a.replace(/'/g, `'\\''`)}'`;
const commands = [];
if (runVitest)
  commands.push(
    ['npx', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestReport}`, ...args]
      .map(quote)
      .join(' '),
  );
if (runE2e) commands.push(['npx', 'playwright', 'test'].map(quote).join(' '));
// Both runners run even when the first fails; the exit status is the worst of them.
const body = commands.map((c) => `${c} || rc=1`).join('; ');
const xdg = mkdtempSync(join(tmpdir(), 'fts-test-xdg-'));
// The keyring's unlock password only protects this throw-away test keyring.
const inner = `rc=0; echo -n test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; ${body}; exit $rc`;
const haveDbus = existsSync('/usr/bin/dbus-run-session');
const r = haveDbus
  ? spawnSync('dbus-run-session', ['--', 'bash', '-c', inner], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, XDG_DATA_HOME: xdg },
    })
  : spawnSync('bash', ['-c', `rc=0; ${body}; exit $rc`], { cwd: root, stdio: 'inherit' });
rmSync(xdg, { recursive: true, force: true });

let passed = 0;
let failed = 0;
if (runVitest) {
  if (existsSync(vitestReport)) {
    const j = JSON.parse(readFileSync(vitestReport, 'utf8'));
    passed += j.numPassedTests ?? 0;
    // A file that fails to load has no failed assertion but must still count as a failure.
    const brokenFiles = (j.testResults ?? []).filter(
      (t) => t.status === 'failed' && !(t.assertionResults ?? []).some((a) => a.status === 'failed'),
    ).length;
    failed += (j.numFailedTests ?? 0) + brokenFiles;
  } else failed += 1;
}
if (runE2e) {
  if (existsSync(e2eReport)) {
    const j = JSON.parse(readFileSync(e2eReport, 'utf8'));
    const s = j.stats ?? {};
    passed += (s.expected ?? 0) + (s.flaky ?? 0);
    // Errors outside tests (global setup) leave no test to fail, so they count on their own.
    failed += (s.unexpected ?? 0) + (j.errors?.length ?? 0);
  } else failed += 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(r.status === 0 && failed === 0 ? 0 : 1);
