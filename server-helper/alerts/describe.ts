/**
 * Events worded for a person who is not at a desktop ("Backup failed on motoko"), with the two keys that
 * coalescing counts by: the run (one message per run) and the kind (repeats of the same thing).
 */
import { eventLevel, type AlertLevel, type AlertMessage, type FtsEvent } from '../../contract/index.js';
import { formatBinaryBytes } from '../../contract/format.js';

/** What an alert says about one event. */
export interface AlertContent {
  level: AlertLevel;
  title: string;
  body: string;
  /** The event type and its subject: repeats of one kind within a channel's window are held back. */
  kind: string;
  /** `job#runId` for events of a job run (a run is told once per channel), else null. */
  runKey: string | null;
}

/** Fields that name what an event is about, in the order they make up a kind (for event types without their own rule). */
const SUBJECT_FIELDS = ['job', 'role', 'share', 'host', 'hostName', 'clientId', 'machine', 'bundle', 'code'] as const;

const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

function runOf(data: unknown): { job: string; runId: number } | null {
  const d = data as { job?: unknown; runId?: unknown };
  return typeof d.job === 'string' && typeof d.runId === 'number' ? { job: d.job, runId: d.runId } : null;
}

/** The kind for an event type without a rule of its own: its type and the subject fields it carries. */
function genericKind(e: FtsEvent): string {
  const d = e.data as Record<string, unknown>;
  const subject = SUBJECT_FIELDS.map((f) => d[f]).filter((v) => typeof v === 'string' || typeof v === 'number');
  return [e.type, ...subject].join(':');
}

/** `restore.backup-stale` → `Restore backup stale`. */
function humanType(type: string): string {
  const words = type.replace(/[._-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The scalar fields of an event's data as `key: value` lines, for event types without wording of their own. */
function dataLines(data: unknown, omit: readonly string[]): string {
  return Object.entries(data as Record<string, unknown>)
    .filter(([k, v]) => !omit.includes(k) && v !== null && ['string', 'number', 'boolean'].includes(typeof v))
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join('\n');
}

const OPERATION_NAME = { backup: 'Backup', prune: 'Backup retention', check: 'Backup check' } as const;

/** Words and keys for one event on server `server`. */
export function describeEvent(e: FtsEvent, server: string): AlertContent {
  const level = eventLevel(e);
  const run = runOf(e.data);
  const runKey = run ? `${run.job}#${run.runId}` : null;
  const runLine = run ? `\n\nJob ${run.job}, run #${run.runId}.` : '';
  const base = { level, runKey, kind: run ? `${e.type}:${run.job}` : genericKind(e) };
  switch (e.type) {
    case 'graduation.failed':
      return { ...base, title: `Graduation failed on ${server}`, body: `${e.data.reason}${runLine}` };
    case 'graduation.finished': {
      const d = e.data;
      const failed = d.failed > 0 ? `; ${count(d.failed, 'file')} could not be moved` : '';
      const stopped = d.stopped && !d.dryRun ? `\n\nIt stopped early: ${d.stopped}.` : '';
      if (d.dryRun)
        return {
          ...base,
          title: `Graduation dry run on ${server}`,
          body: `It would move ${count(d.eligible, 'file')} (${formatBinaryBytes(d.eligibleBytes)}) from ${d.from} to ${d.to}${d.stopped ? `; ${d.stopped}` : ''}.${runLine}`,
        };
      return {
        ...base,
        title:
          d.failed > 0
            ? `Graduation on ${server}: ${count(d.failed, 'file')} could not be moved`
            : stopped
              ? `Graduation on ${server} stopped early: ${d.to} is at its free-space margin`
              : `Graduation on ${server} finished`,
        body: `${count(d.moved, 'file')} (${formatBinaryBytes(d.bytesMoved)}) moved from ${d.from} to ${d.to}${failed}.${stopped}${runLine}`,
      };
    }
    case 'backup.failed': {
      const what = OPERATION_NAME[e.data.operation];
      return {
        ...base,
        title: `${what} ${e.data.cancelled ? 'cancelled' : 'failed'} on ${server}`,
        body: `${e.data.reason}${runLine}`,
      };
    }
    case 'backup.finished': {
      const d = e.data;
      const counts = `${count(d.filesNew, 'new file')}, ${count(d.filesChanged, 'changed file')}, ${formatBinaryBytes(d.dataAdded)} added${d.snapshotId ? ` (snapshot ${d.snapshotId})` : ''}.`;
      return {
        ...base,
        title: d.warning ? `Backup on ${server} finished with a warning` : `Backup on ${server} finished`,
        body: `${d.warning ? `${d.warning}\n\n` : ''}${counts}${runLine}`,
      };
    }
    case 'drive.warning':
      return {
        ...base,
        kind: `drive.warning:${e.data.role}:${e.data.warning.code}`,
        title: `The ${e.data.role} drive on ${server} needs attention`,
        body: `${e.data.warning.message} (${e.data.mountPoint})`,
      };
    case 'timemachine.warning':
      return {
        ...base,
        // Per bundle: a per-user share may hold two Macs of one name.
        kind: `timemachine.warning:${e.data.bundle}:${e.data.code}`,
        title: `Time Machine backup of ${e.data.host} on ${server} needs attention`,
        body: `${e.data.message} (${e.data.bundle} in the time share)`,
      };
    default:
      return {
        ...base,
        title: `${humanType(e.type)} on ${server}`,
        body: `${dataLines(e.data, run ? ['job', 'runId'] : [])}${runLine}`.trim(),
      };
  }
}

/** The message `fts-helper alerts test` sends to a channel. */
export function testMessage(channel: string, server: string, now = new Date()): AlertMessage {
  return {
    source: 'fts-helper',
    server,
    channel,
    level: 'info',
    title: `Test alert from ${server}`,
    body: `fts-helper on ${server} can reach this channel (${channel}). Failed backups and graduations, drive warnings and Time Machine warnings will arrive here.`,
    kind: 'test',
    event: null,
    heldBack: 0,
    test: true,
    ts: now.toISOString(),
  };
}

/** The message a channel gets for an event, after coalescing decided to send it. */
export function eventMessage(
  e: FtsEvent,
  content: AlertContent,
  channel: string,
  server: string,
  heldBack: number,
  now = new Date(),
): AlertMessage {
  return {
    source: 'fts-helper',
    server,
    channel,
    level: content.level,
    title: content.title,
    body: content.body,
    kind: content.kind,
    event: { id: e.id, ts: e.ts, type: e.type, data: e.data },
    heldBack,
    test: false,
    ts: now.toISOString(),
  };
}
