/**
 * The dashboard's Restore panel: pick a snapshot, open its folders page by page, and restore a file or folder into
 * flux (it lands under `Restored YYYY-MM-DD/`, beside anything already there). The helper streams restic's listing
 * and sends one page at a time; the restore runs as a `restore` run whose events this panel follows.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { SnapshotEntry, SnapshotInfo, SnapshotListing } from '../../../contract/restore.js';
import { formatBytes } from '../format.js';
import type { HelperApi } from '../helper-api.js';
import { ActionStatus, type ActionEvent } from './ActionStatus.js';

const PAGE = 100;

/** A snapshot as people pick it: when it was taken, and its short id. */
function snapshotLabel(s: SnapshotInfo): string {
  const when = new Date(s.time).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
  return `${when} · ${s.shortId}`;
}

/** The backed-up folder holding a path, and the folders from it down to the path (for the breadcrumb). */
function crumbsOf(path: string, roots: readonly string[]): { label: string; path: string }[] {
  const root = [...roots].sort((a, b) => b.length - a.length).find((r) => path === r || path.startsWith(`${r}/`));
  if (!root) return [{ label: path, path }];
  const out = [{ label: root.slice(root.lastIndexOf('/') + 1) || '/', path: root }];
  let at = root;
  for (const part of path
    .slice(root.length + 1)
    .split('/')
    .filter(Boolean)) {
    at = `${at}/${part}`;
    out.push({ label: part, path: at });
  }
  return out;
}

/** A path shown below its backed-up folder (`Projects/2019`), as it will land under `Restored …/`. */
function shortPath(path: string, roots: readonly string[]): string {
  const root = [...roots].sort((a, b) => b.length - a.length).find((r) => path === r || path.startsWith(`${r}/`));
  if (!root || path === root) return path.slice(path.lastIndexOf('/') + 1) || path;
  return path.slice(root.length + 1);
}

const KIND_LABEL: Record<SnapshotEntry['kind'], string> = {
  folder: 'Folder',
  file: 'File',
  symlink: 'Link',
  other: 'Other',
};

/** The panel; `runEvents` holds the latest event of each restore run, by run id. */
export function RestorePanel({
  api,
  runEvents,
}: {
  api: HelperApi;
  runEvents: Record<number, ActionEvent | undefined>;
}) {
  const [snapshots, setSnapshots] = useState<SnapshotInfo[] | null>(null);
  const [snapshotId, setSnapshotId] = useState<string>('');
  const [listing, setListing] = useState<SnapshotListing | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [started, setStarted] = useState<{ runId: number; what: string }[]>([]);
  /** The latest folder asked for: an answer to an earlier request (a slow page) never replaces a later one. */
  const request = useRef(0);

  useEffect(() => {
    let live = true;
    api.snapshots().then(
      (list) => {
        if (!live) return;
        setSnapshots(list);
        if (list[0]) setSnapshotId(list[0].id);
      },
      (e: Error) => live && setError(`Could not list the snapshots: ${e.message}`),
    );
    return () => {
      live = false;
    };
  }, [api]);

  const open = useCallback(
    async (path: string | null, offset = 0) => {
      if (!snapshotId) return;
      const mine = ++request.current;
      setLoading(true);
      setError(null);
      try {
        const listing = await api.browse(snapshotId, path, offset, PAGE);
        if (mine === request.current) setListing(listing);
      } catch (e) {
        if (mine === request.current)
          setError(`Could not open ${path ?? 'the snapshot'}: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        if (mine === request.current) setLoading(false);
      }
    },
    [api, snapshotId],
  );

  useEffect(() => {
    setListing(null);
    void open(null);
  }, [open]);

  const restore = async (path: string) => {
    if (!listing) return;
    const what = shortPath(path, listing.snapshot.paths);
    setError(null);
    try {
      const r = await api.restore(listing.snapshot.id, path);
      setStarted((s) => [{ runId: r.runId, what }, ...s].slice(0, 5));
    } catch (e) {
      setError(`Could not restore ${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  if (snapshots === null) return <p className="muted">{error ?? 'Reading the backup’s snapshots…'}</p>;
  if (snapshots.length === 0)
    return <p className="muted">The backup has no snapshots yet; they appear after the first backup.</p>;
  const roots = listing?.snapshot.paths ?? [];
  const crumbs = listing ? crumbsOf(listing.path, roots) : [];
  const atRoot = listing !== null && crumbs.length <= 1;
  const from = listing ? listing.offset + 1 : 0;
  const to = listing ? listing.offset + listing.entries.length : 0;
  return (
    <div className="restore">
      <p className="small muted">
        Restores land in flux in a “Restored YYYY-MM-DD” folder (today’s date), beside whatever is there: nothing is
        written over.
      </p>
      <div className="restore-bar">
        <label>
          Snapshot{' '}
          <select value={snapshotId} onChange={(e) => setSnapshotId(e.target.value)}>
            {snapshots.map((s) => (
              <option key={s.id} value={s.id}>
                {snapshotLabel(s)}
              </option>
            ))}
          </select>
        </label>
        {listing && (
          <nav aria-label="Folder in the snapshot" className="crumbs">
            <ol className="inline-list">
              {crumbs.map((c, i) => (
                <li key={c.path}>
                  {i < crumbs.length - 1 ? (
                    <button type="button" className="btn-link" onClick={() => void open(c.path)}>
                      {c.label}
                    </button>
                  ) : (
                    <strong aria-current="page">{c.label}</strong>
                  )}
                </li>
              ))}
            </ol>
          </nav>
        )}
        {listing && !atRoot && (
          <button type="button" className="btn" onClick={() => void restore(listing.path)}>
            Restore this folder
          </button>
        )}
      </div>
      {error && (
        <p role="alert" className="error-text">
          {error}
        </p>
      )}
      {started.map((s) => (
        <ActionStatus key={s.runId} runId={s.runId} what={s.what} event={runEvents[s.runId]} />
      ))}
      {listing && (
        <>
          <table className="table" aria-busy={loading}>
            <caption className="visually-hidden">
              {listing.path} in snapshot {listing.snapshot.shortId}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Size</th>
                <th scope="col">Modified</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {listing.entries.length === 0 && (
                <tr>
                  <td colSpan={5} className="muted">
                    This folder is empty.
                  </td>
                </tr>
              )}
              {listing.entries.map((e) => (
                <tr key={e.path} data-entry={e.name}>
                  <th scope="row">
                    {e.kind === 'folder' ? (
                      <button
                        type="button"
                        className="btn-link"
                        onClick={() => void open(e.path)}
                        aria-label={`Open folder ${e.name}`}
                      >
                        {e.name}/
                      </button>
                    ) : (
                      e.name
                    )}
                  </th>
                  <td>{KIND_LABEL[e.kind]}</td>
                  <td className="nowrap">{e.size === null ? '' : formatBytes(e.size)}</td>
                  <td className="nowrap">{e.mtime ? new Date(e.mtime).toLocaleDateString() : ''}</td>
                  <td>
                    {e.kind !== 'other' && (
                      <button
                        type="button"
                        className="btn btn-secondary"
                        onClick={() => void restore(e.path)}
                        aria-label={`Restore ${e.name}`}
                      >
                        Restore
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {listing.total > PAGE && (
            <div className="pager small">
              <button
                type="button"
                className="btn btn-secondary"
                disabled={listing.offset === 0 || loading}
                onClick={() => void open(listing.path, Math.max(0, listing.offset - PAGE))}
              >
                Previous
              </button>
              <span role="status">
                {from}–{to} of {listing.total}
              </span>
              <button
                type="button"
                className="btn btn-secondary"
                disabled={to >= listing.total || loading}
                onClick={() => void open(listing.path, listing.offset + PAGE)}
              >
                Next
              </button>
            </div>
          )}
        </>
      )}
      {!listing && loading && <p className="muted">Opening the snapshot…</p>}
    </div>
  );
}
