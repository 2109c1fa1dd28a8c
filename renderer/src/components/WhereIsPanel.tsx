/**
 * "Where is my file?": part of a name looked for in flux, space, the graduation journal and the newest snapshot. Each
 * result says where the file is now; one in space can be brought back to flux, one only in the snapshot restored.
 * The dashboard passes the helper's API; the tray window its bridge, which searches only this computer's shares and
 * cannot restore (so it offers no restore).
 */
import { useState, type FormEvent } from 'react';
import type { ActionStarted, SearchReport, SearchResult } from '../../../contract/restore.js';
import { formatBytes } from '../format.js';
import { ActionStatus, type ActionEvent } from './ActionStatus.js';

const SOURCE_LABEL: Record<SearchResult['source'], string> = {
  flux: 'In flux',
  space: 'In space',
  journal: 'Gone from space',
  snapshot: 'In the backup',
};
const SOURCE_NAME: Record<SearchResult['source'], string> = {
  flux: 'flux',
  space: 'space',
  journal: 'the graduation journal',
  snapshot: 'the newest snapshot',
};

/** What the panel calls: the dashboard's HelperApi, or the tray's bridge (no restore there). */
export interface WhereIsApi {
  search(q: string): Promise<SearchReport>;
  bringBack(path: string): Promise<ActionStarted>;
  restore?(snapshot: string, path: string): Promise<ActionStarted>;
}

/** Names the sources a search covered: "flux, space or the graduation journal". */
function sourcesText(report: SearchReport): string {
  const names = report.sources.map((s) => SOURCE_NAME[s.source]);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : (names[0] ?? 'the shares');
}

/** The panel; `runEvents` holds the latest event of each restore or bring-back run, by run id. */
export function WhereIsPanel({
  api,
  runEvents,
}: {
  api: WhereIsApi;
  runEvents: Record<number, ActionEvent | undefined>;
}) {
  const [q, setQ] = useState('');
  const [report, setReport] = useState<SearchReport | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** Runs started from a result, by the result's key. */
  const [runs, setRuns] = useState<Record<string, number>>({});

  const search = async (e: FormEvent) => {
    e.preventDefault();
    if (!q.trim()) return;
    setBusy(true);
    setError(null);
    try {
      setReport(await api.search(q.trim()));
    } catch (err) {
      setError(`Could not search: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy(false);
    }
  };

  const keyOf = (r: SearchResult) => `${r.source}:${r.path}`;
  const act = async (r: SearchResult) => {
    setError(null);
    try {
      const started =
        r.action === 'restore' && r.snapshot && api.restore
          ? await api.restore(r.snapshot.id, r.path)
          : await api.bringBack(r.path);
      setRuns((m) => ({ ...m, [keyOf(r)]: started.runId }));
    } catch (err) {
      setError(
        `Could not ${r.action === 'restore' ? 'restore' : 'bring back'} ${r.name}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  };

  return (
    <div className="where-is">
      <form className="search-form" role="search" onSubmit={(e) => void search(e)}>
        <label htmlFor="where-is-q">Part of a file or folder name</label>
        <input
          id="where-is-q"
          type="search"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          placeholder="e.g. budget 2019"
          autoComplete="off"
        />
        <button type="submit" className="btn" disabled={busy || !q.trim()}>
          {busy ? 'Searching…' : 'Search'}
        </button>
      </form>
      {error && (
        <p role="alert" className="error-text">
          {error}
        </p>
      )}
      {report && (
        <>
          <p className="small muted" role="status">
            {report.results.length === 0
              ? `Nothing named like “${report.query}” in ${sourcesText(report)}.`
              : `${report.results.length} found for “${report.query}”.`}
          </p>
          {report.results.length > 0 && (
            <table className="table">
              <caption className="visually-hidden">Where files named like {report.query} are</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Where it is now</th>
                  <th scope="col">Size</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.results.map((r) => {
                  const runId = runs[keyOf(r)];
                  return (
                    <tr key={keyOf(r)} data-result={r.source}>
                      <th scope="row">
                        {r.name}
                        {r.kind === 'folder' ? '/' : ''}
                        <div>
                          <span className={`badge where-${r.source}`}>{SOURCE_LABEL[r.source]}</span>
                        </div>
                      </th>
                      <td>
                        {r.where}
                        {runId !== undefined && <ActionStatus runId={runId} what={r.name} event={runEvents[runId]} />}
                      </td>
                      <td className="nowrap">{r.size === null ? '' : formatBytes(r.size)}</td>
                      <td>
                        {r.action && (r.action !== 'restore' || api.restore) && runId === undefined && (
                          <button
                            type="button"
                            className="btn btn-secondary nowrap"
                            onClick={() => void act(r)}
                            aria-label={`${r.action === 'restore' ? 'Restore a copy of' : 'Bring back to flux'} ${r.path}`}
                          >
                            {r.action === 'restore' ? 'Restore a copy' : 'Bring back to flux'}
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          {report.sources
            .filter((s) => s.error || s.truncated)
            .map((s) => (
              <p key={s.source} className="small warning">
                {s.error ?? `${SOURCE_NAME[s.source]} holds more matches than shown: type more of the name.`}
              </p>
            ))}
        </>
      )}
    </div>
  );
}
