/**
 * Time Machine's size limit against the disk under it. Samba's `fruit:time machine max size` is what makes a Mac
 * thin out its old backups; a limit larger than the disk never triggers, and the Macs fill the disk instead.
 * With `perUser` every member's folder gets the whole limit, so the limit counts once per Samba account.
 */
import { statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseSize } from '../../contract/index.js';
import { formatBinaryBytes } from '../../contract/format.js';
import type { HelperConfig } from '../config/schema.js';
import { listSambaUsers } from '../system/smbpasswd.js';

/** One limit that does not fit, named by its key. */
export interface CapacityWarning {
  key: string;
  message: string;
}

/** What the check reads from the machine (tests give their own). */
export interface CapacityDeps {
  /** The Samba accounts (pdbedit); a failure counts as one Mac. */
  users?: () => Promise<string[]>;
  /** The size in bytes of the filesystem holding PATH, or null when PATH does not exist. */
  diskSize?: (path: string) => number | null;
}

/** The size of the filesystem that holds PATH (statfs), or null when PATH cannot be read. */
export function filesystemSize(path: string): number | null {
  try {
    const s = statfsSync(path);
    return s.blocks * s.bsize;
  } catch {
    return null;
  }
}

/** True when PATH is the root of a filesystem of its own (a disk mounted there), not a folder on its parent's. */
export function isMountedDisk(path: string): boolean {
  try {
    return statSync(path).dev !== statSync(dirname(path)).dev;
  } catch {
    return false;
  }
}

/** The seed's limit for a time disk of this size: half of it (room for two Macs), in whole G, or M below 2 GiB. */
export function suggestedMaxSize(diskBytes: number): string {
  const half = diskBytes / 2;
  if (half >= 1024 ** 3) return `${Math.floor(half / 1024 ** 3)}G`;
  return `${Math.max(1, Math.floor(half / 1024 ** 2))}M`;
}

/** Every Time Machine share whose maxSize (× Samba accounts with perUser) exceeds the disk under its path. */
export async function timeMachineCapacityWarnings(
  config: HelperConfig,
  deps: CapacityDeps = {},
): Promise<CapacityWarning[]> {
  const out: CapacityWarning[] = [];
  const diskSize = deps.diskSize ?? filesystemSize;
  let users: number | null = null;
  const countUsers = async (): Promise<number> => {
    if (users === null) {
      try {
        users = (await (deps.users ?? (() => listSambaUsers(config.samba.smbConf)))()).length;
      } catch {
        users = 0;
      }
    }
    return users;
  };
  for (const [i, share] of config.shares.entries()) {
    const tm = share.timeMachine;
    if (!tm || tm.maxSize === undefined) continue;
    const max = parseSize(tm.maxSize);
    const disk = diskSize(share.path);
    if (max === null || disk === null || disk === 0) continue;
    // No account yet still means one Mac will back up.
    const macs = tm.perUser ? Math.max(1, await countUsers()) : 1;
    if (max * macs <= disk) continue;
    const each = tm.perUser ? ` × ${macs} Samba account${macs === 1 ? '' : 's'} (perUser: each gets the limit)` : '';
    const fit = Math.floor(disk / macs);
    out.push({
      key: `shares[${i}].timeMachine.maxSize`,
      message: `${tm.maxSize}${each} is more than the disk at ${share.path} (${formatBinaryBytes(disk)}): the Macs would fill it before Time Machine removes old backups; set it to at most ${formatBinaryBytes(fit)} (e.g. ${suggestedMaxSize(fit * 2)})`,
    });
  }
  return out;
}
