/**
 * The notification model: helper events in, at most one notification per job run out, worded for people
 * ("Graduated 1,234 files (5.6 GB) from Flux to Space"). Plain data; the Electron shell shows it.
 */
import { timeMachineHostKey, type EventOf, type FtsEvent } from '../../contract/index.js';

/** One notification to show. */
export interface Notification {
  /** Stable per job run (`graduation#42`), so a replayed event never notifies twice. */
  key: string;
  title: string;
  body: string;
  level: 'info' | 'warning' | 'error';
  eventId: number;
}

/** `1,234`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Decimal units as Finder and Explorer show them: `5.6 GB`. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  if (i === 0) return `${formatCount(Math.round(v))} ${v === 1 ? 'byte' : 'bytes'}`;
  return `${v >= 100 ? Math.round(v) : v.toFixed(1).replace(/\.0$/, '')} ${units[i]}`;
}

function shareLabel(name: string): string {
  return name ? name[0]!.toUpperCase() + name.slice(1) : name;
}

/** Names a backup destination from its repository string. */
export function destinationLabel(repository: string | undefined): string {
  if (!repository) return 'the backup repository';
  if (/backblaze|\bb2\b|^b2:/i.test(repository)) return 'B2';
  if (/^s3:/i.test(repository)) return 'S3';
  if (/^sftp:/i.test(repository)) return 'SFTP';
  return 'the backup repository';
}

const MAX_REMEMBERED = 500;

/** This computer, as a Time Machine warning names it: its client id and its host name as the OS gives it. */
export interface ThisComputer {
  clientId: string;
  hostName: string;
}

/**
 * Whether a `timemachine.warning` is about this computer. The helper names a Mac by its bundle on the time share,
 * `NAME.backupbundle` or `NAME.sparsebundle`, where NAME is the computer name (`Alice's MacBook Pro`): the bundle's
 * MachineID plist holds the Mac's hardware UUID and model, but no name. The client knows itself by os.hostname(),
 * the local host name macOS derives from that computer name (`Alices-MacBook-Pro.local`): other case, dashes for
 * spaces, no apostrophe, a `.local` suffix. So both are folded the same way (timeMachineHostKey: case-insensitive,
 * punctuation to dashes) and compared on the bundle's name; the helper's own match (`clientIds`, from the host
 * names clients reported) counts too.
 */
export function isThisMac(data: EventOf<'timemachine.warning'>['data'], self: ThisComputer): boolean {
  return data.clientIds.includes(self.clientId) || timeMachineHostKey(self.hostName) === data.hostKey;
}

const TIME_MACHINE_TITLES: Record<EventOf<'timemachine.warning'>['data']['code'], string> = {
  stale: 'Time Machine has not backed up this Mac for a while',
  'nearly-full': "This Mac's Time Machine backup is nearly full",
  'verification-failed': "Time Machine could not verify this Mac's backup",
  unreadable: "The server cannot read this Mac's Time Machine backup",
};

/** Turns events into notifications, coalescing each run's start/progress/finish into one. */
export class NotificationModel {
  private readonly notified = new Set<string>();
  private readonly repositories = new Map<string, string>();
  private lastId = 0;

  /** `self` names this computer: Time Machine warnings notify only on the Mac they are about (none without it). */
  constructor(private readonly opts: { self?: () => ThisComputer | null } = {}) {}

  /** The notification this event causes, or null. Events at or below the last id seen are replays and ignored. */
  ingest(e: FtsEvent): Notification | null {
    if (e.id <= this.lastId) return null;
    this.lastId = e.id;
    const n = this.describe(e);
    if (!n || this.notified.has(n.key)) return null;
    this.notified.add(n.key);
    if (this.notified.size > MAX_REMEMBERED) this.notified.delete(this.notified.values().next().value!);
    return n;
  }

  private describe(e: FtsEvent): Notification | null {
    switch (e.type) {
      case 'backup.started':
        this.repositories.set(`${e.data.job}#${e.data.runId}`, e.data.repository);
        return null;
      case 'graduation.finished': {
        const d = e.data;
        if (d.dryRun || (d.moved === 0 && d.failed === 0 && !d.stopped)) return null;
        const files = `${formatCount(d.moved)} ${d.moved === 1 ? 'file' : 'files'}`;
        const failed = d.failed ? `; ${formatCount(d.failed)} could not be moved` : '';
        const stopped = d.stopped ? `; it stopped early: ${shareLabel(d.to)} is at its free-space margin` : '';
        return {
          key: `${d.job}#${d.runId}`,
          title: `Graduated ${files} (${formatBytes(d.bytesMoved)}) from ${shareLabel(d.from)} to ${shareLabel(d.to)}${failed}${stopped}`,
          body: d.examples.length ? `Including ${d.examples.slice(0, 3).join(', ')}` : '',
          level: d.failed || d.stopped ? 'warning' : 'info',
          eventId: e.id,
        };
      }
      case 'graduation.failed':
        return {
          key: `${e.data.job}#${e.data.runId}`,
          title: `Graduation failed: ${e.data.reason}`,
          body: '',
          level: 'error',
          eventId: e.id,
        };
      case 'backup.finished': {
        const d = e.data;
        const key = `${d.job}#${d.runId}`;
        const where = destinationLabel(this.repositories.get(key));
        this.repositories.delete(key);
        return {
          key,
          title: `Backup to ${where} finished${d.warning ? ' with a warning' : ''}`,
          body: `${formatCount(d.filesNew)} new, ${formatCount(d.filesChanged)} changed, ${formatBytes(d.dataAdded)} added${d.warning ? `. ${d.warning}` : ''}`,
          level: d.warning ? 'warning' : 'info',
          eventId: e.id,
        };
      }
      case 'backup.failed': {
        const key = `${e.data.job}#${e.data.runId}`;
        const where = destinationLabel(this.repositories.get(key));
        this.repositories.delete(key);
        return { key, title: `Backup to ${where} failed: ${e.data.reason}`, body: '', level: 'error', eventId: e.id };
      }
      case 'drive.warning':
        return {
          key: `drive:${e.data.role}:${e.data.warning.code}`,
          title: `The ${e.data.role} drive needs attention`,
          body: e.data.warning.message,
          level: 'warning',
          eventId: e.id,
        };
      case 'timemachine.warning': {
        const self = this.opts.self?.();
        if (!self || !isThisMac(e.data, self)) return null;
        // The helper announces a condition once (again only after it cleared): each announcement is its own event.
        return {
          key: `timemachine#${e.id}`,
          title: TIME_MACHINE_TITLES[e.data.code],
          body: e.data.message,
          level: e.data.code === 'verification-failed' ? 'error' : 'warning',
          eventId: e.id,
        };
      }
      default:
        return null;
    }
  }
}
