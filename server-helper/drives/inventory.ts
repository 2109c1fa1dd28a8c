/**
 * Drive inventory: for each role's configured disk, whether it is mounted, whether it is the right filesystem
 * (UUID/label/type), its usage and SMART health, and the warnings a person should act on.
 */
import { existsSync, statSync } from 'node:fs';
import type { DriveStatus, DriveWarning } from '../../contract/index.js';
import { ShareRole, usageRatio } from '../../contract/index.js';
import type { DriveConfig, HelperConfig } from '../config/schema.js';
import { inspectShareRoots, shareRootReport, type ShareRootState } from '../samba/share-roots.js';
import { probeDevice } from '../system/blkid.js';
import { fsUsage, type FsUsage } from '../system/df.js';
import { findMountAt, type MountInfo } from '../system/findmnt.js';
import { smartHealth, type SmartHealth } from '../system/smartctl.js';

/** Usage at or above this share of the space a user can write is a warning... */
export const USAGE_HIGH = 0.85;
/** ...and at or above this, critical. */
export const USAGE_CRITICAL = 0.95;

/** How the inventory reads the system (real, or a test's). */
export interface DriveProbe {
  findMountAt(mountPoint: string): Promise<MountInfo | null>;
  fsUsage(path: string): Promise<FsUsage | null>;
  probeDevice(device: string): Promise<Record<string, string> | null>;
  smartHealth(device: string): Promise<SmartHealth>;
  isDirectory(path: string): boolean;
}

/** The real system. */
export const realDriveProbe: DriveProbe = {
  findMountAt,
  fsUsage,
  probeDevice,
  smartHealth,
  isDirectory: (p) => existsSync(p) && statSync(p).isDirectory(),
};

/** The share of writable space in use (contract's, so the helper, the CLI and the dashboard count alike). */
export { usageRatio };

const pct = (r: number) => `${Math.floor(r * 100)}%`;

/** The warnings for one measured drive (pure). */
export function driveWarnings(d: Omit<DriveStatus, 'warnings'>, cfg: DriveConfig): DriveWarning[] {
  const w: DriveWarning[] = [];
  const expected = [cfg.uuid && `UUID ${cfg.uuid}`, cfg.label && `label ${cfg.label}`].filter(Boolean).join(', ');
  if (!d.mounted) {
    w.push({
      code: 'not-mounted',
      message: cfg.requireMount
        ? `${d.mountPoint} is not mounted${expected ? ` (expected ${expected})` : ''}`
        : `${d.mountPoint} does not exist`,
    });
    return w;
  }
  if (!d.expectedFilesystem) {
    w.push({
      code: 'wrong-filesystem',
      message:
        `${d.mountPoint} holds ${d.fsType ?? '?'} ${d.uuid ? `UUID ${d.uuid}` : ''}${d.label ? ` label ${d.label}` : ''} from ${d.device ?? '?'}, expected ${cfg.fsType}${expected ? ` ${expected}` : ''}`.replace(
          /\s+/g,
          ' ',
        ),
    });
  }
  const use = usageRatio(d.usedBytes, d.availableBytes);
  if (use !== null && use >= USAGE_CRITICAL)
    w.push({ code: 'usage-critical', message: `${d.mountPoint} is ${pct(use)} full (≥ ${pct(USAGE_CRITICAL)})` });
  else if (use !== null && use >= USAGE_HIGH)
    w.push({ code: 'usage-high', message: `${d.mountPoint} is ${pct(use)} full (≥ ${pct(USAGE_HIGH)})` });
  if (d.inodesTotal && d.inodesUsed !== null && d.inodesUsed / d.inodesTotal >= USAGE_HIGH) {
    w.push({ code: 'inodes-high', message: `${d.mountPoint} uses ${pct(d.inodesUsed / d.inodesTotal)} of its inodes` });
  }
  if (d.health === 'failed')
    w.push({
      code: 'smart-failed',
      message: `${d.device ?? d.mountPoint}: ${d.healthReason ?? 'SMART health failed'}; replace the disk`,
    });
  return w;
}

/** Whether a mounted filesystem is the one the config names (pure). */
export function isExpectedFilesystem(
  m: { fsType: string | null; uuid: string | null; label: string | null },
  cfg: DriveConfig,
): boolean {
  if (cfg.fsType && m.fsType !== cfg.fsType) return false;
  if (cfg.uuid && m.uuid?.toLowerCase() !== cfg.uuid.toLowerCase()) return false;
  if (cfg.label && m.label !== cfg.label) return false;
  return true;
}

/** Measures one role's drive now. */
export async function inspectDrive(
  role: DriveStatus['role'],
  cfg: DriveConfig,
  probe: DriveProbe = realDriveProbe,
): Promise<DriveStatus> {
  const base = {
    role,
    mountPoint: cfg.mountPoint,
    mounted: false,
    expectedFilesystem: false,
    device: null as string | null,
    fsType: null as string | null,
    uuid: null as string | null,
    label: null as string | null,
    sizeBytes: null as number | null,
    usedBytes: null as number | null,
    availableBytes: null as number | null,
    inodesTotal: null as number | null,
    inodesUsed: null as number | null,
    health: 'unknown' as DriveStatus['health'],
    healthReason: null as string | null,
  };
  if (!cfg.requireMount) {
    // The sandbox: a folder is enough.
    base.mounted = probe.isDirectory(cfg.mountPoint);
    base.expectedFilesystem = true;
    base.healthReason = 'a folder, not a disk of its own (requireMount: false)';
    if (base.mounted) {
      const u = await probe.fsUsage(cfg.mountPoint);
      if (u)
        Object.assign(base, {
          device: u.source,
          fsType: u.fsType,
          sizeBytes: u.sizeBytes,
          usedBytes: u.usedBytes,
          availableBytes: u.availableBytes,
          inodesTotal: u.inodesTotal,
          inodesUsed: u.inodesUsed,
        });
    }
    return { ...base, warnings: driveWarnings(base, cfg) };
  }
  const m = await probe.findMountAt(cfg.mountPoint);
  if (!m) {
    base.healthReason = 'not mounted';
    return { ...base, warnings: driveWarnings(base, cfg) };
  }
  base.mounted = true;
  base.device = m.source;
  base.fsType = m.fsType;
  base.uuid = m.uuid;
  base.label = m.label;
  if (m.source.startsWith('/dev/') && (m.uuid === null || m.label === null)) {
    // Without udev findmnt may not know UUID or label; the device itself does.
    const b = await probe.probeDevice(m.source).catch(() => null);
    base.uuid ??= b?.UUID ?? null;
    base.label ??= b?.LABEL ?? null;
  }
  base.expectedFilesystem = isExpectedFilesystem(base, cfg);
  const u = await probe.fsUsage(cfg.mountPoint);
  if (u)
    Object.assign(base, {
      sizeBytes: u.sizeBytes,
      usedBytes: u.usedBytes,
      availableBytes: u.availableBytes,
      inodesTotal: u.inodesTotal,
      inodesUsed: u.inodesUsed,
    });
  if (m.source.startsWith('/dev/')) {
    const h = await probe.smartHealth(m.source);
    base.health = h.health;
    base.healthReason = h.reason;
  } else {
    base.healthReason = `${m.source} is not a block device`;
  }
  return { ...base, warnings: driveWarnings(base, cfg) };
}

/** Measures every configured role's drive, in role order. */
/**
 * Measures every configured role's drive, in role order. A mounted drive also warns when the top folder of a share
 * of its role is not as the household needs it (a fresh filesystem mounted over the install's folder is root:root
 * 0755: members cannot write).
 */
export async function inspectDrives(
  config: HelperConfig,
  probe: DriveProbe = realDriveProbe,
  shareRoots: (config: HelperConfig) => Promise<ShareRootState[]> = inspectShareRoots,
): Promise<DriveStatus[]> {
  const roles = ShareRole.options.filter((r) => config.drives[r]);
  const [drives, roots] = await Promise.all([
    Promise.all(roles.map((r) => inspectDrive(r, config.drives[r]!, probe))),
    shareRoots(config),
  ]);
  for (const d of drives) {
    if (!d.mounted) continue;
    for (const r of roots)
      if (r.problem && (config.shares[r.spec.index]?.role === d.role || r.spec.path === d.mountPoint))
        d.warnings.push({ code: 'share-root', message: shareRootReport(r) });
  }
  return drives;
}
