/** Changing disks: make an ext4 filesystem, mount it, read a device's serial. Only `drives apply` calls these. */
import { statSync } from 'node:fs';
import { exec } from '../../lib/exec.js';

/** Whether path is a block device. */
export function isBlockDevice(path: string): boolean {
  try {
    return statSync(path).isBlockDevice();
  } catch {
    return false;
  }
}

/** The device's serial number (`lsblk -dno SERIAL`), or null when it has none (loop devices, VMs). */
export async function deviceSerial(device: string): Promise<string | null> {
  const r = await exec('lsblk', ['-dno', 'SERIAL', '--', device], { timeoutMs: 15_000 });
  return r.stdout.trim() || null;
}

/** `mkfs.ext4 -q -F -L LABEL -U UUID DEVICE` (the caller has already refused devices it may not wipe). */
export async function makeExt4(device: string, label: string, uuid: string): Promise<void> {
  await exec('mkfs.ext4', ['-q', '-F', '-L', label, '-U', uuid, '--', device], { timeoutMs: 600_000 });
}

/** Mounts the fstab entry for mountPoint from the given fstab file (`mount -T FSTAB MOUNTPOINT`). */
export async function mountFromFstab(fstab: string, mountPoint: string): Promise<void> {
  await exec('mount', ['-T', fstab, mountPoint], { timeoutMs: 60_000 });
}
