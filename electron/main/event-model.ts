/**
 * What a helper event means for the tray: a notification, the last graduation and backup, the activity feed.
 * Pure functions; the headless test core uses them, and the real core (issue 6) may keep or replace them.
 */
import type { FtsEvent } from '../../contract/events.js';
import type { CoreNotification, TrayState } from '../../contract/ipc.js';
import { formatBytes } from './menu-model.js';

/** Events shown in the activity feed (progress ticks are folded into the window's job card instead). */
export function isActivity(e: FtsEvent): boolean {
  return e.type !== 'graduation.progress' && e.type !== 'backup.progress';
}

/** The notification an event raises, or null for events a person need not be told about. */
export function notificationFromEvent(e: FtsEvent): CoreNotification | null {
  const id = `event-${e.id}`;
  switch (e.type) {
    case 'graduation.finished': {
      const d = e.data;
      if (d.moved === 0 && d.failed === 0) return null;
      const example = d.examples[0];
      const folder = example ? example.split('/').slice(0, -1).join('/') : '';
      return {
        id,
        kind: 'graduation',
        severity: d.failed > 0 ? 'warning' : 'info',
        title: `${d.moved} files graduated to ${d.to}`,
        body: `${formatBytes(d.bytesMoved)} moved from ${d.from}${d.failed ? `; ${d.failed} failed` : ''}${example ? `, e.g. ${example}` : ''}`,
        open: { kind: 'share', share: d.to, ...(folder ? { subPath: folder } : {}) },
      };
    }
    case 'graduation.failed':
      return { id, kind: 'graduation', severity: 'error', title: 'Graduation failed', body: e.data.reason.slice(0, 1024), open: { kind: 'window' } };
    case 'backup.finished':
      return {
        id,
        kind: 'backup',
        severity: e.data.warning ? 'warning' : 'info',
        title: 'Backup finished',
        body: `${e.data.filesNew} new, ${e.data.filesChanged} changed, ${formatBytes(e.data.dataAdded)} added${e.data.warning ? ` (${e.data.warning})` : ''}`.slice(0, 1024),
        open: { kind: 'window' },
      };
    case 'backup.failed':
      return { id, kind: 'backup', severity: 'error', title: 'Backup failed', body: e.data.reason.slice(0, 1024), open: { kind: 'window' } };
    case 'drive.warning':
      return { id, kind: 'drive', severity: 'warning', title: `Drive ${e.data.role}: ${e.data.warning.code}`, body: e.data.warning.message.slice(0, 1024), open: { kind: 'window' } };
    default:
      return null;
  }
}

/** Folds one event into the tray state: activity feed (newest first, capped), last graduation, last backup. */
export function applyEvent(state: TrayState, e: FtsEvent, cap = 100): TrayState {
  const next: TrayState = { ...state };
  if (isActivity(e) && !state.activity.some((a) => a.id === e.id)) next.activity = [e, ...state.activity].slice(0, cap);
  if (e.type === 'graduation.finished') next.lastGraduation = { at: e.ts, moved: e.data.moved, bytesMoved: e.data.bytesMoved, to: e.data.to };
  if (e.type === 'backup.finished') next.lastBackup = { at: e.ts, ok: true, snapshotId: e.data.snapshotId, message: e.data.warning };
  if (e.type === 'backup.failed') next.lastBackup = { at: e.ts, ok: false, snapshotId: null, message: e.data.reason };
  return next;
}
