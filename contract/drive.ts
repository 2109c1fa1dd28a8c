/** Drives behind the shares: what the helper measures about each role's disk. */
import { z } from 'zod';
import { ShareRole } from './common.js';

/** Health as far as SMART can tell; `unknown` carries the reason. */
export const DriveHealth = z.enum(['passed', 'failed', 'unknown']);

/** A warning a person should act on. */
export const DriveWarning = z.strictObject({
  code: z.enum(['not-mounted', 'wrong-filesystem', 'usage-high', 'usage-critical', 'inodes-high', 'smart-failed']),
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
