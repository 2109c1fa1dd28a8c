/** How a restore or bring-back the dashboard started is going, from the latest event of its run. */
import type { FtsEvent } from '../../../contract/events.js';
import { formatBytes } from '../format.js';

/** The events of restore and bring-back runs. */
export type ActionEvent = Extract<FtsEvent, { type: `restore.${string}` | `bringback.${string}` }>;

/** Whether an event belongs to a restore or bring-back run. */
export function isActionEvent(e: FtsEvent): e is ActionEvent {
  return e.type.startsWith('restore.') || e.type.startsWith('bringback.');
}

/** One line (with a progress bar while it runs) for run `runId`; `what` names the file or folder. */
export function ActionStatus({ runId, what, event }: { runId: number; what: string; event: ActionEvent | undefined }) {
  if (!event) {
    return (
      <p className="progress-line small" role="status">
        <progress aria-label={`${what}: waiting`} />
        <span>
          {what}: waiting to start (run #{runId})
        </span>
      </p>
    );
  }
  switch (event.type) {
    case 'restore.started':
    case 'restore.progress': {
      const d = event.data;
      const done = event.type === 'restore.progress' ? event.data : { filesDone: 0, bytesDone: 0 };
      return (
        <p className="progress-line small" role="status">
          <progress max={Math.max(1, d.totalBytes)} value={done.bytesDone} aria-label={`Restoring ${what}`} />
          <span>
            Restoring {what}: {done.filesDone} of {d.totalFiles} files · {formatBytes(done.bytesDone)} of{' '}
            {formatBytes(d.totalBytes)}
          </span>
        </p>
      );
    }
    case 'restore.finished':
      return (
        <p className="info-text small" role="status" data-restored-to={event.data.restoredTo}>
          ✓ Restored {event.data.files} {event.data.files === 1 ? 'file' : 'files'} ({formatBytes(event.data.bytes)}) to
          flux: <strong>{event.data.restoredTo}</strong>
          {event.data.renamed ? ' (a folder of that name was there already, so this one has a suffix)' : ''}
        </p>
      );
    case 'bringback.started':
    case 'bringback.progress':
      return (
        <p className="progress-line small" role="status">
          <progress aria-label={`Bringing back ${what}`} />
          <span>
            Bringing back {what}
            {event.type === 'bringback.progress'
              ? `: ${event.data.moved} files · ${formatBytes(event.data.bytesMoved)}`
              : '…'}
          </span>
        </p>
      );
    case 'bringback.finished': {
      const d = event.data;
      return (
        <p className={d.failed ? 'error-text small' : 'info-text small'} role="status">
          {d.failed ? '⚠' : '✓'} Back in {d.to}: {d.moved} {d.moved === 1 ? 'file' : 'files'} (
          {formatBytes(d.bytesMoved)})
          {d.renamed ? `; ${d.renamed} kept beside a file of the same name, with "(graduated)" added` : ''}
          {d.failed ? `; ${d.failed} could not be moved (see the run's log)` : ''}
        </p>
      );
    }
    case 'restore.failed':
    case 'bringback.failed':
      return (
        <p className="error-text small" role="alert">
          {event.data.cancelled ? 'Cancelled' : 'Failed'}: {event.data.reason}
        </p>
      );
  }
}
