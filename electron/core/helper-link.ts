/**
 * The link to fts-helper: state reports (`PUT /api/v1/clients/{id}/state`) on every change and as a heartbeat,
 * and the event stream (`GET /api/v1/events`) followed with `Last-Event-ID` resume and backoff. A dropped stream
 * shows as `reconnecting`; only an outage longer than the grace period becomes `disconnected` (no alert for a blip).
 */
import { FtsEvent, routes, type ClientStateReport } from '../../contract/index.js';
import { HelperHttpError, request, requestJson, type HelperEndpoint } from './http.js';
import { parseReadyComment, SseParser } from '../../contract/sse.js';

/** How the link is doing, for the tray and `fts status`. */
export type LinkState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/** The link's status snapshot. */
export interface LinkStatus {
  state: LinkState;
  since: number;
  lastEventId: number;
  lastError: string | null;
  lastReportAt: number | null;
}

/** How to run the link. */
export interface HelperLinkOptions {
  /**
   * Runs one exchange with the helper's URL, token and pinned fingerprint (ClientCore.withHelper: it re-reads a
   * stale token or pin from Key Vault once).
   */
  withEndpoint: <T>(exchange: (ep: HelperEndpoint) => Promise<T>) => Promise<T>;
  clientId: string;
  /** The state to report now. */
  report: () => ClientStateReport;
  onEvent?: (event: FtsEvent) => void;
  onStatus?: (status: LinkStatus) => void;
  /**
   * The replay of a (re)connection is over: `helperLastId` is the newest event the helper had, `resumedFrom` the id
   * this connection resumed after. Events before this call on a connection were replayed; after it, live.
   */
  onReady?: (helperLastId: number, resumedFrom: number) => void;
  /** Resume after this event id (persisted by the caller). */
  lastEventId?: number;
  heartbeatMs?: number;
  disconnectGraceMs?: number;
  /** No byte (not even a heartbeat comment) for this long means a dead stream. */
  staleMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** Fills a route path's `:params`. */
export function routePath(path: string, params: Record<string, string>): string {
  return path.replace(/:([A-Za-z]+)/g, (_m, k: string) => encodeURIComponent(params[k] ?? ''));
}

/** One client's connection to the helper. */
export class HelperLink {
  private status: LinkStatus;
  private stopped = true;
  private abort: AbortController | null = null;
  private wake: (() => void) | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private graceTimer: NodeJS.Timeout | null = null;
  private reportTimer: NodeJS.Timeout | null = null;
  private reporting: Promise<void> | null = null;
  private reportAgain = false;
  private loopDone: Promise<void> | null = null;
  private kicked = false;

  constructor(private readonly opts: HelperLinkOptions) {
    this.status = {
      state: 'idle',
      since: Date.now(),
      lastEventId: opts.lastEventId ?? 0,
      lastError: null,
      lastReportAt: null,
    };
  }

  /** The current status. */
  get current(): LinkStatus {
    return { ...this.status };
  }

  private setState(state: LinkState, lastError: string | null = this.status.lastError): void {
    if (state === this.status.state && lastError === this.status.lastError) return;
    this.status = {
      ...this.status,
      state,
      since: state === this.status.state ? this.status.since : Date.now(),
      lastError,
    };
    this.opts.onStatus?.(this.current);
  }

  /** Starts following events and sending heartbeats. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.setState('connecting');
    this.loopDone = this.loop();
    this.heartbeat = setInterval(() => void this.reportState().catch(() => undefined), this.opts.heartbeatMs ?? 60_000);
    this.heartbeat.unref();
    void this.reportState().catch(() => undefined);
  }

  /** Stops everything and waits for the stream to close. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of [this.heartbeat, this.graceTimer, this.reportTimer]) if (t) clearTimeout(t);
    this.heartbeat = this.graceTimer = this.reportTimer = null;
    this.abort?.abort();
    this.wake?.();
    await this.loopDone;
    this.setState('idle');
  }

  /** Sends the state now; overlapping calls coalesce into one more report after the running one. */
  async reportState(): Promise<void> {
    if (this.reporting) {
      this.reportAgain = true;
      return this.reporting;
    }
    this.reporting = (async () => {
      try {
        do {
          this.reportAgain = false;
          const path = routePath(routes.putClientState.path, { id: this.opts.clientId });
          await this.opts.withEndpoint((ep) =>
            requestJson(ep, routes.putClientState.method, path, this.opts.report(), 10_000),
          );
          this.status.lastReportAt = Date.now();
        } while (this.reportAgain && !this.stopped);
      } finally {
        this.reporting = null;
      }
    })();
    return this.reporting;
  }

  /** The shares changed: report soon (changes within 100 ms go out as one report). */
  stateChanged(): void {
    if (this.stopped || this.reportTimer) return;
    this.reportTimer = setTimeout(() => {
      this.reportTimer = null;
      void this.reportState().catch(() => undefined);
    }, 100);
    this.reportTimer.unref();
  }

  /** After sleep or a network change: reconnect now instead of waiting out the backoff. */
  kick(): void {
    if (this.stopped) return;
    this.kicked = true;
    this.abort?.abort();
    this.wake?.();
    void this.reportState().catch(() => undefined);
  }

  /** After sleep. */
  onResume(): void {
    this.kick();
  }

  /** A network came or went. */
  onNetworkChange(): void {
    this.kick();
  }

  /** Resumes the stream after `id` from now on, reconnecting at once (a reinstalled helper: 0, its retention's start). */
  resumeFrom(id: number): void {
    this.status.lastEventId = id;
    this.kick();
  }

  private dropped(error: string): void {
    if (this.status.state === 'connected' || this.status.state === 'connecting') this.setState('reconnecting', error);
    else this.status.lastError = error;
    if (!this.graceTimer && this.status.state !== 'disconnected') {
      this.graceTimer = setTimeout(() => {
        this.graceTimer = null;
        if (!this.stopped && this.status.state !== 'connected') this.setState('disconnected');
      }, this.opts.disconnectGraceMs ?? 30_000);
      this.graceTimer.unref();
    }
  }

  private connected(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    this.setState('connected', null);
  }

  private async loop(): Promise<void> {
    const min = this.opts.minBackoffMs ?? 1000;
    const max = this.opts.maxBackoffMs ?? 30_000;
    let backoff = min;
    while (!this.stopped) {
      if (this.kicked) backoff = min;
      this.kicked = false;
      const ac = new AbortController();
      this.abort = ac;
      let stale: NodeJS.Timeout | null = null;
      const armStale = () => {
        if (stale) clearTimeout(stale);
        stale = setTimeout(() => ac.abort(), this.opts.staleMs ?? 45_000);
      };
      try {
        const resumedFrom = this.status.lastEventId;
        const headers: Record<string, string> = { accept: 'text/event-stream' };
        if (resumedFrom > 0) headers['last-event-id'] = String(resumedFrom);
        armStale();
        const res = await this.opts.withEndpoint(async (ep) => {
          const r = await request(ep, 'GET', '/api/v1/events', { headers, signal: ac.signal });
          if (r.statusCode !== 200) {
            r.resume();
            throw new HelperHttpError(r.statusCode ?? 0, `the helper answered ${r.statusCode} to the event stream`);
          }
          return r;
        });
        this.connected();
        backoff = min;
        const parser = new SseParser({ comments: true });
        res.setEncoding('utf8');
        for await (const chunk of res) {
          armStale();
          for (const msg of parser.push(chunk as string)) {
            if (msg.comment === undefined) {
              this.handle(msg.data);
              continue;
            }
            const helperLastId = parseReadyComment(msg.comment);
            if (helperLastId !== null) this.opts.onReady?.(helperLastId, resumedFrom);
          }
        }
        throw new Error('the event stream ended');
      } catch (err) {
        if (this.stopped) break;
        if (!this.kicked) this.dropped((err as Error).message ?? String(err));
      } finally {
        if (stale) clearTimeout(stale);
      }
      if (this.stopped) break;
      if (this.kicked) {
        // Woken by resume or a network change: try again at once with a fresh backoff.
        this.kicked = false;
        backoff = min;
        continue;
      }
      // Jitter keeps many clients from reconnecting in lockstep after the server restarts.
      await this.sleep(backoff * (0.8 + Math.random() * 0.4));
      backoff = Math.min(backoff * 2, max);
    }
  }

  private handle(data: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    const r = FtsEvent.safeParse(parsed);
    // Unknown event types from a newer helper are skipped, not fatal.
    if (!r.success) return;
    // The helper sends each id once per connection, in order; a repeat can only come from a replay overlap.
    if (r.data.id <= this.status.lastEventId) return;
    this.status.lastEventId = r.data.id;
    this.opts.onEvent?.(r.data);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}
