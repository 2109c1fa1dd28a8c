/** The helper's dashboard: clients, drives, shares, jobs with history and Run now, graduation undo, restore, "Where is my file?", events. */
import { Fragment, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Status } from '../../../contract/api.js';
import { dryRunText, printableText } from '../../../contract/format.js';
import type { FtsEvent } from '../../../contract/events.js';
import type { Job, JobRun } from '../../../contract/job.js';
import { ActivityFeed } from '../components/ActivityFeed.js';
import { AlertsPanel } from '../components/AlertsPanel.js';
import { ClientsTable } from '../components/ClientsTable.js';
import { DriveList } from '../components/DriveUsage.js';
import { JobsList, type JobProgress } from '../components/JobsList.js';
import { StorageChart } from '../components/StorageChart.js';
import { TimeMachinePanel } from '../components/TimeMachinePanel.js';
import { isActionEvent, type ActionEvent } from '../components/ActionStatus.js';
import { RestorePanel } from '../components/RestorePanel.js';
import { WhereIsPanel } from '../components/WhereIsPanel.js';
import type { TimeMachineReport } from '../../../contract/timemachine.js';
import type { StorageHistory } from '../../../contract/storage.js';
import { files, formatAgo, formatBytes, formatDuration } from '../format.js';
import { ApiCallError, HelperApi } from '../helper-api.js';

const FEED_CAP = 300;
const SECTIONS = [
  ['clients', 'Clients'],
  ['drives', 'Drives'],
  ['shares', 'Shares'],
  ['jobs', 'Jobs'],
  ['storage', 'Storage over time'],
  ['timemachine', 'Time Machine'],
  ['find', 'Where is my file?'],
  ['restore', 'Restore'],
  ['runs', 'History'],
  ['events', 'Activity'],
  ['alerts', 'Alerts'],
] as const;

/** A run's log as the dashboard shows it: loading, its text, or why it could not be read. */
type OpenLog = { id: number; text: string | null; error: string | null };

function RunsTable({
  runs,
  onUndo,
  readLog,
}: {
  runs: JobRun[];
  onUndo: (run: JobRun) => void;
  readLog: (id: number) => Promise<string>;
}) {
  const [confirming, setConfirming] = useState<number | null>(null);
  const [openLog, setOpenLog] = useState<OpenLog | null>(null);
  const toggleLog = (id: number) => {
    if (openLog?.id === id) return setOpenLog(null);
    setOpenLog({ id, text: null, error: null });
    readLog(id).then(
      (text) => setOpenLog((o) => (o?.id === id ? { id, text, error: null } : o)),
      (e: unknown) =>
        setOpenLog((o) => (o?.id === id ? { id, text: null, error: e instanceof Error ? e.message : String(e) } : o)),
    );
  };
  if (runs.length === 0) return <p className="muted">No runs yet.</p>;
  return (
    <table className="table">
      <caption className="visually-hidden">Job run history, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">Job</th>
          <th scope="col">Status</th>
          <th scope="col">Started</th>
          <th scope="col">Took</th>
          <th scope="col">Summary</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => {
          const moved = typeof r.summary?.moved === 'number' ? r.summary.moved : null;
          const bytes = typeof r.summary?.bytesMoved === 'number' ? r.summary.bytesMoved : null;
          const restoredTo = typeof r.summary?.restoredTo === 'string' ? r.summary.restoredTo : null;
          // A dry run moved nothing: it says what it would have done, never "succeeded, 0 files".
          const dry = dryRunText(r.summary);
          const logShown = openLog?.id === r.id;
          return (
            <Fragment key={r.id}>
              <tr data-run={r.id}>
                <th scope="row">#{r.id}</th>
                <td>{r.job}</td>
                <td>
                  <span className={`badge run-${r.status}`}>
                    {dry ? `${r.status === 'succeeded' ? '' : `${r.status}, `}dry run` : r.status}
                  </span>
                </td>
                <td>{formatAgo(r.startedAt)}</td>
                <td>{formatDuration(r.durationMs)}</td>
                <td className="small">
                  {r.error ??
                    (dry !== null
                      ? dry.replace(/^dry run: /, '')
                      : restoredTo !== null
                        ? `to flux: ${restoredTo}`
                        : moved !== null
                          ? `${files(moved)}, ${formatBytes(bytes ?? 0)}`
                          : '')}
                </td>
                <td>
                  {/* The helper says which runs it can undo (JobRun.undoable); the dashboard does not decide. */}
                  {r.undoable &&
                    (confirming === r.id ? (
                      <span className="buttons">
                        <button
                          type="button"
                          className="btn btn-danger"
                          onClick={() => (setConfirming(null), onUndo(r))}
                        >
                          Confirm undo #{r.id}
                        </button>
                        <button type="button" className="btn btn-secondary" onClick={() => setConfirming(null)}>
                          Keep
                        </button>
                      </span>
                    ) : (
                      <button
                        type="button"
                        className="btn btn-secondary"
                        onClick={() => setConfirming(r.id)}
                        aria-label={`Undo graduation run ${r.id}`}
                      >
                        Undo
                      </button>
                    ))}
                  <button
                    type="button"
                    className="btn btn-secondary"
                    aria-expanded={logShown}
                    aria-controls={`run-log-${r.id}`}
                    onClick={() => toggleLog(r.id)}
                    aria-label={`${logShown ? 'Hide' : 'Show'} the log of run ${r.id}`}
                  >
                    {logShown ? 'Hide log' : 'Log'}
                  </button>
                </td>
              </tr>
              {logShown && (
                <tr id={`run-log-${r.id}`} className="run-log">
                  <td colSpan={7}>
                    {openLog.error !== null ? (
                      <p role="alert">Could not read the log: {openLog.error}</p>
                    ) : openLog.text === null ? (
                      <p className="muted">Reading the log…</p>
                    ) : openLog.text === '' ? (
                      <p className="muted">This run wrote nothing to its log.</p>
                    ) : (
                      <pre
                        className="log"
                        tabIndex={0}
                        aria-label={`Log of run ${r.id}`}
                        // The end says how the run ended (why it failed, what to do): open there.
                        ref={(el) => {
                          if (el) el.scrollTop = el.scrollHeight;
                        }}
                      >
                        {printableText(openLog.text)}
                      </pre>
                    )}
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}

/** The dashboard for one token; `onSignOut` forgets it. */
export function Dashboard({ api, onSignOut }: { api: HelperApi; onSignOut: () => void }) {
  const [status, setStatus] = useState<Status | null>(null);
  const [runs, setRuns] = useState<JobRun[]>([]);
  const [timeMachine, setTimeMachine] = useState<TimeMachineReport | null>(null);
  const [storage, setStorage] = useState<StorageHistory | null>(null);
  const [events, setEvents] = useState<FtsEvent[]>([]);
  const [progress, setProgress] = useState<Record<string, JobProgress | undefined>>({});
  /** The latest event of each restore and bring-back run, by run id: the panels that started them show it. */
  const [actionEvents, setActionEvents] = useState<Record<number, ActionEvent | undefined>>({});
  const [pending, setPending] = useState<Set<string>>(new Set());
  const [live, setLive] = useState(false);
  const [message, setMessage] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);
  const refreshTimer = useRef<number | null>(null);

  const refresh = useCallback(async () => {
    try {
      const [s, r] = await Promise.all([api.status(), api.runs(50)]);
      setStatus(s);
      setRuns(r);
      // The panels below read disks and history; a failure there must not hide the summary.
      void api.timeMachine().then(setTimeMachine, () => setTimeMachine(null));
    } catch (e) {
      if (e instanceof ApiCallError && e.status === 401) onSignOut();
      else
        setMessage({
          kind: 'error',
          text: `Could not load the summary: ${e instanceof Error ? e.message : String(e)}`,
        });
    }
  }, [api, onSignOut]);

  const scheduleRefresh = useCallback(() => {
    if (refreshTimer.current !== null) return;
    refreshTimer.current = window.setTimeout(() => {
      refreshTimer.current = null;
      void refresh();
    }, 250);
  }, [refresh]);

  // The history changes daily and after graduations: read it at start and when a graduation or a sample ends.
  const refreshStorage = useCallback(() => {
    void api.storageHistory(90).then(setStorage, () => setStorage(null));
  }, [api]);

  useEffect(() => {
    void refresh();
    refreshStorage();
    const poll = window.setInterval(() => void refresh(), 15_000);
    const stop = api.follow((e) => {
      if (isActionEvent(e)) setActionEvents((m) => ({ ...m, [e.data.runId]: e }));
      if (e.type === 'graduation.progress' || e.type === 'backup.progress') {
        setProgress((p) => ({ ...p, [e.data.job]: e }));
      } else if (e.type !== 'restore.progress' && e.type !== 'bringback.progress') {
        setEvents((list) => (list.some((x) => x.id === e.id) ? list : [e, ...list].slice(0, FEED_CAP)));
      }
      if (e.type === 'graduation.finished') refreshStorage();
      if (e.type.endsWith('.finished') || e.type.endsWith('.failed')) {
        const job = (e.data as { job?: string }).job;
        if (job) {
          setProgress((p) => ({ ...p, [job]: undefined }));
          setPending((s) => {
            const n = new Set(s);
            n.delete(job);
            return n;
          });
        }
      }
      scheduleRefresh();
    }, setLive);
    return () => {
      stop();
      window.clearInterval(poll);
      if (refreshTimer.current !== null) window.clearTimeout(refreshTimer.current);
    };
  }, [api, refresh, refreshStorage, scheduleRefresh]);

  const runNow = async (job: Job) => {
    setMessage(null);
    setPending((s) => new Set(s).add(job.name));
    const unpend = () =>
      setPending((s) => {
        const n = new Set(s);
        n.delete(job.name);
        return n;
      });
    try {
      const run = await api.runJob(job.name);
      setMessage({
        kind: 'info',
        text:
          run.status === 'queued'
            ? `${job.name} is queued as run #${run.id}; it starts when its drives are free.`
            : `${job.name} started as run #${run.id}.`,
      });
      // From here the summary's `running` flag (and the run's events) say whether it still runs: not every job
      // publishes a finished event under its own name (a drive check only warns), so pending must not outlive this.
      await refresh();
      unpend();
    } catch (e) {
      unpend();
      setMessage({ kind: 'error', text: `Could not start ${job.name}: ${e instanceof Error ? e.message : String(e)}` });
    }
  };

  const undo = async (run: JobRun) => {
    setMessage(null);
    try {
      const started = await api.undoGraduation(run.id);
      setMessage({ kind: 'info', text: `Undo of graduation run #${started.undoOf} started as run #${started.runId}.` });
      scheduleRefresh();
    } catch (e) {
      setMessage({
        kind: 'error',
        text: `Could not undo run #${run.id}: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
  };

  const feed = useMemo(() => events, [events]);
  if (!status) {
    return (
      <main className="dashboard">
        <h1>Flux Time Space</h1>
        <p role="status">{message?.text ?? 'Loading…'}</p>
      </main>
    );
  }
  return (
    <div className="dashboard">
      <header className="dash-header">
        <h1>
          {status.server.name} <span className="muted">Flux Time Space helper {status.server.version}</span>
        </h1>
        <p className="small">
          <span className={live ? 'dot dot-ok' : 'dot dot-bad'} aria-hidden="true" />
          {live ? 'Live' : 'Reconnecting…'}
          {status.server.uptimeMs !== null ? ` · up ${formatDuration(status.server.uptimeMs)}` : ''}{' '}
          <button type="button" className="btn-link" onClick={onSignOut}>
            Sign out
          </button>
        </p>
        <nav aria-label="Sections">
          <ul className="inline-list">
            {SECTIONS.map(([id, label]) => (
              <li key={id}>
                <a href={`#${id}`}>{label}</a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      {message && (
        <p
          role={message.kind === 'error' ? 'alert' : 'status'}
          className={message.kind === 'error' ? 'error-text' : 'info-text'}
        >
          {message.text}
        </p>
      )}
      <main className="grid">
        <section id="clients" aria-labelledby="clients-h" className="card wide">
          <h2 id="clients-h">Clients</h2>
          <ClientsTable clients={status.clients} />
        </section>
        <section id="drives" aria-labelledby="drives-h" className="card">
          <h2 id="drives-h">Drives</h2>
          <DriveList drives={status.drives} detailed />
        </section>
        <section id="shares" aria-labelledby="shares-h" className="card">
          <h2 id="shares-h">Shares</h2>
          <ul className="shares">
            {status.shares.map((s) => (
              <li key={s.name} className="share" data-share={s.name}>
                <div className="share-head">
                  <span className="share-name">{s.name}</span>
                  {s.role && s.role !== s.name && <span className="muted small">{s.role}</span>}
                </div>
                <div className="muted small">
                  {s.path}
                  {s.timeMachine ? ' · Time Machine' : ''}
                  {s.driveLetter ? ` · Windows ${s.driveLetter}` : ''}
                  {s.readOnly ? ' · read-only' : ''}
                </div>
              </li>
            ))}
          </ul>
        </section>
        <section id="jobs" aria-labelledby="jobs-h" className="card">
          <h2 id="jobs-h">Jobs</h2>
          <JobsList jobs={status.jobs} onRun={(j) => void runNow(j)} progress={progress} pending={pending} />
        </section>
        <section id="storage" aria-labelledby="storage-h" className="card wide">
          <h2 id="storage-h">Storage over time</h2>
          <StorageChart history={storage} />
        </section>
        <section id="timemachine" aria-labelledby="timemachine-h" className="card wide">
          <h2 id="timemachine-h">Time Machine</h2>
          <TimeMachinePanel report={timeMachine} />
        </section>
        <section id="find" aria-labelledby="find-h" className="card wide">
          <h2 id="find-h">Where is my file?</h2>
          <WhereIsPanel api={api} runEvents={actionEvents} />
        </section>
        <section id="restore" aria-labelledby="restore-h" className="card wide">
          <h2 id="restore-h">Restore from the backup</h2>
          <RestorePanel api={api} runEvents={actionEvents} />
        </section>
        <section id="runs" aria-labelledby="runs-h" className="card wide">
          <h2 id="runs-h">History</h2>
          <RunsTable runs={runs} onUndo={(r) => void undo(r)} readLog={(id) => api.runLog(id)} />
        </section>
        <section id="events" aria-labelledby="events-h" className="card wide">
          <h2 id="events-h">Activity</h2>
          <ActivityFeed events={feed} limit={100} />
        </section>
        <section id="alerts" aria-labelledby="alerts-h" className="card wide">
          <h2 id="alerts-h">Alerts</h2>
          <AlertsPanel api={api} />
        </section>
      </main>
    </div>
  );
}
