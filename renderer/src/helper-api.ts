/**
 * The dashboard's client for the helper's HTTP API: Bearer token on every request, responses checked against the
 * contract, and the event stream read with fetch() (EventSource cannot send the Authorization header).
 */
import { routes, Status, type Status as StatusT } from '../../contract/api.js';
import type { FtsEvent } from '../../contract/events.js';
import { JobRun, type JobRun as JobRunT } from '../../contract/job.js';
import { readEventStream } from '../../contract/sse.js';
import { z } from 'zod';

/**
 * Routes the dashboard calls that other branches add to contract/api.ts (issues 4 and 5). MERGE POINT: the lead
 * re-points these at `routes.runJob`, `routes.undoGraduation`… once they exist in the contract.
 */
export const PENDING_ROUTES = {
  runJob: (name: string) => ({ method: 'POST', path: `/api/v1/jobs/${encodeURIComponent(name)}/run` }),
  cancelRun: (id: number) => ({ method: 'POST', path: `/api/v1/runs/${id}/cancel` }),
  undoGraduation: (id: number) => ({ method: 'POST', path: `/api/v1/graduation/runs/${id}/undo` }),
} as const;

/** A failed API call: HTTP status and the helper's message. */
export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A typed client bound to one token. */
export class HelperApi {
  constructor(
    private readonly token: string,
    private readonly base = window.location.origin,
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(new URL(path, this.base), {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? (method === 'POST' ? '{}' : undefined) : JSON.stringify(body),
      cache: 'no-store',
    });
    const json = (await res.json().catch(() => null)) as { message?: string } | null;
    if (!res.ok) throw new ApiCallError(res.status, json?.message ?? `HTTP ${res.status}`);
    return json;
  }

  /** The server summary (shares, drives, jobs, clients). */
  async status(): Promise<StatusT> {
    return Status.parse(await this.call('GET', routes.status.path));
  }

  /** Recent runs, newest first. */
  async runs(limit = 50): Promise<JobRunT[]> {
    return z.array(JobRun).parse(await this.call('GET', `${routes.listRuns.path}?limit=${limit}`));
  }

  /** Starts a job now. */
  async runJob(name: string): Promise<unknown> {
    const r = PENDING_ROUTES.runJob(name);
    return this.call(r.method, r.path);
  }

  /** Cancels a running run. */
  async cancelRun(id: number): Promise<unknown> {
    const r = PENDING_ROUTES.cancelRun(id);
    return this.call(r.method, r.path);
  }

  /** Moves a graduation run's files back. */
  async undoGraduation(id: number): Promise<unknown> {
    const r = PENDING_ROUTES.undoGraduation(id);
    return this.call(r.method, r.path);
  }

  /** Follows the event stream, reconnecting with Last-Event-ID; returns the stop function. */
  follow(onEvent: (e: FtsEvent) => void, onLive: (live: boolean) => void): () => void {
    const abort = new AbortController();
    let last = 0;
    void (async () => {
      while (!abort.signal.aborted) {
        try {
          last = await readEventStream(fetch.bind(window), new URL('/api/v1/events', this.base).href, {
            token: this.token,
            lastEventId: last,
            signal: abort.signal,
            onOpen: () => onLive(true),
            onEvent: (e) => {
              last = e.id;
              onEvent(e);
            },
          });
        } catch {
          if (abort.signal.aborted) return;
        }
        onLive(false);
        await new Promise((r) => setTimeout(r, 2000));
      }
    })();
    return () => abort.abort();
  }
}

/** Where the dashboard keeps the token: this tab's session only, never localStorage or a cookie. */
export const TOKEN_KEY = 'fts.dashboard.token';

/** Takes a token handed over in the URL fragment (`#token=…`, never sent to the server) and removes it from the address bar. */
export function takeTokenFromFragment(): string | null {
  const m = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (!m) return null;
  history.replaceState(null, '', window.location.pathname + window.location.search);
  return decodeURIComponent(m[1]!);
}
