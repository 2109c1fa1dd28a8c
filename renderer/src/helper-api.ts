/**
 * The dashboard's client for the helper's HTTP API: Bearer token on every request, responses checked against the
 * contract, and the event stream read with fetch() (EventSource cannot send the Authorization header).
 */
import { routes, Status, type RouteDef, type Status as StatusT } from '../../contract/api.js';
import type { FtsEvent } from '../../contract/events.js';
import { JobRun, type JobRun as JobRunT } from '../../contract/job.js';
import { AlertChannelStatus, AlertTestResult } from '../../contract/alerts.js';
import { TimeMachineReport } from '../../contract/timemachine.js';
import { StorageHistory } from '../../contract/storage.js';
import { ActionStarted, SearchReport, SnapshotInfo, SnapshotListing } from '../../contract/restore.js';
import { readEventStream } from '../../contract/sse.js';
import { z } from 'zod';

/** Fills a contract path's `:param` segments (`/api/v1/jobs/:name/run` with `{ name }`), each one URL-encoded. */
export function routePath(def: RouteDef, params: Record<string, string | number> = {}): string {
  return def.path.replace(/:([A-Za-z]+)/g, (_m, key: string) => {
    const v = params[key];
    if (v === undefined) throw new Error(`${def.path} needs the parameter ${key}`);
    return encodeURIComponent(String(v));
  });
}

/** What `POST /api/v1/graduation/runs/:id/undo` answers: the undo's own run and the run it undoes. */
export type UndoStarted = z.infer<typeof routes.undoGraduationRun.response>;

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
      // The helper speaks JSON only (any other content type is 415), so a POST without a body sends `{}` as JSON.
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined || method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? (method === 'POST' ? '{}' : undefined) : JSON.stringify(body),
      cache: 'no-store',
    });
    const json = (await res.json().catch(() => null)) as { message?: string } | null;
    if (!res.ok) throw new ApiCallError(res.status, json?.message ?? `HTTP ${res.status}`);
    return json;
  }

  /** The alert channels with their delivery records (admin). */
  async alertChannels(): Promise<AlertChannelStatus[]> {
    return z.array(AlertChannelStatus).parse(await this.call('GET', routes.listAlertChannels.path));
  }

  /** Sends a test message to one alert channel now (admin). */
  async testAlertChannel(name: string): Promise<AlertTestResult> {
    return AlertTestResult.parse(
      await this.call(routes.testAlertChannel.method, routePath(routes.testAlertChannel, { name })),
    );
  }

  /** The server summary (shares, drives, jobs, clients). */
  async status(): Promise<StatusT> {
    return Status.parse(await this.call('GET', routes.status.path));
  }

  /** Recent runs, newest first. */
  async runs(limit = 50): Promise<JobRunT[]> {
    return z.array(JobRun).parse(await this.call('GET', `${routes.listRuns.path}?limit=${limit}`));
  }

  /** Starts a job now; answers with its run (queued or running; watch the events for the rest). */
  async runJob(name: string): Promise<JobRunT> {
    return JobRun.parse(await this.call(routes.runJob.method, routePath(routes.runJob, { name })));
  }

  /** Asks a queued or running run to stop; answers with the run as it stands. */
  async cancelRun(id: number): Promise<JobRunT> {
    return JobRun.parse(await this.call(routes.cancelRun.method, routePath(routes.cancelRun, { id })));
  }

  /** A run's log (its last 64 KiB), as `fts-helper jobs log ID` prints it (admin). */
  async runLog(id: number): Promise<string> {
    const r = routes.runLog;
    return r.response.parse(await this.call(r.method, routePath(r, { id }))).log;
  }

  /** Moves a graduation run's files back; the undo runs as its own run (`runId`). */
  async undoGraduation(id: number): Promise<UndoStarted> {
    const r = routes.undoGraduationRun;
    return r.response.parse(await this.call(r.method, routePath(r, { id })));
  }

  /** Each Mac backing up to the Time Machine share. */
  async timeMachine(): Promise<TimeMachineReport> {
    return TimeMachineReport.parse(await this.call('GET', routes.timeMachine.path));
  }

  /** Each drive's usage over the last `days` days, with the trend in words. */
  async storageHistory(days = 90): Promise<StorageHistory> {
    return StorageHistory.parse(await this.call('GET', `${routes.storageHistory.path}?days=${days}`));
  }

  /** The backup repository's snapshots, newest first. */
  async snapshots(): Promise<SnapshotInfo[]> {
    return z.array(SnapshotInfo).parse(await this.call('GET', routes.listSnapshots.path));
  }

  /** One page of a folder's entries in a snapshot (the first folder it holds when `path` is left out). */
  async browse(snapshot: string, path: string | null, offset = 0, limit = 200): Promise<SnapshotListing> {
    const q = new URLSearchParams({ offset: String(offset), limit: String(limit), ...(path ? { path } : {}) });
    return SnapshotListing.parse(await this.call('GET', `${routePath(routes.browseSnapshot, { id: snapshot })}?${q}`));
  }

  /** Restores a file or folder of a snapshot into flux (a `restore` run; watch its events). */
  async restore(snapshot: string, path: string): Promise<ActionStarted> {
    return ActionStarted.parse(await this.call('POST', routes.startRestore.path, { snapshot, path }));
  }

  /** Brings a file or folder back from space to flux (a `bring-back` run; watch its events). */
  async bringBack(path: string): Promise<ActionStarted> {
    return ActionStarted.parse(await this.call('POST', routes.bringBack.path, { path }));
  }

  /** "Where is my file?": part of a name in flux, space, the graduation journal and the newest snapshot. */
  async search(q: string, limit = 50): Promise<SearchReport> {
    return SearchReport.parse(
      await this.call('GET', `${routes.search.path}?${new URLSearchParams({ q, limit: String(limit) })}`),
    );
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
