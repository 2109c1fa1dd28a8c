/**
 * Notices what makes mounts go stale without anyone clicking: a change of network (an interface or address came,
 * went or changed: Wi-Fi to Ethernet, a new DHCP lease, a VPN) and a wake from sleep (the timer fell behind the
 * clock). Online/offline alone misses a move from one network to another, which leaves every SMB session dead.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/** The addresses that reach other machines, as one comparable string ("" when there is none: offline). */
export function networkSignature(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string {
  const addresses: string[] = [];
  for (const [name, list] of Object.entries(interfaces)) {
    for (const a of list ?? []) {
      // Loopback never changes, and a link-local IPv6 address says nothing about reaching the server.
      if (a.internal || (a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80:'))) continue;
      addresses.push(`${name}/${a.address}/${a.netmask}`);
    }
  }
  return addresses.sort().join(' ');
}

/** How to watch. */
export interface NetworkWatchOptions {
  /** A network change: the addresses differ from the last look; `online` says whether any is left. */
  onChange(online: boolean): void;
  /** The machine slept (the timer ran this much later than asked). */
  onWake?(sleptMs: number): void;
  intervalMs?: number;
  /** For tests: where the interfaces come from. */
  interfaces?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** For tests: the clock. */
  now?: () => number;
}

/** Polls the interfaces (a cheap local call) every few seconds; `stop()` ends it. */
export class NetworkWatch {
  private timer: NodeJS.Timeout | null = null;
  private last: string;
  private lastTick: number;

  constructor(private readonly opts: NetworkWatchOptions) {
    this.last = networkSignature((opts.interfaces ?? networkInterfaces)());
    this.lastTick = (opts.now ?? Date.now)();
  }

  /** Whether any address that reaches other machines is up now (as of the last look). */
  get online(): boolean {
    return this.last !== '';
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.check(), this.opts.intervalMs ?? 5000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One look (the interval calls it; tests call it directly). */
  check(): void {
    const now = (this.opts.now ?? Date.now)();
    const interval = this.opts.intervalMs ?? 5000;
    const late = now - this.lastTick - interval;
    this.lastTick = now;
    // A tick more than a few intervals late means the process was suspended: the machine slept.
    if (late > Math.max(3 * interval, 10_000)) this.opts.onWake?.(late);
    const sig = networkSignature((this.opts.interfaces ?? networkInterfaces)());
    if (sig === this.last) return;
    this.last = sig;
    this.opts.onChange(sig !== '');
  }
}
