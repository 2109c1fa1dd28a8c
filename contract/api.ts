/** The HTTP API as data: every route's method, path, schemas and who may call it. */
import { z } from 'zod';
import { ClientId } from './common.js';
import { ClientRecord, ClientStateReport } from './client.js';
import { SambaSessions, Share, ShareApplyResult } from './share.js';
import { DriveStatus } from './drive.js';
import { Job, JobRun } from './job.js';
import { AlertChannelStatus, AlertTestResult } from './alerts.js';
import { TimeMachineReport } from './timemachine.js';
import { StorageHistory } from './storage.js';
import {
  ActionStarted,
  BringBackRequest,
  BrowseQuery,
  RestoreRequest,
  SearchQuery,
  SearchReport,
  SnapshotId,
  SnapshotInfo,
  SnapshotListing,
} from './restore.js';

/** A JSON error body, the same for every 4xx and 5xx. */
export const ApiError = z.strictObject({
  error: z.string(),
  message: z.string(),
  field: z.string().optional(),
});
export type ApiError = z.infer<typeof ApiError>;

/** Who may call a route: any valid token, or only an admin token. */
export type Role = 'client' | 'admin';

/** Server summary: what the tray's server card and the dashboard show. */
export const Status = z.strictObject({
  /** `startedAt`/`uptimeMs` are null when the summary is read from the store by the CLI, not from the daemon. */
  server: z.strictObject({
    name: z.string(),
    version: z.string(),
    startedAt: z.string().nullable(),
    uptimeMs: z.number().nullable(),
  }),
  shares: z.array(Share),
  drives: z.array(DriveStatus),
  jobs: z.array(Job),
  clients: z.array(ClientRecord),
});
export type Status = z.infer<typeof Status>;

/** Describes one route; the helper registers routes from these and the client calls them with these. */
export interface RouteDef {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  role: Role;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  response: z.ZodType;
}

function route<const R extends RouteDef>(r: R): R {
  return r;
}

/** The API's routes; `path` uses fastify's `:param` syntax. */
export const routes = {
  status: route({ method: 'GET', path: '/api/v1/status', role: 'client', response: Status }),
  listClients: route({ method: 'GET', path: '/api/v1/clients', role: 'client', response: z.array(ClientRecord) }),
  putClientState: route({
    method: 'PUT',
    path: '/api/v1/clients/:id/state',
    role: 'client',
    params: z.strictObject({ id: ClientId }),
    body: ClientStateReport,
    response: z.strictObject({ ok: z.literal(true), online: z.boolean() }),
  }),
  listShares: route({ method: 'GET', path: '/api/v1/shares', role: 'client', response: z.array(Share) }),
  /** Renders, checks, writes and reloads the Samba configuration (rolled back on failure); publishes `share.changed`. */
  applyShares: route({
    method: 'POST',
    path: '/api/v1/shares/apply',
    role: 'admin',
    body: z.strictObject({ dryRun: z.boolean().default(false) }).prefault({}),
    response: ShareApplyResult,
  }),
  /** Who is connected and which files are open. */
  listSessions: route({ method: 'GET', path: '/api/v1/sessions', role: 'admin', response: SambaSessions }),
  listJobs: route({ method: 'GET', path: '/api/v1/jobs', role: 'client', response: z.array(Job) }),
  listRuns: route({
    method: 'GET',
    path: '/api/v1/runs',
    role: 'client',
    query: z.strictObject({
      job: z.string().max(64).optional(),
      limit: z.coerce.number().int().min(1).max(500).optional(),
    }),
    response: z.array(JobRun),
  }),
  /** Moves the files a graduation run moved back to flux; the undo runs as its own run (watch its events). */
  undoGraduationRun: route({
    method: 'POST',
    path: '/api/v1/graduation/runs/:id/undo',
    role: 'admin',
    params: z.strictObject({ id: z.coerce.number().int().positive() }),
    response: z.strictObject({ runId: z.number().int().positive(), undoOf: z.number().int().positive() }),
  }),
  /** Starts a job now; the run is queued until the resources it needs are free. */
  runJob: route({
    method: 'POST',
    path: '/api/v1/jobs/:name/run',
    role: 'admin',
    params: z.strictObject({ name: z.string().max(64) }),
    response: JobRun,
  }),
  /** Asks a queued or running run to stop; answers with the run as it stands (it ends shortly after). */
  cancelRun: route({
    method: 'POST',
    path: '/api/v1/runs/:id/cancel',
    role: 'admin',
    params: z.strictObject({ id: z.coerce.number().int().positive() }),
    response: JobRun,
  }),
  /** A run's log as the helper keeps it (its last 64 KiB): restic's lines, lock waits, files that failed. Admin only: it names paths. */
  runLog: route({
    method: 'GET',
    path: '/api/v1/runs/:id/log',
    role: 'admin',
    params: z.strictObject({ id: z.coerce.number().int().positive() }),
    response: z.strictObject({ runId: z.number().int().positive(), log: z.string() }),
  }),
  /** The alert channels with what they send and their delivery record (no secret, no URL path). */
  listAlertChannels: route({
    method: 'GET',
    path: '/api/v1/alerts',
    role: 'admin',
    response: z.array(AlertChannelStatus),
  }),
  /** Sends one test message to a channel now, once, from the helper; answers with what the channel did. */
  testAlertChannel: route({
    method: 'POST',
    path: '/api/v1/alerts/:name/test',
    role: 'admin',
    params: z.strictObject({ name: z.string().max(32) }),
    response: AlertTestResult,
  }),
  /**
   * Each Mac backing up to the Time Machine share; `host` keeps the Macs whose name folds like it (a tray asks for its
   * own). A client token sees only its own Mac(s), and a `host` other than its own is 403; an admin token sees all.
   */
  timeMachine: route({
    method: 'GET',
    path: '/api/v1/timemachine',
    role: 'client',
    query: z.strictObject({ host: z.string().min(1).max(255).optional() }),
    response: TimeMachineReport,
  }),
  /** Each drive's usage over the last `days` days (default 90), with the trend read from it. */
  storageHistory: route({
    method: 'GET',
    path: '/api/v1/storage/history',
    role: 'client',
    query: z.strictObject({ days: z.coerce.number().int().min(1).max(3660).default(90) }),
    response: StorageHistory,
  }),
  /** The backup repository's snapshots, newest first (restic only). */
  listSnapshots: route({ method: 'GET', path: '/api/v1/snapshots', role: 'admin', response: z.array(SnapshotInfo) }),
  /** One page of a folder's direct entries in a snapshot; restic's listing is read as a stream and never held whole. */
  browseSnapshot: route({
    method: 'GET',
    path: '/api/v1/snapshots/:id/ls',
    role: 'admin',
    params: z.strictObject({ id: SnapshotId }),
    query: BrowseQuery,
    response: SnapshotListing,
  }),
  /** Restores a file or folder of a snapshot into flux under `Restored YYYY-MM-DD/`, never over a live file; a `restore` run. */
  startRestore: route({
    method: 'POST',
    path: '/api/v1/restore',
    role: 'admin',
    body: RestoreRequest,
    response: ActionStarted,
  }),
  /**
   * Moves a file or folder from space back to flux with graduation's safety; a `bring-back` run. A client token (a
   * tray) may bring back only what its Samba user owns, into a flux it has: another member's item is 403.
   */
  bringBack: route({
    method: 'POST',
    path: '/api/v1/bring-back',
    role: 'client',
    body: BringBackRequest,
    response: ActionStarted,
  }),
  /**
   * "Where is my file?": a name (part of it, any case) in flux, space, the graduation journal and the newest snapshot.
   * A client token searches the shares its client has (not the snapshot), sees the names its Samba user could see,
   * and is offered "Bring back to flux" only on its user's own files.
   */
  search: route({ method: 'GET', path: '/api/v1/search', role: 'client', query: SearchQuery, response: SearchReport }),
} as const;

/** The route map's type, for typed clients. */
export type Routes = typeof routes;
