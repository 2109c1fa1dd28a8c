/**
 * Restore and "bring back": snapshots and their folders as the dashboard browses them, a restore of a file or folder
 * into flux, bringing a file or folder back from space to flux, and the "Where is my file?" search across flux,
 * space, the graduation journal and the newest snapshot.
 */
import { z } from 'zod';
import { Timestamp } from './common.js';

/** A restic snapshot id (8 to 64 hex digits: the short id or the full one), or `latest` (the newest of this server). */
export const SnapshotId = z
  .string()
  .regex(/^([0-9a-f]{8,64}|latest)$/, 'a snapshot id is 8-64 hex digits (see GET /api/v1/snapshots) or "latest"');
export type SnapshotId = z.infer<typeof SnapshotId>;

const hasControl = (s: string) => [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** An absolute path inside a snapshot, as it was backed up (`/space/Projects/x`): no `.`, `..` or empty part. */
export const SnapshotPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/'), {
    message: 'a snapshot path is absolute, as it was backed up (e.g. /space/Projects)',
  })
  .refine(
    (p) =>
      p === '/' ||
      p
        .slice(1)
        .split('/')
        .every((part) => part !== '' && part !== '.' && part !== '..'),
    {
      message: 'a snapshot path has no empty, "." or ".." part and does not end in /',
    },
  )
  .refine((p) => !hasControl(p), { message: 'a snapshot path cannot contain control characters' });

/**
 * A path relative to a share's folder (`Projects/x/report.pdf`): no leading `/`, no `.`, `..` or empty part, no control
 * character. The helper resolves it beneath the share's folder and never follows a symlink on the way.
 */
export const SharePath = z
  .string()
  .min(1, 'a path inside the share cannot be empty')
  .max(4096)
  .refine((p) => !p.startsWith('/'), {
    message: 'a path inside the share is relative to it (Projects/x), not absolute',
  })
  .refine((p) => p.split('/').every((part) => part !== '' && part !== '.' && part !== '..'), {
    message: 'a path inside the share has no empty, "." or ".." part',
  })
  .refine((p) => !hasControl(p), { message: 'a path inside the share cannot contain control characters' });

/** One snapshot of the backup repository. */
export const SnapshotInfo = z.strictObject({
  id: z.string(),
  shortId: z.string(),
  time: Timestamp,
  hostname: z.string(),
  /** The folders it holds, as they were backed up (`/space`). */
  paths: z.array(z.string()),
  tags: z.array(z.string()),
});
export type SnapshotInfo = z.infer<typeof SnapshotInfo>;

/** What one entry of a snapshot's folder is. */
export const EntryKind = z.enum(['file', 'folder', 'symlink', 'other']);
export type EntryKind = z.infer<typeof EntryKind>;

/** One entry of a folder in a snapshot. */
export const SnapshotEntry = z.strictObject({
  name: z.string(),
  /** Absolute, as backed up. */
  path: z.string(),
  kind: EntryKind,
  /** Bytes of a file; null for a folder or a symlink. */
  size: z.number().nonnegative().nullable(),
  mtime: Timestamp.nullable(),
});
export type SnapshotEntry = z.infer<typeof SnapshotEntry>;

/** One page of a folder's entries in a snapshot, in restic's order (by name). */
export const SnapshotListing = z.strictObject({
  snapshot: SnapshotInfo.pick({ id: true, shortId: true, time: true, paths: true }),
  path: z.string(),
  entries: z.array(SnapshotEntry),
  offset: z.number().int().nonnegative(),
  limit: z.number().int().positive(),
  /** Every direct entry of the folder (the page holds at most `limit` of them). */
  total: z.number().int().nonnegative(),
});
export type SnapshotListing = z.infer<typeof SnapshotListing>;

/** The query of `GET /api/v1/snapshots/{id}/ls`: a folder (default: the first folder the snapshot holds) and a page. */
export const BrowseQuery = z.strictObject({
  path: SnapshotPath.optional(),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

/** What a restore takes: a snapshot and the file or folder in it. It lands in flux under `Restored YYYY-MM-DD/`. */
export const RestoreRequest = z.strictObject({ snapshot: SnapshotId, path: SnapshotPath });
export type RestoreRequest = z.infer<typeof RestoreRequest>;

/** What bring-back takes: a file or folder in space, relative to the space share's folder. */
export const BringBackRequest = z.strictObject({ path: SharePath });
export type BringBackRequest = z.infer<typeof BringBackRequest>;

/** A run started by a restore or bring-back request (watch its events, or GET /api/v1/runs). */
export const ActionStarted = z.strictObject({
  runId: z.number().int().positive(),
  status: z.enum(['queued', 'running']),
});
export type ActionStarted = z.infer<typeof ActionStarted>;

/** Where a search found a name. */
export const SearchSource = z.enum(['flux', 'space', 'journal', 'snapshot']);
export type SearchSource = z.infer<typeof SearchSource>;

/** How a graduation moved a file, from the journal. */
export const GraduationRecord = z.strictObject({
  at: Timestamp,
  runId: z.number().int().positive(),
  /** Relative to flux, where it was. */
  from: z.string(),
  /** Relative to space, where graduation put it. */
  to: z.string(),
});
export type GraduationRecord = z.infer<typeof GraduationRecord>;

/** One place a searched name is. */
export const SearchResult = z.strictObject({
  name: z.string(),
  kind: EntryKind,
  /** Where it is now: in flux, in space, gone from space since it graduated (`journal`), or only in the newest snapshot. */
  source: SearchSource,
  /** Relative to the share's folder (flux, space, journal: the space path), absolute as backed up (snapshot). */
  path: z.string(),
  size: z.number().nonnegative().nullable(),
  mtime: Timestamp.nullable(),
  /** One line a person reads: "in space: Projects/x, graduated on 3 Nov 2024 from flux/Projects/x". */
  where: z.string(),
  graduated: GraduationRecord.nullable(),
  /** The snapshot a `snapshot` result is in. */
  snapshot: SnapshotInfo.pick({ id: true, shortId: true, time: true }).nullable(),
  /** What the helper offers: bring it back to flux (space), restore a copy (snapshot), or nothing (already in flux). */
  action: z.enum(['bring-back', 'restore']).nullable(),
});
export type SearchResult = z.infer<typeof SearchResult>;

/** How one source was searched. */
export const SearchSourceReport = z.strictObject({
  source: SearchSource,
  /** Entries (or journal rows) looked at. */
  looked: z.number().int().nonnegative(),
  /** The source had more than it could look at or return: narrow the search. */
  truncated: z.boolean(),
  /** Why this source could not be searched (no backup configured, restic failed); the others still were. */
  error: z.string().nullable(),
});
export type SearchSourceReport = z.infer<typeof SearchSourceReport>;

/** The query of `GET /api/v1/search`: part of a name (case-insensitive) and the most results per source. */
export const SearchQuery = z.strictObject({
  q: z.string().trim().min(1, 'type part of a file or folder name').max(255),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

/** What "Where is my file?" found, flux first, then space, the journal and the newest snapshot. */
export const SearchReport = z.strictObject({
  query: z.string(),
  results: z.array(SearchResult),
  sources: z.array(SearchSourceReport),
});
export type SearchReport = z.infer<typeof SearchReport>;
