/**
 * The tray app as electron-builder packages it, without Electron's binary (it cannot be downloaded here):
 *  - build the bundles as `npm run build` does (esbuild for main and preload, Vite for the renderer);
 *  - package the Linux `dir` target from a stand-in Electron distribution (an `electron` executable and empty
 *    LICENSE and version files), so electron-builder downloads nothing;
 *  - extract resources/app.asar with @electron/asar (its unpacked files come from app.asar.unpacked, as Electron
 *    reads them);
 *  - run code in Node with module resolution rooted in that extracted app: `electron` is the fake module (Electron
 *    provides it to the real app), and every other import must come from the package. A load report lists every
 *    file the run loaded, so a test can see that nothing came from the repository's node_modules.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { extractAll } from '@electron/asar';
import { build } from 'esbuild';

/** The repository's root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The fake `electron` module the packaged main bundle gets instead of Electron's. */
export const FAKE_ELECTRON = join(ROOT, 'test', 'client', 'doubles', 'fake-electron.ts');

function run(
  cmd: string,
  args: string[],
  what: string,
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** dist/electron (main.js, preload.cjs) and dist/renderer, as `npm run build` makes them. */
export function buildBundles(): void {
  // Vitest sets NODE_ENV=test, which would make Vite build React's development code: build as a person would.
  const env = { ...process.env };
  delete env.NODE_ENV;
  run(process.execPath, [join(ROOT, 'build', 'bundle-electron.mjs')], 'bundling the Electron shell', { env });
  run(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      join(ROOT, 'renderer', 'vite.config.ts'),
    ],
    'building the renderer',
    { env },
  );
}

/** The Electron version the app is built for (the installed `electron` package's). */
export function electronVersion(): string {
  return (
    JSON.parse(readFileSync(join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }
  ).version;
}

/** A stand-in for Electron's unpacked distribution: what electron-builder copies, with no binary inside. */
export function standInElectronDist(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'electron'),
    '#!/bin/sh\necho "stand-in for Electron: the real binary cannot be downloaded here" >&2\nexit 1\n',
  );
  chmodSync(join(dir, 'electron'), 0o755);
  writeFileSync(join(dir, 'LICENSE'), '');
  writeFileSync(join(dir, 'version'), '');
  return dir;
}

/** Runs electron-builder for the Linux `dir` target with build/electron-builder.yml; returns linux-unpacked's paths. */
export function packageLinuxDir(
  outDir: string,
  electronDist: string,
): { unpackedDir: string; asarPath: string; log: string } {
  const r = run(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'electron-builder', 'cli.js'),
      '--config',
      join(ROOT, 'build', 'electron-builder.yml'),
      '--linux',
      'dir',
      `-c.electronDist=${electronDist}`,
      `-c.electronVersion=${electronVersion()}`,
      `-c.directories.output=${outDir}`,
    ],
    'electron-builder --linux dir',
    // No signing or publishing settings from the caller's environment.
    {
      env: {
        ...process.env,
        CSC_IDENTITY_AUTO_DISCOVERY: 'false',
        GH_TOKEN: '',
        ELECTRON_BUILDER_CACHE: join(outDir, '.cache'),
      },
    },
  );
  const unpackedDir = join(outDir, process.arch === 'x64' ? 'linux-unpacked' : `linux-${process.arch}-unpacked`);
  return { unpackedDir, asarPath: join(unpackedDir, 'resources', 'app.asar'), log: r.stdout + r.stderr };
}

/** Extracts the archive (unpacked files included) into `dest`; returns its real path. */
export function extractApp(asarPath: string, dest: string): string {
  extractAll(asarPath, dest);
  return realpathSync(dest);
}

/** Where a run's loader files live; kept outside the extracted app so they are not part of the package. */
export interface StandIn {
  dir: string;
  /** `node --import` this: maps `electron` to the fake and writes the load report. */
  register: string;
  /** A script that uses the packaged @napi-rs/keyring directly: `keyring-probe.mjs APP write|take SERVICE USER`. */
  keyringProbe: string;
}

/**
 * Writes the stand-in loader: the fake electron module bundled to plain ESM (with a default export, as the real
 * CommonJS `electron` has for `import electron from 'electron'`), a resolve hook, and the load report.
 */
export async function prepareStandIn(dir: string): Promise<StandIn> {
  mkdirSync(dir, { recursive: true });
  const fakeUrl = pathToFileURL(FAKE_ELECTRON).href;
  await build({
    stdin: {
      contents: `import * as electron from ${JSON.stringify(fakeUrl.slice('file://'.length))};\nexport * from ${JSON.stringify(fakeUrl.slice('file://'.length))};\nexport default electron;\n`,
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile: join(dir, 'electron.mjs'),
    logLevel: 'warning',
  });
  // Runs off the main thread (Node's module hooks): appends each ES module resolution to the report.
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
let data;
export async function initialize(d) { data = d; }
export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: data.electronUrl, shortCircuit: true };
  const r = await next(specifier, context);
  if (data.report) appendFileSync(data.report, 'esm ' + r.url + '\\n');
  return r;
}
`,
  );
  // On exit, adds every CommonJS file loaded (require.cache holds the keyring's index.js and its .node binary).
  writeFileSync(
    join(dir, 'register.mjs'),
    `import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
const report = process.env.FTS_LOAD_REPORT;
register('./hooks.mjs', import.meta.url, { data: { electronUrl: new URL('./electron.mjs', import.meta.url).href, report } });
const cache = createRequire(import.meta.url).cache;
if (report) process.on('exit', () => appendFileSync(report, Object.keys(cache).map((f) => 'cjs ' + f + '\\n').join('')));
`,
  );
  writeFileSync(
    join(dir, 'keyring-probe.mjs'),
    `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
const [app, mode, service, user] = process.argv.slice(2);
// Resolved from the packaged app's root, as its own code would.
const { Entry } = createRequire(join(app, 'package.json'))('@napi-rs/keyring');
const entry = new Entry(service, user, { linux: { store: 'secret-service' } });
if (mode === 'write') entry.setPassword(readFileSync(0, 'utf8'));
else if (mode === 'take') { process.stdout.write(entry.getPassword() ?? ''); entry.deleteCredential(); }
else throw new Error('mode: write | take');
`,
  );
  return { dir, register: join(dir, 'register.mjs'), keyringProbe: join(dir, 'keyring-probe.mjs') };
}

/** What one run in the packaged app did. */
export interface PackagedRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Every file the run loaded (ES modules and CommonJS, .node binaries included), absolute paths. */
  loaded: string[];
}

/** Runs `node --import register SCRIPT ARGS` with the app's root as working folder and no inherited module paths. */
export function runInPackage(
  standIn: StandIn,
  appDir: string,
  script: string,
  args: string[],
  opts: { input?: string } = {},
): PackagedRun {
  const report = join(standIn.dir, `load-report-${process.pid}-${Date.now()}.txt`);
  writeFileSync(report, '');
  const env: NodeJS.ProcessEnv = { ...process.env, FTS_LOAD_REPORT: report };
  // Nothing may steer resolution or the native binding's location from outside the package.
  for (const k of ['NODE_OPTIONS', 'NODE_PATH', 'NAPI_RS_NATIVE_LIBRARY_PATH', 'ELECTRON_RUN_AS_NODE']) delete env[k];
  // The bound only keeps a run that never exits (an app without --smoke-test starts its tray) from blocking the suite.
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(standIn.register).href, script, ...args], {
    cwd: appDir,
    env,
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  const loaded = readFileSync(report, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('esm file:') || l.startsWith('cjs /'))
    .map((l) => (l.startsWith('esm ') ? fileURLToPath(l.slice(4)) : l.slice(4)));
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, loaded: [...new Set(loaded)] };
}

/** The loaded files that are neither inside `appDir` nor the stand-in loader (which stands for Electron itself). */
export function loadedOutside(run: PackagedRun, appDir: string, standIn: StandIn): string[] {
  const inside = (f: string, d: string) => !relative(d, f).startsWith('..') && !relative(d, f).startsWith(sep);
  return run.loaded.filter((f) => !inside(realpathSync(f), appDir) && !inside(f, standIn.dir));
}
