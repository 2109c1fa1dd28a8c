// Installs what the project needs and is missing: npm packages always; Debian packages when root on Debian.
// Plain Node with no dependencies, so it runs on a fresh clone before `npm install`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Debian packages the tests use, and a command each provides (what we look for on PATH). */
export const DEBIAN_PACKAGES = {
  samba: '/usr/sbin/smbd',
  smbclient: '/usr/bin/smbclient',
  // fruit, catia and streams_xattr: only Recommended by samba, so --no-install-recommends leaves them out.
  'samba-vfs-modules': '/usr/lib/x86_64-linux-gnu/samba/vfs/fruit.so',
  restic: '/usr/bin/restic',
  rclone: '/usr/bin/rclone',
  'gvfs-backends': '/usr/lib/x86_64-linux-gnu/gvfs/libgvfscommon.so',
  'gvfs-fuse': '/usr/libexec/gvfsd-fuse',
  dbus: '/usr/bin/dbus-daemon',
  'dbus-user-session': '/usr/lib/systemd/user/dbus.socket',
  'libglib2.0-bin': '/usr/bin/gio',
  'gnome-keyring': '/usr/bin/gnome-keyring-daemon',
  'libsecret-tools': '/usr/bin/secret-tool',
  chromium: '/usr/bin/chromium',
  xvfb: '/usr/bin/Xvfb',
  e2fsprogs: '/usr/sbin/mkfs.ext4',
  attr: '/usr/bin/getfattr',
  rsync: '/usr/bin/rsync',
  // The avahi service file's DTD, and xmllint to check rendered files against it.
  'avahi-daemon': '/usr/share/avahi/avahi-service.dtd',
  'libxml2-utils': '/usr/bin/xmllint',
  openssl: '/usr/bin/openssl',
  'util-linux': '/usr/bin/findmnt',
  procps: '/usr/bin/pkill',
  // node-gyp builds server-helper/native at `npm ci` with these.
  'build-essential': '/usr/bin/make',
  python3: '/usr/bin/python3',
};

/** Installs npm packages when node_modules is missing or older than the lock file. */
export function ensureNpm() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.error('[deps] installing npm packages (npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
  });
  if (r.status !== 0) throw new Error('npm ci failed');
}

/** The Debian packages whose command is missing. */
export function missingDebianPackages() {
  return Object.entries(DEBIAN_PACKAGES)
    .filter(([, file]) => !existsSync(file))
    .map(([pkg]) => pkg);
}

/** Installs missing Debian packages when running as root on Debian; otherwise says what to install. */
export function ensureDebian() {
  const missing = missingDebianPackages();
  if (missing.length === 0) return;
  const isDebian = existsSync('/etc/debian_version');
  const isRoot = process.getuid?.() === 0;
  if (!isDebian || !isRoot) {
    console.error(
      `[deps] missing system packages: ${missing.join(' ')}\n[deps] install them with: sudo apt-get install -y ${missing.join(' ')}`,
    );
    return;
  }
  console.error(`[deps] installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}

/** The project's package.json, for scripts that need its fields. */
export function packageJson() {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
}

export { root };
