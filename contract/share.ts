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
  driveLetter: z.string().regex(/^[A-Z]:$/).optional(),
  readOnly: z.boolean(),
});
export type Share = z.infer<typeof Share>;
