/** Jobs with their last and next runs; the dashboard adds "Run now" and live progress. */
import type { FtsEvent } from '../../../contract/events.js';
import type { Job } from '../../../contract/job.js';
import { dryRunText } from '../../../contract/format.js';
import { formatAgo, formatBytes, formatDuration } from '../format.js';

/** Live progress of a running job, from its latest progress event. */
export type JobProgress = Extract<FtsEvent, { type: 'graduation.progress' | 'backup.progress' }>;

function ProgressLine({ p }: { p: JobProgress }) {
  if (p.type === 'backup.progress') {
    return (
      <div className="progress-line">
        <progress max={1} value={p.data.percentDone} aria-label={`${p.data.job} progress`} />
        <span className="small">
          {Math.round(p.data.percentDone * 100)} % · {formatBytes(p.data.bytesDone)}
          {p.data.waiting ? ` · waiting: ${p.data.waiting}` : ''}
        </span>
      </div>
    );
  }
  return (
    <div className="progress-line" role="status">
      <progress aria-label={`${p.data.job} progress`} />
      <span className="small">
        {p.data.scanned} scanned · {p.data.moved} moved · {formatBytes(p.data.bytesMoved)}
      </span>
    </div>
  );
}

/** The list; `onRun` adds a Run now button per job, `progress` shows live progress by job name. */
export function JobsList({
  jobs,
  onRun,
  progress,
  pending,
  now,
}: {
  jobs: Job[];
  onRun?: (job: Job) => void;
  progress?: Record<string, JobProgress | undefined>;
  pending?: ReadonlySet<string>;
  now?: number;
}) {
  if (jobs.length === 0) return <p className="muted">No jobs are configured.</p>;
  return (
    <ul className="jobs">
      {jobs.map((j) => {
        const p = progress?.[j.name];
        const running = j.running || pending?.has(j.name) === true || p !== undefined;
        return (
          <li key={j.name} className="job" data-job={j.name}>
            <div className="job-head">
              <span className="job-name">{j.name}</span>
              {j.kind !== j.name && <span className="muted small">{j.kind}</span>}
              {running ? <span className="badge badge-mounting">Running</span> : null}
              {onRun && (
                <button
                  type="button"
                  className="btn"
                  disabled={running}
                  onClick={() => onRun(j)}
                  aria-label={`Run ${j.name} now`}
                >
                  Run now
                </button>
              )}
            </div>
            <div className="muted small">
              Last:{' '}
              {j.lastRun
                ? `${dryRunText(j.lastRun.summary) ?? j.lastRun.status}, ${formatAgo(j.lastRun.finishedAt ?? j.lastRun.startedAt, now)} (${formatDuration(j.lastRun.durationMs)})`
                : 'never'}
              {' · '}Next: {j.nextRun ? formatAgo(j.nextRun, now) : j.schedule ? j.schedule : 'on demand'}
            </div>
            {p && <ProgressLine p={p} />}
          </li>
        );
      })}
    </ul>
  );
}
