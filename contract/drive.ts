/** Drives behind the shares: what the helper measures about each role's disk. */
import { z } from 'zod';
import { ShareRole } from './common.js';

/** Health as far as SMART can tell; `unknown` carries the reason. */
export const DriveHealth = z.enum(['passed', 'failed', 'unknown']);

/** A warning a person should act on. */
export const DriveWarning = z.strictObject({
  code: z.enum([
    'not-mounted',
    'wrong-filesystem',
    'usage-high',
    'usage-critical',
    'inodes-high',
    'smart-failed',
    // The share's top folder on this disk is not root:GROUP 2770 (2750 Time Machine): members cannot use it.
    'share-root',
  ]),
  message: z.string(),
});
export type DriveWarning = z.infer<typeof DriveWarning>;

/** One role's disk as measured now. */
export const DriveStatus = z.strictObject({
  role: ShareRole,
  mountPoint: z.string(),
  mounted: z.boolean(),
  expectedFilesystem: z.boolean(),
  device: z.string().nullable(),
  fsType: z.string().nullable(),
  uuid: z.string().nullable(),
  label: z.string().nullable(),
  sizeBytes: z.number().nullable(),
  usedBytes: z.number().nullable(),
  availableBytes: z.number().nullable(),
  inodesTotal: z.number().nullable(),
  inodesUsed: z.number().nullable(),
  health: DriveHealth,
  healthReason: z.string().nullable(),
  warnings: z.array(DriveWarning),
});
export type DriveStatus = z.infer<typeof DriveStatus>;

/** The share of writable space in use, as df's Use% computes it: used of used + available (root-reserved blocks excluded). */
export function usageRatio(used: number | null, available: number | null): number | null {
  if (used === null || available === null || used + available === 0) return null;
  return used / (used + available);
}

/** Use% as df prints it (rounded up, so a disk is 100 % only when nothing is left); null when unmeasured. */
export function usagePercent(d: { usedBytes: number | null; availableBytes: number | null }): number | null {
  const r = usageRatio(d.usedBytes, d.availableBytes);
  return r === null ? null : Math.ceil(r * 100);
}
