/** Fails a test with install instructions when a real component is missing (never a silent skip). */
import { existsSync } from 'node:fs';

const PACKAGE_OF: Record<string, string> = {
  '/usr/sbin/smbd': 'samba',
  '/usr/bin/smbclient': 'smbclient',
  '/usr/bin/testparm': 'samba',
  '/usr/bin/smbpasswd': 'samba',
  '/usr/bin/restic': 'restic',
  '/usr/bin/rclone': 'rclone',
  '/usr/bin/gio': 'libglib2.0-bin gvfs-backends gvfs-fuse',
  '/usr/bin/gnome-keyring-daemon': 'gnome-keyring',
  '/usr/bin/chromium': 'chromium',
  '/usr/bin/openssl': 'openssl',
  '/usr/sbin/mkfs.ext4': 'e2fsprogs',
  '/usr/bin/getfattr': 'attr',
  '/usr/bin/rsync': 'rsync',
  '/usr/bin/setpriv': 'util-linux',
  '/usr/bin/smbstatus': 'samba',
  '/usr/bin/python3': 'python3',
  '/usr/bin/xmllint': 'libxml2-utils',
  '/usr/share/avahi/avahi-service.dtd': 'avahi-daemon',
};

/** Throws a clear error naming the Debian package when any of the files is missing. */
export function requireBinaries(...files: string[]): void {
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map((f) => PACKAGE_OF[f] ?? '(unknown package)'))].join(' ');
  throw new Error(
    `missing ${missing.join(', ')}: install with \`apt-get install -y ${pkgs}\` (npm test does this when run as root on Debian)`,
  );
}

/** Throws unless running as root (loop mounts, Unix users, chown). */
export function requireRoot(what: string): void {
  if (process.getuid?.() !== 0)
    throw new Error(`${what} needs root (loop devices, useradd); run the tests as root as CI does`);
}
