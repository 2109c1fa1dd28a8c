/** The event stream: one discriminated union, ids monotonic so a reconnecting client misses nothing. */
import { z } from 'zod';
import { ClientId, Timestamp } from './common.js';
import { DriveWarning } from './drive.js';
import { ShareRole } from './common.js';
import { TimeMachineWarningCode } from './timemachine.js';

const runRef = { runId: z.number().int().positive(), job: z.string() };

/** Which backup operation an event is about: the backup itself, retention (forget --prune) or a repository check. */
export const BackupOperation = z.enum(['backup', 'prune', 'check']);
export type BackupOperation = z.infer<typeof BackupOperation>;

/** Counts that end a graduation run; `examples` lets a client name a few files. */
export const GraduationTotals = z.strictObject({
  scanned: z.number().int().nonnegative(),
  eligible: z.number().int().nonnegative(),
  moved: z.number().int().nonnegative(),
  bytesMoved: z.number().nonnegative(),
  skipped: z.record(z.string(), z.number().int().nonnegative()),
  failed: z.number().int().nonnegative(),
  examples: z.array(z.string()).max(10),
  from: z.string(),
  to: z.string(),
  durationMs: z.number().nonnegative(),
  /** Bytes of the files the policy chose: what a dry run would move. */
  eligibleBytes: z.number().nonnegative().default(0),
  /** A dry run: nothing moved; `eligible` and `eligibleBytes` say what would. */
  dryRun: z.boolean().default(false),
  /** Why the run stopped before the end (the free-space margin), or on a dry run why the real run would. */
  stopped: z.string().nullable().default(null),
});
export type GraduationTotals = z.infer<typeof GraduationTotals>;

/** The data each event type carries. */
export const EventData = {
  'graduation.started': z.strictObject({ ...runRef, from: z.string(), to: z.string(), dryRun: z.boolean() }),
  'graduation.progress': z.strictObject({
    ...runRef,
    scanned: z.number().int().nonnegative(),
    moved: z.number().int().nonnegative(),
    bytesMoved: z.number().nonnegative(),
    currentPath: z.string().nullable(),
  }),
  'graduation.finished': z.strictObject({ ...runRef, ...GraduationTotals.shape }),
  'graduation.failed': z.strictObject({ ...runRef, reason: z.string() }),
  'backup.started': z.strictObject({
    ...runRef,
    engine: z.enum(['restic', 'rclone']),
    /** The repository without credentials (a URL's user info is never included). */
    repository: z.string(),
    operation: BackupOperation.default('backup'),
  }),
  'backup.progress': z.strictObject({
    ...runRef,
    percentDone: z.number().min(0).max(1),
    filesDone: z.number().int().nonnegative(),
    totalFiles: z.number().int().nonnegative().nullable(),
    bytesDone: z.number().nonnegative(),
    totalBytes: z.number().nonnegative().nullable(),
    /** Why the run is not moving, when it waits (another restic holds the repository's lock); null otherwise. */
    waiting: z.string().nullable().default(null),
  }),
  'backup.finished': z.strictObject({
    ...runRef,
    snapshotId: z.string().nullable(),
    filesNew: z.number().int().nonnegative(),
    filesChanged: z.number().int().nonnegative(),
    dataAdded: z.number().nonnegative(),
    durationMs: z.number().nonnegative(),
    warning: z.string().nullable(),
    /** Files restic could not read (exit 3), at most 20; the run log has them all. */
    unreadable: z.array(z.string()).max(20).default([]),
    /** Snapshots removed by retention after the backup; null when retention did not run. */
    snapshotsRemoved: z.number().int().nonnegative().nullable().default(null),
  }),
  'backup.failed': z.strictObject({
    ...runRef,
    reason: z.string(),
    operation: BackupOperation.default('backup'),
    cancelled: z.boolean().default(false),
  }),
  /** Retention ran on its own (the prune job). */
  'backup.pruned': z.strictObject({
    ...runRef,
    snapshotsKept: z.number().int().nonnegative(),
    snapshotsRemoved: z.number().int().nonnegative(),
    durationMs: z.number().nonnegative(),
  }),
  /** A repository check passed (a failing check is `backup.failed` with operation `check`). */
  'backup.checked': z.strictObject({
    ...runRef,
    /** The `n/N` data subset that was read, or null when only the structure was checked. */
    subset: z.string().nullable(),
    durationMs: z.number().nonnegative(),
  }),
  /** A restore from a snapshot into flux started: what, and how much (restic's listing of it). */
  'restore.started': z.strictObject({
    ...runRef,
    snapshot: z.string(),
    path: z.string(),
    totalFiles: z.number().int().nonnegative(),
    totalBytes: z.number().nonnegative(),
  }),
  'restore.progress': z.strictObject({
    ...runRef,
    filesDone: z.number().int().nonnegative(),
    totalFiles: z.number().int().nonnegative(),
    bytesDone: z.number().nonnegative(),
    totalBytes: z.number().nonnegative(),
  }),
  /** The restored file or folder is in flux at `restoredTo` (relative to flux); `renamed` when the first name was taken. */
  'restore.finished': z.strictObject({
    ...runRef,
    snapshot: z.string(),
    path: z.string(),
    restoredTo: z.string(),
    files: z.number().int().nonnegative(),
    bytes: z.number().nonnegative(),
    renamed: z.boolean(),
    durationMs: z.number().nonnegative(),
  }),
  'restore.failed': z.strictObject({ ...runRef, reason: z.string(), cancelled: z.boolean().default(false) }),
  /** A file or folder is being brought back from space to flux. */
  'bringback.started': z.strictObject({ ...runRef, path: z.string(), from: z.string(), to: z.string() }),
  'bringback.progress': z.strictObject({
    ...runRef,
    moved: z.number().int().nonnegative(),
    bytesMoved: z.number().nonnegative(),
    currentPath: z.string().nullable(),
  }),
  /** `renamed` counts files kept under a suffixed name because flux held another file of that name; `examples` are where some landed. */
  'bringback.finished': z.strictObject({
    ...runRef,
    path: z.string(),
    from: z.string(),
    to: z.string(),
    moved: z.number().int().nonnegative(),
    bytesMoved: z.number().nonnegative(),
    renamed: z.number().int().nonnegative(),
    skipped: z.record(z.string(), z.number().int().nonnegative()),
    failed: z.number().int().nonnegative(),
    examples: z.array(z.string()).max(10),
    durationMs: z.number().nonnegative(),
  }),
  'bringback.failed': z.strictObject({ ...runRef, reason: z.string(), cancelled: z.boolean().default(false) }),
  'drive.warning': z.strictObject({ role: ShareRole, mountPoint: z.string(), warning: DriveWarning }),
  'share.changed': z.strictObject({ shares: z.array(z.string()), reason: z.string() }),
  'client.seen': z.strictObject({ clientId: ClientId, hostName: z.string(), wasOfflineMs: z.number().nullable() }),
  /**
   * A Mac's Time Machine backup needs attention (announced once per new condition; a condition that clears and
   * comes back is announced again). The tray shows it on the Mac whose client id is in `clientIds`, or whose
   * host name folds (timeMachineHostKey) to `hostKey` when it is not registered under a matching name.
   */
  'timemachine.warning': z.strictObject({
    /** The Mac's computer name (the bundle's name). */
    host: z.string(),
    hostKey: z.string(),
    clientIds: z.array(ClientId),
    /** The bundle's path inside the time share. */
    bundle: z.string(),
    code: TimeMachineWarningCode,
    message: z.string(),
    lastBackup: Timestamp.nullable(),
    usage: z.number().nullable(),
  }),
} as const;

/** Every event type there is. */
export type EventType = keyof typeof EventData;
/** All event type names, for filters and tests. */
export const EVENT_TYPES = Object.keys(EventData) as EventType[];

function eventOf<T extends EventType>(type: T) {
  return z.strictObject({
    id: z.number().int().positive(),
    ts: Timestamp,
    type: z.literal(type),
    data: EventData[type],
  });
}

/** One event as stored and streamed. */
export const FtsEvent = z.discriminatedUnion('type', [
  eventOf('graduation.started'),
  eventOf('graduation.progress'),
  eventOf('graduation.finished'),
  eventOf('graduation.failed'),
  eventOf('backup.started'),
  eventOf('backup.progress'),
  eventOf('backup.finished'),
  eventOf('backup.failed'),
  eventOf('backup.pruned'),
  eventOf('backup.checked'),
  eventOf('restore.started'),
  eventOf('restore.progress'),
  eventOf('restore.finished'),
  eventOf('restore.failed'),
  eventOf('bringback.started'),
  eventOf('bringback.progress'),
  eventOf('bringback.finished'),
  eventOf('bringback.failed'),
  eventOf('drive.warning'),
  eventOf('share.changed'),
  eventOf('client.seen'),
  eventOf('timemachine.warning'),
]);
export type FtsEvent = z.infer<typeof FtsEvent>;

/** The data of one event type as a publisher writes it (fields with defaults may be left out). */
export type EventDataOf<T extends EventType> = z.input<(typeof EventData)[T]>;
/** An event of one type. */
export type EventOf<T extends EventType> = Extract<FtsEvent, { type: T }>;

/** Events a person is told about (notifications, activity feed headlines). */
export const NOTABLE_EVENTS: readonly EventType[] = [
  'graduation.finished',
  'graduation.failed',
  'backup.finished',
  'backup.failed',
  'restore.finished',
  'restore.failed',
  'bringback.finished',
  'bringback.failed',
  'drive.warning',
  'timemachine.warning',
];
