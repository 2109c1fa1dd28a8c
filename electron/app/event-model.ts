/**
 * What a helper event means for the tray window: the last graduation and backup, the activity feed, and the
 * shell's form of the core's notifications (electron/core/notifications.ts words them). Pure functions.
 */
import type { FtsEvent } from '../../contract/events.js';
import type { CoreNotification, TrayState } from '../../contract/ipc.js';
import type { Notification } from '../core/notifications.js';

/** Events shown in the activity feed (progress ticks are folded into the window's job card instead). */
export function isActivity(e: FtsEvent): boolean {
  return e.type !== 'graduation.progress' && e.type !== 'backup.progress';
}

/**
 * The shell's notification for one the core's NotificationModel raised (which words it and keeps one per job run):
 * what kind it is, and what a click shows (a graduated file, revealed in its folder on the destination share; else
 * the window).
 */
export function toCoreNotification(n: Notification, e: FtsEvent): CoreNotification | null {
  const kind = e.type.split('.')[0];
  if (kind !== 'graduation' && kind !== 'backup' && kind !== 'drive' && kind !== 'timemachine') return null;
  let open: CoreNotification['open'] = { kind: 'window' };
  if (e.type === 'graduation.finished' && e.data.moved > 0) {
    // The first example is revealed (selected in its folder), never opened: it may be an app or a script.
    const example = e.data.examples[0]?.replace(/^\/+/, '');
    open = { kind: 'share', share: e.data.to, ...(example && example.length <= 1024 ? { subPath: example } : {}) };
  }
  return {
    id: n.key.slice(0, 128),
    kind,
    severity: n.level,
    title: n.title.slice(0, 256),
    body: n.body.slice(0, 1024),
    open,
  };
}

/** Folds one event into the tray state: activity feed (newest first, capped), last graduation, last backup. */
export function applyEvent(state: TrayState, e: FtsEvent, cap = 100): TrayState {
  const next: TrayState = { ...state };
  if (isActivity(e) && !state.activity.some((a) => a.id === e.id)) next.activity = [e, ...state.activity].slice(0, cap);
  // A dry run moved nothing: the last graduation is still the last real one.
  if (e.type === 'graduation.finished' && !e.data.dryRun)
    next.lastGraduation = { at: e.ts, moved: e.data.moved, bytesMoved: e.data.bytesMoved, to: e.data.to };
  if (e.type === 'backup.finished')
    next.lastBackup = { at: e.ts, ok: true, snapshotId: e.data.snapshotId, message: e.data.warning };
  if (e.type === 'backup.failed') next.lastBackup = { at: e.ts, ok: false, snapshotId: null, message: e.data.reason };
  return next;
}
