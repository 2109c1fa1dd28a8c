/**
 * The tray's icon and menu as plain data, computed from the core's state. main.ts turns the entries into an
 * Electron Menu; the tests check every entry's label and the core method its click calls.
 */
import { formatBinaryBytes } from '../../contract/format.js';
import type { TrayShare, TrayState } from '../../contract/ipc.js';
import type { CoreFacade } from './core-facade.js';

/** What clicking a menu entry does. */
export type MenuAction =
  | { kind: 'mount-all' }
  | { kind: 'unmount-all' }
  | { kind: 'open-share'; share: string }
  | { kind: 'mount-share'; share: string }
  | { kind: 'open-window' }
  | { kind: 'sign-in' }
  | { kind: 'sign-out' }
  | { kind: 'toggle-start-at-login'; enabled: boolean }
  | { kind: 'quit' };

/** One entry of the tray menu. */
export type MenuEntry =
  | { type: 'separator' }
  | {
      type: 'normal' | 'checkbox';
      id: string;
      label: string;
      enabled: boolean;
      checked?: boolean;
      action: MenuAction | null;
    };

/** The tray icon's look: one image per state (template images on macOS). */
export type TrayIconState = 'idle' | 'busy' | 'mounted' | 'partial' | 'error' | 'signed-out';

/** Picks the icon: error beats busy beats the mount count. */
export function trayIconState(state: TrayState): TrayIconState {
  if (!state.account.signedIn) return 'signed-out';
  if (state.shares.some((s) => s.state === 'error')) return 'error';
  if (state.busy || state.shares.some((s) => s.state === 'mounting')) return 'busy';
  const mounted = state.shares.filter((s) => s.state === 'mounted').length;
  if (mounted === 0) return 'idle';
  return mounted === state.shares.length ? 'mounted' : 'partial';
}

/** The tooltip: app name, server and how many shares are mounted. */
export function trayTooltip(state: TrayState): string {
  const mounted = state.shares.filter((s) => s.state === 'mounted').length;
  const server = state.server.reachable ? state.server.name : `${state.server.name} (unreachable)`;
  return `Flux Time Space — ${server} — ${mounted}/${state.shares.length} mounted`;
}

const STATE_WORDS: Record<TrayShare['state'], string> = {
  mounted: 'mounted',
  unmounted: 'not mounted',
  mounting: 'mounting…',
  error: 'error',
};

function shareLabel(s: TrayShare): string {
  const letter = s.driveLetter ? ` (${s.driveLetter})` : '';
  const why = s.state === 'error' && s.errorCode ? `: ${s.errorCode}` : '';
  return `${s.name}${letter} — ${STATE_WORDS[s.state]}${why}`;
}

/** Formats a byte count for people (binary units, as the rest of FTS writes them). */
export const formatBytes = formatBinaryBytes;

function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 90) return 'just now';
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** Builds the menu: Mount all, Unmount all, the shares, last graduation and backup, Open window, account, Start at login, Quit. */
export function buildMenuModel(state: TrayState, now = Date.now()): MenuEntry[] {
  if (!state.paired) {
    // Nothing to mount before pairing: the window asks for the pairing string.
    return [
      { type: 'normal', id: 'pair', label: 'Pair this computer…', enabled: true, action: { kind: 'open-window' } },
      { type: 'separator' },
      { type: 'normal', id: 'quit', label: 'Quit Flux Time Space', enabled: true, action: { kind: 'quit' } },
    ];
  }
  const anyMounted = state.shares.some((s) => s.state === 'mounted');
  const allMounted = state.shares.length > 0 && state.shares.every((s) => s.state === 'mounted');
  const entries: MenuEntry[] = [
    {
      type: 'normal',
      id: 'mount-all',
      label: 'Mount all',
      enabled: !state.busy && !allMounted && state.shares.length > 0,
      action: { kind: 'mount-all' },
    },
    {
      type: 'normal',
      id: 'unmount-all',
      label: 'Unmount all',
      enabled: !state.busy && anyMounted,
      action: { kind: 'unmount-all' },
    },
    { type: 'separator' },
  ];
  for (const s of state.shares) {
    // A mounted share opens in Finder/Explorer; an unmounted one mounts on click (then the user can open it).
    const action: MenuAction =
      s.state === 'mounted' ? { kind: 'open-share', share: s.name } : { kind: 'mount-share', share: s.name };
    entries.push({
      type: 'normal',
      id: `share:${s.name}`,
      label: shareLabel(s),
      enabled: s.state !== 'mounting',
      action,
    });
  }
  if (state.shares.length === 0)
    entries.push({ type: 'normal', id: 'no-shares', label: 'No shares yet', enabled: false, action: null });
  entries.push({ type: 'separator' });
  const g = state.lastGraduation;
  entries.push({
    type: 'normal',
    id: 'last-graduation',
    label: g
      ? `Last graduation: ${g.moved} files, ${formatBytes(g.bytesMoved)} to ${g.to}, ${ago(g.at, now)}`
      : 'Last graduation: none yet',
    enabled: false,
    action: null,
  });
  const b = state.lastBackup;
  entries.push({
    type: 'normal',
    id: 'last-backup',
    label: b ? `Last backup: ${b.ok ? 'ok' : 'FAILED'}, ${ago(b.at, now)}` : 'Last backup: none yet',
    enabled: false,
    action: null,
  });
  entries.push({ type: 'separator' });
  entries.push({
    type: 'normal',
    id: 'open-window',
    label: 'Open Flux Time Space…',
    enabled: true,
    action: { kind: 'open-window' },
  });
  entries.push(
    state.account.signedIn
      ? {
          type: 'normal',
          id: 'sign-out',
          label: `Sign out${state.account.user ? ` (${state.account.user})` : ''}`,
          enabled: !state.busy,
          action: { kind: 'sign-out' },
        }
      : { type: 'normal', id: 'sign-in', label: 'Sign in…', enabled: !state.busy, action: { kind: 'sign-in' } },
  );
  entries.push({
    type: 'checkbox',
    id: 'start-at-login',
    label: 'Start at login',
    enabled: true,
    checked: state.startAtLogin,
    action: { kind: 'toggle-start-at-login', enabled: !state.startAtLogin },
  });
  entries.push({ type: 'separator' });
  entries.push({ type: 'normal', id: 'quit', label: 'Quit Flux Time Space', enabled: true, action: { kind: 'quit' } });
  return entries;
}

/** What the shell does besides calling the core (windows, Finder/Explorer, login items, quitting). */
export interface ShellActions {
  openWindow(): void;
  openPath(path: string): Promise<void>;
  setLoginItem(enabled: boolean): void;
  quit(): void;
  /** Reports a failed action (a dialog or notification); never throws. */
  reportError(action: MenuAction, err: unknown): void;
}

/** Runs one menu action against the core and the shell. Errors are reported, never thrown into Electron's click handler. */
export async function runMenuAction(action: MenuAction, core: CoreFacade, shell: ShellActions): Promise<void> {
  try {
    switch (action.kind) {
      case 'mount-all':
        return await core.mountAll();
      case 'unmount-all':
        return await core.unmountAll();
      case 'mount-share':
        return await core.mount(action.share);
      case 'open-share': {
        const path = await core.openShare(action.share);
        if (path) await shell.openPath(path);
        return;
      }
      case 'open-window':
        return shell.openWindow();
      case 'sign-in':
        return await core.signIn();
      case 'sign-out':
        return await core.signOut();
      case 'toggle-start-at-login':
        await core.setStartAtLogin(action.enabled);
        return shell.setLoginItem(action.enabled);
      case 'quit':
        return shell.quit();
    }
  } catch (err) {
    shell.reportError(action, err);
  }
}
