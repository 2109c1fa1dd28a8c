/**
 * The tray app as people install it, checked here without Electron's binary: electron-builder packages the Linux
 * `dir` target from a stand-in Electron distribution, and the test opens the resulting app.asar. The package holds
 * the OS keychain's native module with its binary unpacked, and nothing of the server; the packaged main bundle,
 * run in Node with the fake `electron` module and every other import resolved from the package alone, passes its
 * `--smoke-test` (loads, opens the keychain, prints `ok`, exits 0); the packaged keychain module round-trips a
 * secret through the real gnome-keyring; and the deb depends on what the Linux mounter runs.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { listPackage, statFile } from '@electron/asar';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMOKE_TEST_ITEM } from '../electron/core/smoke-test.js';
import { startDesktopSession, type DesktopSession } from './support/desktop-session.js';
import { pageAssets } from './support/page-assets.js';
import {
  buildBundles,
  extractApp,
  loadedOutside,
  packageLinuxDir,
  prepareStandIn,
  ROOT,
  runInPackage,
  standInElectronDist,
  type StandIn,
} from './support/packaged-app.js';
import { requireBinaries } from './support/require.js';

/** The keychain binding's binary package for this machine (what `npm ci` installs here). */
const KEYRING_BINARY_PACKAGE = `@napi-rs/keyring-linux-${process.arch}-gnu`;
const APP_SERVICE = 'flux-time-space';

let work: string;
let session: DesktopSession;
let asarPath: string;
let appDir: string;
let standIn: StandIn;
let entries: string[];

const secretTool = (args: string[], input?: string) =>
  spawnSync('secret-tool', args, { input, encoding: 'utf8', env: process.env });

beforeAll(async () => {
  requireBinaries('/usr/bin/gnome-keyring-daemon');
  if (!existsSync('/usr/bin/secret-tool'))
    throw new Error('missing /usr/bin/secret-tool: install with `apt-get install -y libsecret-tools`');
  // Outside the repository, so no parent folder's node_modules can stand in for what the package lacks.
  work = mkdtempSync(join(tmpdir(), 'fts-packaged-'));
  expect(relative(ROOT, work).startsWith('..')).toBe(true);
  session = await startDesktopSession({ keyring: true });
  buildBundles();
  const out = packageLinuxDir(join(work, 'release'), standInElectronDist(join(work, 'electron-dist')));
  asarPath = out.asarPath;
  entries = listPackage(asarPath, { isPack: false }).map((e) => e.replace(/\\/g, '/'));
  appDir = extractApp(asarPath, join(work, 'app'));
  standIn = await prepareStandIn(join(work, 'stand-in'));
}, 240_000);

afterAll(async () => {
  await session?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packaged app (electron-builder --linux dir, stand-in Electron)', () => {
  it('ships @napi-rs/keyring and its binary package, and no other module', () => {
    const packages = new Set(
      entries.map((e) => /^\/node_modules\/(@[^/]+\/[^/]+|[^@/][^/]*)(\/|$)/.exec(e)?.[1]).filter(Boolean),
    );
    expect([...packages].sort()).toEqual(['@napi-rs/keyring', KEYRING_BINARY_PACKAGE].sort());
  });

  it('keeps every .node binary out of the archive, in app.asar.unpacked', () => {
    const binaries = entries.filter((e) => e.endsWith('.node'));
    expect(binaries).toEqual([`/node_modules/${KEYRING_BINARY_PACKAGE}/keyring.linux-${process.arch}-gnu.node`]);
    for (const b of binaries) {
      expect(statFile(asarPath, b.slice(1)), `${b} is marked unpacked in the archive`).toMatchObject({
        unpacked: true,
      });
      expect(existsSync(join(`${asarPath}.unpacked`, b)), `${b} is in app.asar.unpacked`).toBe(true);
    }
  });

  it('holds nothing of the server: no server code, modules, dashboard or server metadata', () => {
    expect(
      entries.filter((e) => /server-helper|better-sqlite3|fts-native|fastify|pino|croner|\/bin\//.test(e)),
    ).toEqual([]);
    // The dashboard is the helper's page; the tray window is the app's only page.
    expect(entries.filter((e) => e.startsWith('/dist/renderer/') && e.endsWith('.html'))).toEqual([
      '/dist/renderer/tray.html',
    ]);
    expect(entries.filter((e) => /dashboard/.test(e))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg).toMatchObject({ main: 'dist/electron/main.js', type: 'module' });
    expect(pkg.dependencies ?? null).toBeNull();
    expect(pkg.bin ?? null).toBeNull();
    expect(pkg).not.toHaveProperty('devDependencies');
  });

  it('ships every file the tray window loads', () => {
    const assets = pageAssets(join(appDir, 'dist', 'renderer'), 'tray.html');
    expect(assets.filter((a) => a.endsWith('.js')).length).toBeGreaterThan(0);
    for (const a of assets) expect(entries).toContain(`/dist/renderer/${a}`);
    // And the preload and the tray icons main.ts names.
    expect(entries).toContain('/dist/electron/preload.cjs');
    expect(entries).toContain('/build/icons/tray-idle.png');
  });

  it('--smoke-test loads the main bundle from the package alone, opens the keychain, prints ok and exits 0', () => {
    const main = join(appDir, 'dist', 'electron', 'main.js');
    const r = runInPackage(standIn, appDir, main, ['--smoke-test']);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: 'ok\n', stderr: '' });
    // Every file came from the package (or is the stand-in for Electron itself), none from the repository.
    expect(loadedOutside(r, appDir, standIn)).toEqual([]);
    const rel = r.loaded.map((f) => relative(appDir, f).replace(/\\/g, '/'));
    expect(rel).toContain('dist/electron/main.js');
    expect(rel).toContain('node_modules/@napi-rs/keyring/index.js');
    expect(rel).toContain(`node_modules/${KEYRING_BINARY_PACKAGE}/keyring.linux-${process.arch}-gnu.node`);
    // It went through gnome-keyring (the Secret Service), and took its item away again.
    expect(secretTool(['search', '--all', 'service', APP_SERVICE, 'username', SMOKE_TEST_ITEM]).stdout).toBe('');
  });

  it('--smoke-test fails, exit 1, when the keychain cannot be opened', () => {
    const main = join(appDir, 'dist', 'electron', 'main.js');
    const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    // A bus address with nothing behind it: the Secret Service is unreachable, and the smoke test must say so.
    process.env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${join(work, 'no-bus')}`;
    try {
      const r = runInPackage(standIn, appDir, main, ['--smoke-test']);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^smoke test failed: .+/);
    } finally {
      process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    }
  });

  it('its keychain module round-trips a secret through gnome-keyring', () => {
    const service = 'fts-packaged-test';
    const user = `probe-${randomBytes(4).toString('hex')}`;
    const first = randomBytes(16).toString('hex');
    const written = runInPackage(standIn, appDir, standIn.keyringProbe, [appDir, 'write', service, user], {
      input: first,
    });
    expect(written.stderr).toBe('');
    expect(written.status).toBe(0);
    expect(loadedOutside(written, appDir, standIn)).toEqual([]);
    // gnome-keyring's own client reads what the packaged module wrote…
    expect(secretTool(['lookup', 'service', service, 'username', user]).stdout).toBe(first);
    // …and the packaged module reads (then deletes) what gnome-keyring's client wrote.
    const second = randomBytes(16).toString('hex');
    expect(
      secretTool(['store', '--label', 'fts packaged test', 'service', service, 'username', user], second).status,
    ).toBe(0);
    const taken = runInPackage(standIn, appDir, standIn.keyringProbe, [appDir, 'take', service, user]);
    expect({ status: taken.status, stdout: taken.stdout, stderr: taken.stderr }).toEqual({
      status: 0,
      stdout: second,
      stderr: '',
    });
    expect(secretTool(['lookup', 'service', service, 'username', user]).status).not.toBe(0);
  });
});

describe('the deb package', () => {
  const depends = (
    parse(readFileSync(join(ROOT, 'build', 'electron-builder.yml'), 'utf8')) as { deb: { depends: string[] } }
  ).deb.depends;
  const owner = (file: string) => {
    const r = spawnSync('dpkg', ['-S', file], { encoding: 'utf8' });
    if (r.status !== 0)
      throw new Error(
        `no Debian package owns ${file}: install with \`apt-get install -y libglib2.0-bin gvfs-backends gvfs-fuse\``,
      );
    return r.stdout.split(':')[0]!.trim();
  };

  it('depends on the packages that ship what the Linux mounter runs, and not on cifs-utils', () => {
    // gio (`gio mount`, electron/platform/mounter-linux.ts), gvfs's SMB backend, and the FUSE view it reads mounts at.
    const needed = ['/usr/bin/gio', '/usr/libexec/gvfsd-smb', '/usr/libexec/gvfsd-fuse'].map(owner);
    expect(needed).toEqual(['libglib2.0-bin', 'gvfs-backends', 'gvfs-fuse']);
    for (const p of needed) expect(depends).toContain(p);
    expect(depends).not.toContain('cifs-utils');
  });
});
