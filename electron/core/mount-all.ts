/**
 * "Mount all": every wanted share in parallel, each with its own timeout, after a quick check that the
 * server answers. Idempotent (mounted shares are left alone), one credential refetch on rejection,
 * retries with backoff, and mounts that recover by themselves: a health pass (on a timer, on wake and on a
 * network change) finds shares the OS dropped or still lists but cannot read, shows them as unreachable while the
 * server is away, and repairs them (unmount + mount) once it answers again.
 */
import type { ClientShareState, MountErrorCode } from '../../contract/index.js';
import {
  MountError,
  type MountedShare,
  type Mounter,
  type MountTarget,
  type SmbCredential,
} from '../platform/index.js';
import type { ClientShareConfig } from './config.js';
import { CredentialError } from './errors.js';
import { probeSmb } from './probe.js';

/** Where the credential comes from (the Credentials class, or a test double). */
export interface SmbCredentialSource {
  smb(): Promise<SmbCredential>;
  refreshSmb(): Promise<SmbCredential>;
}

/** How the manager works. */
export interface MountManagerOptions {
  mounter: Mounter;
  credentials: SmbCredentialSource;
  server: { host: string; smbPort: number; workgroup: string };
  shares: ClientShareConfig[];
  timeoutMs?: number;
  probeTimeoutMs?: number;
  /** Extra attempts for a share that timed out or failed for an unknown reason. */
  retries?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Keep retrying in the background while the server is unreachable (default true). */
  autoRetry?: boolean;
  probe?: (host: string, port: number, timeoutMs: number) => Promise<boolean>;
  /** Called with all share states after every change. */
  onChange?: (states: ClientShareState[]) => void;
  /** How often a health pass looks at the mounted shares (watch() starts it). */
  healthIntervalMs?: number;
  /** How often while a wanted share is down (a server that went away is seen back within about this long). */
  degradedIntervalMs?: number;
  /** How long a share's root may take to list before the share counts as not usable. */
  usableTimeoutMs?: number;
}

const TRANSIENT: ReadonlySet<MountErrorCode> = new Set(['timeout', 'unknown']);

/** Owns the shares' states and every mount and unmount of this client. */
export class MountManager {
  private readonly state = new Map<string, ClientShareState>();
  private readonly wanted: Set<string>;
  private inFlight: Promise<ClientShareState[]> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay: number;
  private disposed = false;
  private healthTimer: NodeJS.Timeout | null = null;
  private checking: Promise<ClientShareState[]> | null = null;
  private watching = false;
  private server: { host: string; smbPort: number; workgroup: string };

  constructor(private readonly opts: MountManagerOptions) {
    this.server = { ...opts.server };
    for (const s of opts.shares)
      this.state.set(s.name, {
        share: s.name,
        state: 'unmounted',
        mountPoint: null,
        errorCode: null,
        errorMessage: null,
      });
    this.wanted = new Set(opts.shares.filter((s) => s.mount).map((s) => s.name));
    this.retryDelay = opts.backoffMs ?? 1000;
  }

  /** The SMB server the shares are on (learnt from the helper's URL when the configuration does not name it). */
  get serverHost(): string {
    return this.server.host;
  }

  /** Points the shares at another server host (the helper's URL from the keychain); mounts are not touched. */
  setServerHost(host: string): void {
    this.server = { ...this.server, host };
  }

  /** Every configured share's state, in configuration order. */
  states(): ClientShareState[] {
    return [...this.state.values()].map((s) => ({ ...s }));
  }

  private target(name: string): MountTarget {
    const s = this.opts.shares.find((x) => x.name === name)!;
    return {
      share: name,
      host: this.server.host,
      port: this.server.smbPort,
      workgroup: this.server.workgroup,
      ...(s.driveLetter ? { driveLetter: s.driveLetter } : {}),
    };
  }

  private set(name: string, patch: Partial<ClientShareState>, emit = true): void {
    const cur = this.state.get(name);
    if (!cur) return;
    this.state.set(name, { ...cur, ...patch });
    if (emit) this.opts.onChange?.(this.states());
  }

  /** Throws a usage-style error for names that are not configured. */
  private check(names: string[]): void {
    const unknown = names.filter((n) => !this.state.has(n));
    if (unknown.length)
      throw new Error(
        `not a configured share: ${unknown.join(', ')} (configured: ${[...this.state.keys()].join(', ')})`,
      );
  }

  /** Reads what the OS has mounted now and updates the states (errors of unmounted shares are kept). */
  async refresh(): Promise<ClientShareState[]> {
    const mounted = await this.opts.mounter.list({ timeoutMs: this.opts.timeoutMs ?? 30_000 });
    for (const [name, s] of this.state) {
      const m = mounted.find((x) => this.matches(x, name));
      if (m) this.set(name, { state: 'mounted', mountPoint: m.mountPoint, errorCode: null, errorMessage: null }, false);
      else if (s.state === 'mounted') this.set(name, { state: 'unmounted', mountPoint: null }, false);
    }
    this.opts.onChange?.(this.states());
    return this.states();
  }

  /** Mounts the given shares (default: every wanted share) in parallel; concurrent calls share one run. */
  mountAll(names?: string[]): Promise<ClientShareState[]> {
    if (names) {
      try {
        this.check(names);
      } catch (err) {
        return Promise.reject(err);
      }
      for (const n of names) this.wanted.add(n);
    }
    const targets = names ?? [...this.wanted];
    if (this.inFlight) {
      // A second click while mounting waits for the running pass, then mounts anything it did not cover.
      return this.inFlight.then(() => this.mountAll(names));
    }
    this.inFlight = this.run(targets).finally(() => {
      this.inFlight = null;
      // A share that failed is looked at again sooner; one that came back, at the usual pace.
      this.scheduleHealth();
    });
    return this.inFlight;
  }

  private async run(targets: string[]): Promise<ClientShareState[]> {
    this.clearRetry();
    if (targets.length === 0) return this.states();
    const { host, smbPort } = this.server;
    const probe = this.opts.probe ?? probeSmb;
    // The OS listing is local: it runs alongside the probe and the mounts instead of before them
    // (PowerShell alone takes a second to start). Every mounter accepts an already mounted share.
    const listing = this.opts.mounter.list({ timeoutMs: this.opts.timeoutMs ?? 30_000 }).catch(() => null);
    if (!(await probe(host, smbPort, this.opts.probeTimeoutMs ?? 1000))) {
      // Shares that are still mounted stay as they are; the others are reported at once, not after a hang.
      for (const n of targets) {
        if (this.state.get(n)?.state !== 'mounted')
          this.set(
            n,
            {
              state: 'error',
              mountPoint: null,
              errorCode: 'server-unreachable',
              errorMessage: `${host} does not answer on port ${smbPort}`,
            },
            false,
          );
      }
      this.opts.onChange?.(this.states());
      this.scheduleRetry();
      return this.states();
    }

    let credential: Promise<SmbCredential> | null = null;
    const noCredential = new Set<string>();
    const first = await Promise.all(
      targets.map(async (n): Promise<MountError | null> => {
        if (this.state.get(n)?.state === 'mounted') {
          const list = await listing;
          // Mounted and still listed (or the OS cannot tell): left alone.
          if (!list || list.some((m) => this.matches(m, n))) return null;
          this.set(n, { state: 'unmounted', mountPoint: null });
        }
        this.set(n, { state: 'mounting', errorCode: null, errorMessage: null });
        let cred: SmbCredential;
        try {
          cred = await (credential ??= this.opts.credentials.smb());
        } catch (err) {
          noCredential.add(n);
          return credentialFailure(err);
        }
        return this.mountWithRetries(n, cred);
      }),
    );
    const rejected = targets.filter((n, i) => first[i]?.code === 'credentials-rejected' && !noCredential.has(n));
    // Assigned inside the callbacks above, which TypeScript's narrowing does not see.
    const used = credential as Promise<SmbCredential> | null;
    if (rejected.length && used) {
      const cred = await used;
      // The password may have been rotated: fetch it from Key Vault once, retry once, then give up.
      let fresh: SmbCredential | null = null;
      try {
        fresh = await this.opts.credentials.refreshSmb();
      } catch (err) {
        for (const n of rejected)
          this.fail(
            n,
            new MountError(
              'credentials-rejected',
              `the server refused the password and a new one could not be fetched: ${(err as Error).message}`,
            ),
          );
      }
      if (fresh && fresh.username === cred.username && fresh.password === cred.password) {
        for (const n of rejected) this.fail(n, first[targets.indexOf(n)]!);
      } else if (fresh) {
        const second = await Promise.all(rejected.map((n) => this.mountOnce(n, fresh)));
        rejected.forEach((n, i) => second[i] && this.fail(n, second[i]));
      }
    }
    targets.forEach((n, i) => first[i] && !rejected.includes(n) && this.fail(n, first[i]));
    // Shares outside this pass still get their state from the listing.
    const list = await listing;
    if (list) {
      for (const [name, st] of this.state) {
        if (targets.includes(name)) continue;
        const m = list.find((x) => this.matches(x, name));
        if (m && st.state !== 'mounted')
          this.set(name, { state: 'mounted', mountPoint: m.mountPoint, errorCode: null, errorMessage: null });
        else if (!m && st.state === 'mounted') this.set(name, { state: 'unmounted', mountPoint: null });
      }
    }
    if (
      this.states().some(
        (st) => this.wanted.has(st.share) && (st.errorCode === 'server-unreachable' || st.errorCode === 'timeout'),
      )
    )
      this.scheduleRetry();
    else this.retryDelay = this.opts.backoffMs ?? 1000;
    return this.states();
  }

  private matches(m: MountedShare, name: string): boolean {
    return m.share.toLowerCase() === name.toLowerCase() && sameServer(m.host, this.server.host);
  }

  /** One share with retries for transient failures; resolves to the final error, or null when mounted. */
  private async mountWithRetries(name: string, cred: SmbCredential): Promise<MountError | null> {
    const retries = this.opts.retries ?? 2;
    let delay = this.opts.backoffMs ?? 1000;
    for (let attempt = 0; ; attempt++) {
      const err = await this.mountOnce(name, cred);
      if (!err || !TRANSIENT.has(err.code) || attempt >= retries || this.disposed) return err;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, this.opts.maxBackoffMs ?? 60_000);
    }
  }

  private async mountOnce(name: string, cred: SmbCredential): Promise<MountError | null> {
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      const deadline = new Promise<never>((_r, reject) => {
        timer = setTimeout(() => {
          ac.abort();
          reject(new MountError('timeout', `mounting ${name} did not finish within ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs);
      });
      const { mountPoint } = await Promise.race([
        this.opts.mounter.mount(this.target(name), cred, { timeoutMs, signal: ac.signal }),
        deadline,
      ]);
      this.set(name, { state: 'mounted', mountPoint, errorCode: null, errorMessage: null });
      return null;
    } catch (err) {
      const e =
        err instanceof MountError
          ? err
          : new MountError('unknown', scrub((err as Error)?.message ?? String(err), cred.password));
      return new MountError(e.code, scrub(e.message, cred.password), scrub(e.detail, cred.password));
    } finally {
      clearTimeout(timer);
    }
  }

  private fail(name: string, err: MountError): void {
    this.set(name, {
      state: 'error',
      mountPoint: null,
      errorCode: err.code,
      errorMessage: (err.detail && err.code === 'unknown' ? `${err.message}` : err.message).slice(0, 2048),
    });
  }

  /** Unmounts the given shares (default: all mounted) and stops wanting them. */
  async unmount(names?: string[]): Promise<ClientShareState[]> {
    if (names) this.check(names);
    const list = names ?? [...this.state.keys()];
    this.clearRetry();
    for (const n of list) this.wanted.delete(n);
    try {
      await this.refresh();
    } catch {
      // Fall through: unmount asks the OS itself.
    }
    await Promise.all(
      list.map(async (n) => {
        try {
          await this.opts.mounter.unmount(this.target(n), { timeoutMs: this.opts.timeoutMs ?? 30_000 });
          this.set(n, { state: 'unmounted', mountPoint: null, errorCode: null, errorMessage: null });
        } catch (err) {
          this.fail(n, err instanceof MountError ? err : new MountError('unknown', (err as Error).message));
        }
      }),
    );
    return this.states();
  }

  /** After sleep: the OS may have dropped the mounts or kept dead ones; repair and mount again what should be. */
  async onResume(): Promise<ClientShareState[]> {
    this.retryDelay = this.opts.backoffMs ?? 1000;
    await this.checkHealth();
    return this.mountAll();
  }

  /** Starts the health passes (the tray; the CLI mounts once and exits). */
  watch(): void {
    this.watching = true;
    this.scheduleHealth();
  }

  private degraded(): boolean {
    return [...this.wanted].some((n) => this.state.get(n)?.state === 'error');
  }

  private scheduleHealth(): void {
    if (!this.watching || this.disposed) return;
    if (this.healthTimer) clearTimeout(this.healthTimer);
    const delay = this.degraded() ? (this.opts.degradedIntervalMs ?? 3000) : (this.opts.healthIntervalMs ?? 30_000);
    this.healthTimer = setTimeout(() => {
      this.healthTimer = null;
      void this.checkHealth().catch(() => undefined);
    }, delay);
    this.healthTimer.unref();
  }

  /**
   * One health pass over the wanted shares: listed and readable is mounted (also after an outage: gvfs and smbfs
   * reconnect by themselves); listed but unreadable, or dropped by the OS, is repaired when the server answers
   * (unmount + mount) and shown as server-unreachable while it does not. Concurrent calls share one pass.
   */
  checkHealth(): Promise<ClientShareState[]> {
    this.checking ??= this.health().finally(() => {
      this.checking = null;
      // The next pass comes sooner while a share is down.
      this.scheduleHealth();
    });
    return this.checking;
  }

  private async health(): Promise<ClientShareState[]> {
    // A mount pass already looks at every share it touches.
    if (this.inFlight) return this.states();
    const listing = await this.opts.mounter.list({ timeoutMs: this.opts.timeoutMs ?? 30_000 }).catch(() => null);
    if (!listing) return this.states();
    const broken: string[] = [];
    for (const name of this.wanted) {
      const st = this.state.get(name)!;
      const m = listing.find((x) => this.matches(x, name));
      if (m) {
        const usable = this.opts.mounter.usable
          ? await this.opts.mounter.usable(m, { timeoutMs: this.opts.usableTimeoutMs ?? 5000 })
          : true;
        if (usable) {
          if (st.state !== 'mounted')
            this.set(name, { state: 'mounted', mountPoint: m.mountPoint, errorCode: null, errorMessage: null });
          continue;
        }
        broken.push(name);
      } else if (
        st.state === 'mounted' ||
        (st.state === 'error' && (st.errorCode === 'server-unreachable' || st.errorCode === 'timeout'))
      ) {
        // Mounted before (or waiting for the server), and the OS no longer lists it.
        broken.push(name);
      }
    }
    if (broken.length === 0 || this.inFlight) return this.states();
    const { host, smbPort } = this.server;
    if (!(await (this.opts.probe ?? probeSmb)(host, smbPort, this.opts.probeTimeoutMs ?? 1000))) {
      // The server is away: say so; the mount stays listed, and most clients reconnect by themselves once it is back.
      for (const n of broken)
        this.set(n, {
          state: 'error',
          mountPoint: null,
          errorCode: 'server-unreachable',
          errorMessage: `${host} does not answer on port ${smbPort}; ${n} comes back by itself when it does`,
        });
      return this.states();
    }
    // The server answers but the share is dead (or gone): unmount what is left of it and mount it again.
    await Promise.all(
      broken.map((n) =>
        this.opts.mounter.unmount(this.target(n), { timeoutMs: this.opts.timeoutMs ?? 30_000 }).catch(() => undefined),
      ),
    );
    for (const n of broken) this.set(n, { state: 'unmounted', mountPoint: null }, false);
    return this.mountAll(broken);
  }

  /** A network came or went: same as resume. */
  onNetworkChange(): Promise<ClientShareState[]> {
    return this.onResume();
  }

  private scheduleRetry(): void {
    if (this.opts.autoRetry === false || this.disposed || this.retryTimer) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, this.opts.maxBackoffMs ?? 60_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.mountAll().catch(() => undefined);
    }, delay);
    this.retryTimer.unref();
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Stops background retries and health passes. */
  dispose(): void {
    this.disposed = true;
    this.clearRetry();
    if (this.healthTimer) clearTimeout(this.healthTimer);
    this.healthTimer = null;
  }
}

function sameServer(seen: string, configured: string): boolean {
  const strip = (h: string) =>
    h
      .toLowerCase()
      .replace(/\._smb\._tcp\.local$/, '')
      .replace(/\.local$/, '');
  return strip(seen) === strip(configured);
}

function scrub(text: string, secret: string): string {
  return secret ? text.split(secret).join('[redacted]') : text;
}

function credentialFailure(err: unknown): MountError {
  if (err instanceof CredentialError)
    return new MountError('credentials-rejected', `no Samba credential: ${err.message}`);
  return new MountError('unknown', `reading the credential failed: ${(err as Error)?.message ?? String(err)}`);
}
