/**
 * Snapshots as the dashboard sees them: the list, newest first, and one page of a folder's entries. restic's
 * listing is read line by line as it streams; only the page asked for is kept, so a folder of a million entries
 * costs the memory of one page.
 */
import type { SnapshotEntry, SnapshotInfo, SnapshotListing } from '../../../contract/index.js';
import { parentOf, type ResticNode, type Snapshot } from '../backup/parse-restic.js';
import type { ResticEngine } from '../backup/restic-engine.js';
import { RestoreError } from './errors.js';

/** A snapshot as the API sends it. */
export function snapshotInfo(s: Snapshot): SnapshotInfo {
  return {
    id: s.id,
    shortId: s.shortId,
    time: new Date(Date.parse(s.time)).toISOString(),
    hostname: s.hostname,
    paths: s.paths,
    tags: s.tags,
  };
}

/** The repository's snapshots, newest first. */
export async function listSnapshots(engine: ResticEngine): Promise<SnapshotInfo[]> {
  return (await engine.snapshots()).map(snapshotInfo).reverse();
}

/** The entry the API sends for a node. */
export function entryOf(n: ResticNode): SnapshotEntry {
  return { name: n.name, path: n.path, kind: n.kind, size: n.size, mtime: n.mtime };
}

/** The snapshot an id names: the full or short id, or `latest` (this server's newest). */
async function findSnapshot(engine: ResticEngine, id: string, host: string): Promise<Snapshot> {
  const all = await engine.snapshots();
  const found = id === 'latest' ? all.filter((s) => s.hostname === host).at(-1) : all.find((s) => s.id.startsWith(id));
  if (!found) throw new RestoreError('not-found', `no snapshot ${id} in the repository (see GET /api/v1/snapshots)`);
  return found;
}

/**
 * One page of a folder's direct entries: `offset` entries skipped, at most `limit` kept, all of them counted. Without
 * a path, the first folder the snapshot holds. Throws RestoreError for an unknown snapshot or path, or a file.
 */
export async function browseSnapshot(
  engine: ResticEngine,
  opts: { snapshot: string; path?: string; offset: number; limit: number; host: string },
): Promise<SnapshotListing> {
  const path = opts.path ?? (await findSnapshot(engine, opts.snapshot, opts.host)).paths[0] ?? '/';
  const entries: SnapshotEntry[] = [];
  let total = 0;
  let self: ResticNode | null = null;
  const snapshot = await engine.ls(opts.snapshot, path, {
    onNode: (n) => {
      if (n.path === path) {
        self = n;
        return;
      }
      // restic 0.14 prints only the folder and its direct entries; anything deeper (another version) is skipped.
      if (parentOf(n.path) !== path) return;
      if (total >= opts.offset && entries.length < opts.limit) entries.push(entryOf(n));
      total++;
    },
  });
  if (!snapshot)
    throw new RestoreError('not-found', `no snapshot ${opts.snapshot} in the repository (see GET /api/v1/snapshots)`);
  const found = self as ResticNode | null;
  if (!found && total === 0 && path !== '/')
    throw new RestoreError('not-found', `snapshot ${snapshot.shortId} has no ${path}`);
  if (found && found.kind !== 'folder')
    throw new RestoreError('not-a-folder', `${path} is a ${found.kind} in snapshot ${snapshot.shortId}, not a folder`);
  return {
    snapshot: { id: snapshot.id, shortId: snapshot.shortId, time: snapshot.time, paths: snapshot.paths },
    path,
    entries,
    offset: opts.offset,
    limit: opts.limit,
    total,
  };
}
