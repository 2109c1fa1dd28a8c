/**
 * Alerts that reach a person without the tray (ntfy, a webhook, e-mail, a dead-man's switch): how loud each
 * event is, and the message a channel receives (the webhook's JSON body is this schema).
 */
import { z } from 'zod';
import { Timestamp } from './common.js';
import type { EventType, FtsEvent } from './events.js';

/** How loud an event is; a channel sends events at or above its minimum level. */
export const AlertLevel = z.enum(['info', 'warning', 'error']);
export type AlertLevel = z.infer<typeof AlertLevel>;

/** The levels in increasing order, for comparisons. */
export const ALERT_LEVELS: readonly AlertLevel[] = AlertLevel.options;

/** True when `level` is at least `min`. */
export function levelAtLeast(level: AlertLevel, min: AlertLevel): boolean {
  return ALERT_LEVELS.indexOf(level) >= ALERT_LEVELS.indexOf(min);
}

/** Drive conditions that stop jobs or lose data (an error); the others are warnings. */
const DRIVE_ERRORS = new Set(['not-mounted', 'wrong-filesystem', 'usage-critical', 'smart-failed', 'share-root']);

/**
 * The level of each event type whose level is not `info`. A new event type gets its line here (a function
 * when the level depends on the data); until then `eventLevel` judges it by its name.
 */
const LEVELS: { [T in EventType]?: AlertLevel | ((data: Extract<FtsEvent, { type: T }>['data']) => AlertLevel) } = {
  'graduation.failed': 'error',
  // A run the free-space margin stopped leaves files in flux: a warning; a dry run that finds it would is not news.
  'graduation.finished': (d) => (d.failed > 0 || (!!d.stopped && !d.dryRun) ? 'warning' : 'info'),
  // A cancelled run is a person's choice, not news.
  'backup.failed': (d) => (d.cancelled ? 'info' : 'error'),
  'backup.finished': (d) => (d.warning ? 'warning' : 'info'),
  'drive.warning': (d) => (DRIVE_ERRORS.has(d.warning.code) ? 'error' : 'warning'),
  // No completed backup in days, over 90 % of the share's maximum, or a failed verification: each a warning.
  'timemachine.warning': 'warning',
};

/** The level of one event: from the table above, else by name (`…failed` is an error, `…warning` or `…stale` a warning), else info. */
export function eventLevel(e: FtsEvent): AlertLevel {
  const rule = LEVELS[e.type] as AlertLevel | ((d: unknown) => AlertLevel) | undefined;
  if (typeof rule === 'function') return rule(e.data);
  if (rule) return rule;
  const type: string = e.type;
  if (/failed$/.test(type)) return 'error';
  if (/(warning|stale)$/.test(type)) return 'warning';
  return 'info';
}

/** One alert as a channel receives it; a webhook gets exactly this as its JSON body. */
export const AlertMessage = z.strictObject({
  source: z.literal('fts-helper'),
  /** The server's name (`server.name`). */
  server: z.string(),
  /** The configured channel it was sent to. */
  channel: z.string(),
  level: AlertLevel,
  title: z.string(),
  body: z.string(),
  /** What repeats are counted by: the event type and its subject (`backup.failed:backup`, `drive.warning:space:usage-high`). */
  kind: z.string(),
  /** The event that caused it; null for a test message. */
  event: z
    .strictObject({ id: z.number().int().positive(), ts: Timestamp, type: z.string(), data: z.unknown() })
    .nullable(),
  /** Alerts of the same kind held back since the last one this channel sent (at most one per kind per repeat window). */
  heldBack: z.number().int().nonnegative(),
  test: z.boolean(),
  ts: Timestamp,
});
export type AlertMessage = z.infer<typeof AlertMessage>;

/** A channel as `fts-helper alerts list --json` shows it; secrets and URL paths are never included. */
export const AlertChannelStatus = z.strictObject({
  name: z.string(),
  type: z.enum(['ntfy', 'webhook', 'email', 'deadman']),
  /** Where it sends, without credentials or URL path (`https://ntfy.sh`, `smtp://mail.example.com:587`). */
  target: z.string(),
  /** Event types it sends; null means every type at or above `minLevel`. */
  events: z.array(z.string()).nullable(),
  minLevel: AlertLevel,
  repeatWindow: z.string(),
  /** Messages waiting (first try, or a retry after a failure). */
  pending: z.number().int().nonnegative(),
  lastSentAt: Timestamp.nullable(),
  lastFailureAt: Timestamp.nullable(),
  /** The last delivery error, with secrets removed. */
  lastError: z.string().nullable(),
  sent: z.number().int().nonnegative(),
  givenUp: z.number().int().nonnegative(),
});
export type AlertChannelStatus = z.infer<typeof AlertChannelStatus>;

/** What a test message to one channel did (`fts-helper alerts test --json`, `POST /api/v1/alerts/:name/test`). */
export const AlertTestResult = z.strictObject({
  channel: z.string(),
  type: z.string(),
  target: z.string(),
  ok: z.boolean(),
  /** Why it failed, free of secrets; null when it was sent. */
  error: z.string().nullable(),
});
export type AlertTestResult = z.infer<typeof AlertTestResult>;
