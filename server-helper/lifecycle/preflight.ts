/**
 * The drive check before data moves: each role's disk is mounted where configured and is the configured
 * filesystem (type, and UUID or label), so an unmounted /space never fills the root disk.
 */
import { statSync } from 'node:fs';
import type { DriveConfig, HelperConfig } from '../config/schema.js';
import type { MountInfo } from '../system/findmnt.js';
import { mountOf } from '../system/mounts.js';

/** A role whose disk is not what the config says; nothing may move. */
export class PreflightError extends Error {
  override readonly name = 'PreflightError';
  constructor(
    readonly role: string,
    message: string,
  ) {
    super(message);
  }
}

/** Checks one drive against what is mounted; pure, so every refusal is testable without a disk. */
export function checkDrive(role: string, drive: DriveConfig, mount: MountInfo | null, isDirectory: boolean): void {
  if (!isDirectory) throw new PreflightError(role, `${role}: ${drive.mountPoint} does not exist or is not a directory`);
  if (!drive.requireMount) return;
  if (!mount || mount.target !== drive.mountPoint) {
    throw new PreflightError(
      role,
      `${role}: no disk is mounted at ${drive.mountPoint}${mount ? ` (it is part of ${mount.target})` : ''}; mount it before graduating`,
    );
  }
  if (drive.fsType && mount.fsType !== drive.fsType) {
    throw new PreflightError(role, `${role}: ${drive.mountPoint} is ${mount.fsType}, the config says ${drive.fsType}`);
  }
  if (drive.uuid && mount.uuid?.toLowerCase() !== drive.uuid.toLowerCase()) {
    throw new PreflightError(
      role,
      `${role}: ${drive.mountPoint} holds filesystem UUID ${mount.uuid ?? '(none)'}, the config says ${drive.uuid}`,
    );
  }
  if (drive.label && mount.label !== drive.label) {
    throw new PreflightError(
      role,
      `${role}: ${drive.mountPoint} holds filesystem label ${mount.label ?? '(none)'}, the config says ${drive.label}`,
    );
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Checks the drives of the given roles (`drives.<role>` in the config); throws PreflightError on the first problem. */
export async function preflightDrives(
  config: HelperConfig,
  roles: readonly string[],
  signal?: AbortSignal,
): Promise<void> {
  for (const role of roles) {
    const drive = config.drives[role as keyof HelperConfig['drives']];
    if (!drive)
      throw new PreflightError(role, `${role}: no drives.${role} in the config, so its disk cannot be checked`);
    const dir = isDir(drive.mountPoint);
    const mount = dir && drive.requireMount ? await mountOf(drive.mountPoint, signal) : null;
    checkDrive(role, drive, mount, dir);
  }
}
