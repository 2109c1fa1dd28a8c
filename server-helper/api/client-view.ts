/**
 * Runs and events as a client token (a member's tray) receives them. The job history and the event stream are the
 * household's, so a tray still hears that a graduation moved 40 files or that a backup failed; but the names in
 * them are shown only where the member's Samba user could see them over SMB (a name inside another member's closed
 * folder is replaced, counts stay), a Time Machine warning reaches only the Mac it is about, and a computer coming
 * online is heard only by that computer's own token. A token that does
 * not say which Samba user it mounts as gets no names at all. Admin tokens get everything unchanged (no view).
 */
import { realpathSync } from 'node:fs';
import type { FtsEvent, JobKind, JobRun } from '../../contract/index.js';
import { rootOf } from '../lifecycle/graduation/service.js';
import { MemberSight } from '../lifecycle/restore/member-sight.js';
import type { Principal } from '../store/tokens.js';
import { cachedMemberIds, clientScope, ownsMac } from './client-scope.js';
import type { AppContext } from './context.js';

/** What stands in for a name the member could not see. */
export const HIDDEN_PATH = '(hidden: not visible to this member)';

/** Path fields of runs (params, summary) and events that hold one path, a list of paths, or a list of records with paths. */
const ONE_PATH = ['path', 'currentPath', 'placedAt', 'restoredTo'] as const;
/** Of those, the ones that may be null (the others keep HIDDEN_PATH in place of the name). */
const NULLABLE: ReadonlySet<string> = new Set(['currentPath', 'placedAt']);
const PATH_LISTS = ['examples', 'unreadable'] as const;
/** Free text that may quote a path of the same record: the run's error, a failure's reason, a backup's warning. */
const TEXT = ['error', 'reason', 'warning'] as const;

type Json = Record<string, unknown>;

/** One client's view; shared by every stream of the same client and Samba user. */
export class ClientView {
  constructor(
    private readonly ctx: Pick<AppContext, 'config' | 'store'>,
    private readonly principal: Principal,
    /** What the Samba user could see; null when the token names none (no names are shown). */
    private readonly sight: MemberSight | null,
  ) {}

  /** Streams with the same key receive the same events: computed once per event for them all. */
  get key(): string {
    return `${this.principal.clientId ?? ''}\u0000${this.principal.sambaUser ?? ''}`;
  }

  /** The event as this client receives it, or null when it is not this client's to hear. */
  event(e: FtsEvent): FtsEvent | null {
    if (e.type === 'timemachine.warning') return this.ownsMacOf(e.data) ? e : null;
    // Another member's computer coming online (its host name) is not this tray's business; GET /clients agrees.
    if (e.type === 'client.seen')
      return this.principal.clientId === null || e.data.clientId === this.principal.clientId ? e : null;
    const hidden: string[] = [];
    let data = this.redact(e.data as Json, hidden);
    // A failure's reason may quote the path the run was asked for, which the event itself does not carry.
    if ('reason' in data && 'runId' in data) {
      const asked = this.ctx.store.runs.get(data.runId as number)?.params?.path;
      if (typeof asked === 'string' && !this.seesAny(asked)) {
        hidden.push(asked);
        data = { ...data, reason: redactText(data.reason as string, hidden) };
      }
    }
    return data === e.data ? e : ({ ...e, data } as FtsEvent);
  }

  /** The run as this client lists it. */
  run(r: JobRun): JobRun {
    const hidden: string[] = [];
    let params = r.params ? this.redact(r.params, hidden) : null;
    const summary = r.summary ? this.redact(r.summary, hidden) : null;
    let error = r.error !== null && hidden.length ? redactText(r.error, hidden) : r.error;
    const own = this.principal.clientId;
    if (own !== null) {
      // Another computer's bring-back: which computer asked, and for whose files, is not this tray's business.
      if (params && typeof params.clientId === 'string' && params.clientId !== own) {
        const { clientId: _c, ownerUid: _o, ...rest } = params;
        params = rest;
      }
      // The check's first warning names a Mac (or a member's folder); this tray hears its own Mac's warnings.
      if (r.kind === TIME_MACHINE_CHECK && error !== null) error = timeMachineCheckError(r.summary);
    }
    return params === r.params && summary === r.summary && error === r.error ? r : { ...r, params, summary, error };
  }

  /** Whether a path (relative to flux or space, or absolute under one of them) is one the member could see. */
  private seesAny(path: string): boolean {
    if (!this.sight || path.length === 0) return false;
    const rel = path.startsWith('/') ? this.sight.relative(path) : path;
    return rel !== null && this.sight.sees(rel);
  }

  /** A copy of a record with the paths the member could not see replaced or left out (the same record when none is). */
  private redact(rec: Json, hidden: string[]): Json {
    let out: Json | null = null;
    const set = (k: string, v: unknown) => ((out ??= { ...rec })[k] = v);
    const hide = (p: string) => {
      hidden.push(p);
      return HIDDEN_PATH;
    };
    for (const k of ONE_PATH) {
      const v = rec[k];
      if (typeof v === 'string' && !this.seesAny(v)) {
        hide(v);
        set(k, NULLABLE.has(k) ? null : HIDDEN_PATH);
      }
    }
    for (const k of PATH_LISTS) {
      const v = rec[k];
      if (!Array.isArray(v)) continue;
      const kept = v.filter((p) => typeof p !== 'string' || this.seesAny(p) || (hide(p), false));
      if (kept.length !== v.length) set(k, kept);
    }
    // A graduation's or bring-back's failed files: the count stays, the hidden names go.
    if (Array.isArray(rec.failed)) {
      const failed = rec.failed as { path?: unknown; error?: unknown }[];
      const mapped = failed.map((f) =>
        typeof f?.path === 'string' && !this.seesAny(f.path)
          ? { ...f, path: hide(f.path), error: typeof f.error === 'string' ? redactText(f.error, [f.path]) : f.error }
          : f,
      );
      if (mapped.some((f, i) => f !== failed[i])) set('failed', mapped);
    }
    // A bring-back's files kept under a suffixed name: only pairs the member could see.
    if (Array.isArray(rec.renamed)) {
      const renamed = rec.renamed as { from?: unknown; to?: unknown }[];
      const kept = renamed.filter((r) => {
        const ok = [r?.from, r?.to].every((p) => typeof p !== 'string' || this.seesAny(p));
        if (!ok) for (const p of [r?.from, r?.to]) if (typeof p === 'string') hidden.push(p);
        return ok;
      });
      if (kept.length !== renamed.length) set('renamed', kept);
    }
    if (hidden.length)
      for (const k of TEXT) if (typeof rec[k] === 'string') set(k, redactText(rec[k] as string, hidden));
    return out ?? rec;
  }

  /** ownsMac's check for the Mac a warning is about, with the client's registration as it is now. */
  private ownsMacOf(w: Extract<FtsEvent, { type: 'timemachine.warning' }>['data']): boolean {
    let scope;
    try {
      scope = clientScope(this.ctx, this.principal);
    } catch {
      return false;
    }
    if (!scope) return true;
    // A per-user share keeps each member's bundles in a folder named after them: `<user>/<name>.sparsebundle`.
    const slash = w.bundle.indexOf('/');
    return ownsMac(scope, {
      clientIds: w.clientIds,
      hostKey: w.hostKey,
      owner: slash > 0 ? w.bundle.slice(0, slash) : null,
    });
  }
}

/** The job kind of the Time Machine check (timemachine/task.ts). */
const TIME_MACHINE_CHECK: JobKind = 'timemachine-check';

/** A Time Machine check's error as a member's tray reads it: how many warnings, naming no Mac. */
function timeMachineCheckError(summary: Json | null): string {
  const n = typeof summary?.warnings === 'number' ? summary.warnings : null;
  const count = n === null ? 'Time Machine warnings' : `${n} Time Machine warning${n === 1 ? '' : 's'}`;
  return `${count} in the household; this computer is told of its own Mac's`;
}

/** Text with every hidden path in it replaced, longest first (a folder's name is part of its files'). */
export function redactText(text: string, hidden: readonly string[]): string {
  let out = text;
  for (const p of [...new Set(hidden)].sort((a, b) => b.length - a.length)) if (p) out = out.split(p).join(HIDDEN_PATH);
  return out;
}

/**
 * The roots' real paths (absolute paths in runs name them so); the configured path when one cannot be resolved;
 * null when the config has no flux or space (a helper for Time Machine only): then a member is shown no names.
 */
function realRoots(config: AppContext['config']): { flux: string; space: string } | null {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  try {
    return { flux: real(rootOf(config, config.graduation.from)), space: real(rootOf(config, config.graduation.to)) };
  } catch {
    return null;
  }
}

/** Makes the views of client tokens, sharing one MemberSight per Samba user. */
export class ClientViews {
  private readonly sights = new Map<string, Promise<MemberSight | null>>();

  constructor(private readonly ctx: Pick<AppContext, 'config' | 'store'>) {}

  /** Null for an admin token (everything, unchanged); the client's view for a client token. */
  async of(principal: Principal): Promise<ClientView | null> {
    if (principal.role === 'admin') return null;
    const user = principal.sambaUser;
    let sight: Promise<MemberSight | null> = Promise.resolve(null);
    if (user !== null) {
      const known = this.sights.get(user);
      if (known) sight = known;
      else {
        sight = cachedMemberIds(user).then((ids) => {
          const roots = realRoots(this.ctx.config);
          return ids && roots ? new MemberSight(ids, roots) : null;
        });
        this.sights.set(user, sight);
        // An account that did not exist yet (or a failed lookup) is asked about again on the next request.
        sight.then((s) => s ?? this.sights.delete(user)).catch(() => this.sights.delete(user));
      }
    }
    return new ClientView(this.ctx, principal, await sight);
  }
}
