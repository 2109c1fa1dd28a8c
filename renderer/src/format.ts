/** Formatting for people: sizes, times, durations and one-line event headlines. */
import type { FtsEvent } from '../../contract/events.js';
import { usageRatio } from '../../contract/drive.js';
import { formatDuration } from '../../contract/format.js';

export { formatDuration };

/** What each backup operation is called in a headline. */
const BACKUP_OPERATION: Record<Extract<FtsEvent, { type: 'backup.started' }>['data']['operation'], string> = {
  backup: 'Backup',
  check: 'Backup check',
  prune: 'Backup retention',
};
import { formatBinaryBytes } from '../../contract/format.js';

/** Bytes in binary units, as the rest of FTS writes them (`1.5 GiB`). */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return formatBinaryBytes(n);
}

/**
 * How full a drive is, as df's Use% and the helper's drive warnings count it: used of the space a user can write
 * (used + available; root-reserved blocks excluded). 0 when unmeasured.
 */
export function driveUsage(d: { usedBytes: number | null; availableBytes: number | null }): number {
  return usageRatio(d.usedBytes, d.availableBytes) ?? 0;
}

/** "just now", "5 min ago", "3 h ago", "2 d ago" (or "in …" for future times). */
export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const diff = Math.round((now - Date.parse(iso)) / 1000);
  const s = Math.abs(diff);
  const text =
    s < 90
      ? null
      : s < 5400
        ? `${Math.round(s / 60)} min`
        : s < 129600
          ? `${Math.round(s / 3600)} h`
          : `${Math.round(s / 86400)} d`;
  if (!text) return diff >= 0 ? 'just now' : 'in a moment';
  return diff >= 0 ? `${text} ago` : `in ${text}`;
}

/** "1 file", "3 files". */
export function files(n: number): string {
  return `${n} ${n === 1 ? 'file' : 'files'}`;
}

/** The last part of a path (a snapshot path is absolute and long; its name says what it is). */
const lastPart = (path: string) => path.slice(path.lastIndexOf('/') + 1) || path;

/** The one-line headline of an event for the activity feed. */
export function describeEvent(e: FtsEvent): string {
  switch (e.type) {
    case 'graduation.started':
      return `Graduation started: ${e.data.from} → ${e.data.to}${e.data.dryRun ? ' (dry run)' : ''}`;
    case 'graduation.progress':
      return `Graduation: ${e.data.moved} of ${e.data.scanned} scanned files moved (${formatBytes(e.data.bytesMoved)})`;
    case 'graduation.finished':
      if (e.data.dryRun)
        return `Dry run: would graduate ${files(e.data.eligible)}, ${formatBytes(e.data.eligibleBytes)} to ${e.data.to}${e.data.stopped ? `; ${e.data.stopped}` : ''}`;
      return `Graduation finished: ${files(e.data.moved)}, ${formatBytes(e.data.bytesMoved)} to ${e.data.to}${e.data.failed ? `, ${e.data.failed} failed` : ''}${e.data.stopped ? `; stopped early: ${e.data.stopped}` : ''}`;
    case 'graduation.failed':
      return `Graduation failed: ${e.data.reason}`;
    case 'backup.started':
      return `${BACKUP_OPERATION[e.data.operation]} started (${e.data.engine})`;
    case 'backup.progress':
      if (e.data.waiting) return `Backup waiting: ${e.data.waiting}`;
      return `Backup: ${Math.round(e.data.percentDone * 100)}% (${formatBytes(e.data.bytesDone)})`;
    case 'backup.finished':
      return `Backup finished: ${e.data.filesNew} new, ${e.data.filesChanged} changed, ${formatBytes(e.data.dataAdded)} added${e.data.warning ? ` (${e.data.warning})` : ''}`;
    case 'backup.failed':
      return `${BACKUP_OPERATION[e.data.operation]} ${e.data.cancelled ? 'cancelled' : 'failed'}: ${e.data.reason}`;
    case 'backup.pruned':
      return `Backup retention: ${e.data.snapshotsRemoved} snapshots removed, ${e.data.snapshotsKept} kept`;
    case 'backup.checked':
      return `Backup check passed${e.data.subset ? ` (data subset ${e.data.subset})` : ''}`;
    case 'restore.started':
      return `Restore started: “${lastPart(e.data.path)}” from snapshot ${e.data.snapshot} (${files(e.data.totalFiles)}, ${formatBytes(e.data.totalBytes)})`;
    case 'restore.progress':
      return `Restore: ${e.data.filesDone} of ${files(e.data.totalFiles)} (${formatBytes(e.data.bytesDone)})`;
    case 'restore.finished':
      return `Restored “${lastPart(e.data.path)}” from snapshot ${e.data.snapshot} to flux: ${e.data.restoredTo}${e.data.renamed ? ' (its first name was taken)' : ''}`;
    case 'restore.failed':
      return `Restore ${e.data.cancelled ? 'cancelled' : 'failed'}: ${e.data.reason}`;
    case 'bringback.started':
      return `Bring back started: ${e.data.path} from ${e.data.from} to ${e.data.to}`;
    case 'bringback.progress':
      return `Bring back: ${files(e.data.moved)} (${formatBytes(e.data.bytesMoved)})`;
    case 'bringback.finished':
      return `Brought back ${e.data.path} to ${e.data.to}: ${files(e.data.moved)}, ${formatBytes(e.data.bytesMoved)}${e.data.renamed ? `, ${e.data.renamed} kept under a suffixed name` : ''}${e.data.failed ? `, ${e.data.failed} failed` : ''}`;
    case 'bringback.failed':
      return `Bring back ${e.data.cancelled ? 'cancelled' : 'failed'}: ${e.data.reason}`;
    case 'drive.warning':
      return `Drive ${e.data.role}: ${e.data.warning.message}`;
    case 'share.changed':
      return `Shares changed (${e.data.shares.join(', ')}): ${e.data.reason}`;
    case 'client.seen':
      return `${e.data.hostName} connected${e.data.wasOfflineMs ? ` after ${formatDuration(e.data.wasOfflineMs)} offline` : ''}`;
    case 'timemachine.warning':
      return `Time Machine: ${e.data.message}`;
  }
}

/** How serious an event is, for the feed's marker. */
export function eventSeverity(e: FtsEvent): 'ok' | 'info' | 'warning' | 'error' {
  if (e.type.endsWith('.failed')) return 'error';
  if (
    e.type === 'drive.warning' ||
    e.type === 'timemachine.warning' ||
    (e.type === 'backup.finished' && e.data.warning) ||
    (e.type === 'graduation.finished' && (e.data.failed > 0 || !!e.data.stopped)) ||
    (e.type === 'bringback.finished' && e.data.failed > 0)
  )
    return 'warning';
  if (e.type.endsWith('.finished') || e.type === 'backup.checked' || e.type === 'backup.pruned') return 'ok';
  return 'info';
}
