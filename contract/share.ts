/** Shares as the helper reports them and clients mount them. */
import { z } from 'zod';
import { ShareName, ShareRole } from './common.js';

/** One SMB share served by the helper. */
export const Share = z.strictObject({
  name: ShareName,
  role: ShareRole.optional(),
  path: z.string(),
  timeMachine: z.boolean(),
  /** Drive letter Windows clients map it to, e.g. `F:`. */
  driveLetter: z
    .string()
    .regex(/^[A-Z]:$/)
    .optional(),
  readOnly: z.boolean(),
});
export type Share = z.infer<typeof Share>;

/** What `POST /api/v1/shares/apply` (and `fts-helper samba apply --json`) reports. */
export const ShareApplyResult = z.strictObject({
  changed: z.boolean(),
  dryRun: z.boolean(),
  /** Files written; empty when nothing changed or on a dry run. */
  written: z.array(z.string()),
  /** Shares added, removed or changed. */
  shares: z.array(z.string()),
  /** A unified-style diff of the managed files. */
  diff: z.string(),
  /** testparm's warnings (not fatal), e.g. shares outside fts-helper's file that lack vfs_fruit. */
  warnings: z.array(z.string()),
});
export type ShareApplyResult = z.infer<typeof ShareApplyResult>;

/** Who is connected to the shares and which files are open (from `smbstatus --json`). */
export const SambaSessions = z.strictObject({
  sessions: z.array(
    z.strictObject({
      sessionId: z.string(),
      user: z.string(),
      group: z.string(),
      remoteMachine: z.string(),
      address: z.string(),
      dialect: z.string(),
      encrypted: z.boolean(),
      shares: z.array(z.string()),
    }),
  ),
  openFiles: z.array(
    z.strictObject({
      path: z.string(),
      sharePath: z.string(),
      share: z.string().nullable(),
      users: z.array(z.number()),
      openedAt: z.string().nullable(),
      access: z.string(),
    }),
  ),
});
export type SambaSessions = z.infer<typeof SambaSessions>;
