/**
 * Shows the core's notifications as OS notifications. A click reveals the item the notification is about (a
 * graduated file on the space share) in Finder or Explorer when that share is mounted, else opens the window. It
 * never opens the item: a graduated `Evil.app` or script must not run because someone clicked a notification.
 */
import { CoreNotification } from '../../contract/ipc.js';
import type { CoreFacade } from './core-facade.js';

/** The options Electron's Notification constructor gets (the subset FTS uses). */
export interface NotificationOptions {
  title: string;
  body: string;
  silent: boolean;
  urgency: 'low' | 'normal' | 'critical';
}

/** The slice of Electron's Notification the shell uses, so tests can pass a fake class. */
export interface NotificationLike {
  on(event: 'click', listener: () => void): unknown;
  show(): void;
}

/** Maps a core notification to the OS notification's options. */
export function notificationOptions(n: CoreNotification): NotificationOptions {
  return {
    title: n.title,
    body: n.body,
    silent: n.severity === 'info',
    urgency: n.severity === 'error' ? 'critical' : 'normal',
  };
}

/** Joins a share's mount point and a path inside it, refusing paths that climb out of the share. */
export function pathInShare(mountPoint: string, subPath: string | undefined): string | null {
  if (!subPath) return mountPoint;
  const parts = subPath.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) return null;
  const sep = mountPoint.includes('\\') && !mountPoint.includes('/') ? '\\' : '/';
  return [mountPoint.replace(/[\\/]+$/, ''), ...parts].join(sep);
}

/** Wires the core's notifications to OS notifications; returns the unsubscribe function. */
export function wireNotifications(
  core: CoreFacade,
  deps: {
    create(opts: NotificationOptions): NotificationLike;
    openWindow(): void;
    /** Shows the item selected in its folder (Electron's shell.showItemInFolder); never opens it. */
    revealPath(path: string): void;
    isSupported(): boolean;
  },
): () => void {
  return core.onNotification((raw) => {
    const parsed = CoreNotification.safeParse(raw);
    if (!parsed.success || !deps.isSupported()) return;
    const n = parsed.data;
    const shown = deps.create(notificationOptions(n));
    shown.on('click', () => {
      void (async () => {
        if (n.open.kind === 'share') {
          const mountPoint = await core.openShare(n.open.share).catch(() => null);
          const item = mountPoint ? pathInShare(mountPoint, n.open.subPath) : null;
          // Not mounted (or a path that would leave the share): the window explains instead.
          if (item) return deps.revealPath(item);
        }
        deps.openWindow();
      })();
    });
    shown.show();
  });
}
