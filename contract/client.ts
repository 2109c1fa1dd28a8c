/** What a desktop client reports about itself and its mounts. */
import { z } from 'zod';
import { ClientId, ShareName, Timestamp } from './common.js';

/** The state of one share on one client. */
export const MountState = z.enum(['mounted', 'unmounted', 'mounting', 'error']);
export type MountState = z.infer<typeof MountState>;

/** Why a mount failed, in words a UI can show. */
export const MountErrorCode = z.enum([
  'server-unreachable',
  'credentials-rejected',
  'share-missing',
  'drive-letter-taken',
  'timeout',
  'unknown',
]);
export type MountErrorCode = z.infer<typeof MountErrorCode>;

/** One share as a client sees it. */
export const ClientShareState = z.strictObject({
  share: ShareName,
  state: MountState,
  mountPoint: z.string().max(1024).nullable(),
  errorCode: MountErrorCode.nullable(),
  errorMessage: z.string().max(2048).nullable().optional(),
});
export type ClientShareState = z.infer<typeof ClientShareState>;

/** The body of `PUT /api/v1/clients/{id}/state`. */
export const ClientStateReport = z.strictObject({
  hostName: z.string().min(1).max(255),
  os: z.enum(['darwin', 'win32', 'linux']),
  osVersion: z.string().max(128).optional(),
  appVersion: z.string().min(1).max(64),
  shares: z.array(ClientShareState).max(64),
});
export type ClientStateReport = z.infer<typeof ClientStateReport>;

/** A client as the helper's registry holds it. */
export const ClientRecord = ClientStateReport.extend({
  id: ClientId,
  firstSeen: Timestamp,
  lastSeen: Timestamp,
  online: z.boolean(),
});
export type ClientRecord = z.infer<typeof ClientRecord>;
