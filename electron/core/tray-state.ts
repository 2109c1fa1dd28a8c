/** The tray model: share states, link state and running jobs in; icon, tooltip and menu out (plain data). */
import type { ClientShareState, FtsEvent } from '../../contract/index.js';
import type { LinkState } from './helper-link.js';

/** The tray icon variants. */
export type TrayIcon = 'ok' | 'partial' | 'error' | 'offline' | 'busy';

/** One menu entry; `id` is what the shell sends back when it is clicked. */
export interface TrayMenuItem {
  id: string;
  label: string;
  kind: 'share' | 'action' | 'info' | 'separator';
  enabled: boolean;
  share?: string;
  state?: ClientShareState['state'];
}

/** What the shell renders. */
export interface TrayState {
  icon: TrayIcon;
  tooltip: string;
  menu: TrayMenuItem[];
}

/** Everything the tray depends on. */
export interface TrayInput {
  shares: ClientShareState[];
  /** Shares that should be mounted (default: all). */
  wanted?: string[];
  link: LinkState;
  /** Jobs running on the server now (from events). */
  runningJobs?: string[];
  signedIn?: boolean;
}

function shareLine(s: ClientShareState): string {
  switch (s.state) {
    case 'mounted':
      return `${s.share}: mounted${s.mountPoint ? ` at ${s.mountPoint}` : ''}`;
    case 'mounting':
      return `${s.share}: mounting…`;
    case 'error':
      return `${s.share}: ${s.errorMessage ?? s.errorCode ?? 'error'}`;
    default:
      return `${s.share}: not mounted`;
  }
}

/** Chooses the icon: busy while anything mounts or runs, offline when the server cannot be reached, else by shares. */
export function trayIcon(input: TrayInput): TrayIcon {
  const wanted = new Set(input.wanted ?? input.shares.map((s) => s.share));
  const mine = input.shares.filter((s) => wanted.has(s.share));
  if (mine.some((s) => s.state === 'mounting')) return 'busy';
  const mounted = mine.filter((s) => s.state === 'mounted').length;
  const unreachable = mine.filter((s) => s.errorCode === 'server-unreachable').length;
  if (mounted === 0 && ((mine.length > 0 && unreachable === mine.length) || input.link === 'disconnected')) return 'offline';
  if (mine.some((s) => s.state === 'error') && mounted === 0) return 'error';
  if (mounted < mine.length) return 'partial';
  if ((input.runningJobs ?? []).length > 0) return 'busy';
  return 'ok';
}

/** The whole tray state. */
export function trayState(input: TrayInput): TrayState {
  const icon = trayIcon(input);
  const mounted = input.shares.filter((s) => s.state === 'mounted').length;
  const jobs = input.runningJobs ?? [];
  const tooltip = [
    `Flux Time Space: ${mounted} of ${input.shares.length} shares mounted`,
    input.link === 'disconnected' ? 'server not reachable' : null,
    jobs.length ? `running: ${jobs.join(', ')}` : null,
  ]
    .filter(Boolean)
    .join(' · ');
  const menu: TrayMenuItem[] = input.shares.map((s) => ({ id: `share:${s.share}`, label: shareLine(s), kind: 'share', enabled: s.state !== 'mounting', share: s.share, state: s.state }));
  menu.push({ id: 'sep:1', label: '', kind: 'separator', enabled: false });
  menu.push({ id: 'mount-all', label: 'Mount all', kind: 'action', enabled: input.shares.some((s) => s.state !== 'mounted' && s.state !== 'mounting') });
  menu.push({ id: 'unmount-all', label: 'Unmount all', kind: 'action', enabled: mounted > 0 });
  menu.push({ id: 'sep:2', label: '', kind: 'separator', enabled: false });
  const linkLabel = { idle: 'Server: not connected', connecting: 'Server: connecting…', connected: 'Server: connected', reconnecting: 'Server: connected', disconnected: 'Server: not reachable' }[input.link];
  menu.push({ id: 'server', label: linkLabel, kind: 'info', enabled: false });
  if (jobs.length) menu.push({ id: 'jobs', label: `Running: ${jobs.join(', ')}`, kind: 'info', enabled: false });
  menu.push({ id: input.signedIn === false ? 'login' : 'logout', label: input.signedIn === false ? 'Sign in…' : 'Sign out', kind: 'action', enabled: true });
  menu.push({ id: 'quit', label: 'Quit Flux Time Space', kind: 'action', enabled: true });
  return { icon, tooltip, menu };
}

/** Tracks which jobs run on the server from the event stream. */
export class RunningJobs {
  private readonly running = new Map<string, string>();

  /** Updates from one event; returns true when the set changed. */
  ingest(e: FtsEvent): boolean {
    const kind = e.type.split('.')[0];
    if (kind !== 'graduation' && kind !== 'backup') return false;
    const d = e.data as { job: string; runId: number };
    const key = `${d.job}#${d.runId}`;
    if (e.type.endsWith('.started') || e.type.endsWith('.progress')) {
      if (this.running.has(key)) return false;
      this.running.set(key, d.job);
      return true;
    }
    return this.running.delete(key);
  }

  /** Job names running now. */
  list(): string[] {
    return [...new Set(this.running.values())];
  }
}
