/**
 * Runs jobs and actions: one run row per start (an action's parameters stored with it), resources locked for the run (shared with other processes through the
 * store, so a CLI run and the daemon never overlap), the later run waiting its turn, cancellation through the
 * store (any process may ask; the owner stops its task), and history with status, summary and log tail.
 */
import type { Logger } from 'pino';
import { ActionKind, type Job, type JobKind, type JobRun } from '../../contract/index.js';
import type { HelperConfig } from '../config/schema.js';
import { processAlive } from '../system/process.js';
import type { Store } from '../store/index.js';
import type { EventBus } from '../runs/bus.js';
import { jobsFromConfig, type JobDefinition } from './definitions.js';
import type { TaskRegistry } from './registry.js';
import { RunRefused, type Task, type TaskContext, type TaskOutcome } from '../runs/task.js';
import { nextRunOf } from './schedule.js';

/** A job that cannot be started (unknown name, no task for its kind): the caller's mistake, with what to do. */
export class JobError extends Error {
  override readonly name = 'JobError';
  constructor(
    readonly code: 'unknown-job' | 'no-task' | 'unknown-run',
    message: string,
  ) {
    super(message);
  }
}

/** What the runner needs. */
export interface JobRunnerOptions {
  config: HelperConfig;
  store: Store;
  bus: EventBus;
  log: Logger;
  registry: TaskRegistry;
  /** How often a waiting run looks at the locks again, and a running one at cancel requests (default 500 ms). */
  pollMs?: number;
  /** Whether a process exists (tests replace it). */
  isAlive?: (pid: number) => boolean;
}

/** A run started by this process. */
export interface StartedRun {
  runId: number;
  /** Resolves with the run as recorded when it ends. */
  done: Promise<JobRun>;
  /** Resolves when it ends with what the task handed back beyond the record (TaskOutcome.detail), if anything. */
  detail: Promise<Record<string, unknown> | undefined>;
}

/** The configured jobs with their next run, whether one is active, and the last run; read from config and store only. */
export function listJobs(config: HelperConfig, store: Store): Job[] {
  return jobsFromConfig(config).map((d) => ({
    name: d.name,
    kind: d.kind,
    schedule: d.schedule,
    nextRun: d.schedule ? (nextRunOf(d.schedule)?.toISOString() ?? null) : null,
    running: store.runs.active(d.name).length > 0,
    lastRun: store.runs.list({ job: d.name, limit: 1 })[0] ?? null,
  }));
}

/** Starts, waits for, cancels and records job runs. */
export class JobRunner {
  private readonly local = new Map<number, { controller: AbortController; done: Promise<JobRun> }>();
  private readonly pollMs: number;
  private readonly isAlive: (pid: number) => boolean;
  private closed = false;

  constructor(private readonly opts: JobRunnerOptions) {
    this.pollMs = opts.pollMs ?? 500;
    this.isAlive = opts.isAlive ?? processAlive;
    this.reapInterrupted();
  }

  /** The configured jobs. */
  definitions(): JobDefinition[] {
    return jobsFromConfig(this.opts.config);
  }

  /** The job list with next runs and last runs. */
  list(): Job[] {
    return listJobs(this.opts.config, this.opts.store);
  }

  /**
   * What a name starts: a configured job, or an action (its kind is its job name) whose task is registered.
   * Throws JobError for an unknown name or a kind this build cannot run.
   */
  private resolve(name: string): { job: string; kind: JobKind; task: Task } {
    const def = this.definitions().find((d) => d.name === name);
    const action = ActionKind.safeParse(name);
    if (!def && !action.success) {
      throw new JobError(
        'unknown-job',
        `no job named "${name}"; jobs: ${this.definitions()
          .map((d) => d.name)
          .join(', ')}; actions: ${ActionKind.options.join(', ')}`,
      );
    }
    const kind: JobKind = def ? def.kind : action.data!;
    const task = this.opts.registry.get(kind);
    if (!task)
      throw new JobError(
        'no-task',
        `${def ? `job "${name}" (${kind})` : `the action ${kind}`} cannot run in this build: no ${kind} task is registered`,
      );
    return { job: name, kind, task };
  }

  /** Parses a run's parameters with its task's schema; throws RunRefused naming the first bad field. */
  private parseParams(task: Task, job: string, params: unknown): unknown {
    if (!task.params) {
      if (params !== undefined && params !== null && Object.keys(params as object).length > 0)
        throw new RunRefused('bad-params', `${job} takes no parameters`);
      return null;
    }
    const r = task.params.safeParse(params ?? {});
    if (r.success) return r.data;
    const issue = r.error.issues[0]!;
    throw new RunRefused(
      'bad-params',
      `${job}: ${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`,
    );
  }

  /**
   * Marks runs whose owning process is gone (a helper killed mid-run) as failed, and frees their locks,
   * so history tells the truth and the next run is not blocked.
   */
  reapInterrupted(): number {
    let n = 0;
    for (const r of this.opts.store.runs.active()) {
      if (r.pid === null || this.local.has(r.id) || (r.pid !== process.pid && this.isAlive(r.pid))) continue;
      if (r.pid === process.pid) continue;
      const reason = `interrupted: the process running it (PID ${r.pid}) stopped before the run ended`;
      this.opts.store.runs.finish(r.id, 'failed', null, reason);
      this.opts.store.jobLocks.release(r.id);
      this.publishFailure(r.kind, r.id, r.job, reason, false);
      n++;
    }
    return n;
  }

  /**
   * Starts a configured job (by name) or an action (by kind, with its parameters) now: trigger `manual` from the
   * CLI, `api`, or `schedule`. The parameters are checked and the task may refuse (RunRefused) before anything is
   * recorded; then the run is recorded as queued, waits for its resources, and its task starts after this returns
   * (so a caller that subscribes to the bus with the run id misses none of its events).
   */
  start(name: string, trigger: JobRun['trigger'], params?: Record<string, unknown>): StartedRun {
    if (this.closed) throw new Error('the job runner is closed');
    const { job, kind, task } = this.resolve(name);
    const parsed = this.parseParams(task, job, params);
    task.admit?.({ config: this.opts.config, store: this.opts.store }, parsed);
    const runId = this.opts.store.runs.create(
      job,
      kind,
      trigger,
      Date.now(),
      process.pid,
      parsed as Record<string, unknown> | null,
    );
    const controller = new AbortController();
    const ended = Promise.resolve()
      .then(() => this.execute({ job, kind, task, params: parsed }, runId, controller))
      .finally(() => this.local.delete(runId));
    const done = ended.then((e) => e.run);
    this.local.set(runId, { controller, done });
    return {
      runId,
      done,
      detail: ended.then(
        (e) => e.detail,
        () => undefined,
      ),
    };
  }

  /**
   * Asks a run to stop. The owner (this process or another) aborts its task; a run whose owner is gone is
   * closed here. Returns the run as it stands.
   */
  cancel(runId: number): JobRun {
    const run = this.opts.store.runs.get(runId);
    if (!run) throw new JobError('unknown-run', `no run with id ${runId}`);
    if (!this.opts.store.runs.requestCancel(runId)) return run;
    const local = this.local.get(runId);
    if (local) local.controller.abort();
    else this.reapInterrupted();
    return this.opts.store.runs.get(runId)!;
  }

  /** Runs started by this process that have not ended. */
  activeLocal(): number[] {
    return [...this.local.keys()];
  }

  /** Cancels this process's runs and waits for them to end. */
  async close(): Promise<void> {
    this.closed = true;
    const runs = [...this.local.values()];
    for (const r of runs) r.controller.abort();
    await Promise.allSettled(runs.map((r) => r.done));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** True when an older queued run (owned by a live process) needs one of these resources: it goes first. Running ones hold locks. */
  private olderRunWants(runId: number, resources: string[]): boolean {
    for (const r of this.opts.store.runs.active()) {
      if (r.id >= runId || r.status !== 'queued') continue;
      if (r.pid !== null && r.pid !== process.pid && !this.isAlive(r.pid)) continue;
      if (r.pid === process.pid && !this.local.has(r.id)) continue;
      const t = this.opts.registry.get(r.kind);
      if (!t) continue;
      const theirs = this.resourcesOf(t, r.params);
      if ((theirs.includes('*') && resources.length > 0) || theirs.some((x) => resources.includes(x))) return true;
    }
    return false;
  }

  /** The resources of another run from its stored parameters; a run recorded before parameters were stored gets its defaults. */
  private resourcesOf(task: Task, stored: Record<string, unknown> | null): string[] {
    const params = stored ?? (task.params ? task.params.safeParse({}).data : null);
    // Parameters this build cannot read (another version's run): wait for the run rather than guess what it locks.
    if (params === undefined) return ['*'];
    return task.resources(this.opts.config, params);
  }

  private async execute(
    run: { job: string; kind: JobKind; task: Task; params: unknown },
    runId: number,
    controller: AbortController,
  ): Promise<{ run: JobRun; detail?: Record<string, unknown> }> {
    const { store, log } = this.opts;
    const { job, kind, task } = run;
    const resources = task.resources(this.opts.config, run.params);
    const appendLog = (text: string) => store.runs.appendLog(runId, text);
    // Wait for the resources: older runs first, then whoever holds the lock.
    let announced = false;
    for (;;) {
      if (controller.signal.aborted || store.runs.cancelRequested(runId)) {
        store.runs.finish(runId, 'cancelled', null, 'cancelled before it started');
        return { run: store.runs.get(runId)! };
      }
      if (!this.olderRunWants(runId, resources)) {
        const blockers = store.jobLocks.tryAcquire(resources, runId);
        if (blockers.length === 0) break;
        if (!announced) {
          const b = blockers[0]!;
          const holder = store.runs.get(b.runId);
          appendLog(`waiting: ${b.resource} is in use by run ${b.runId}${holder ? ` (${holder.job})` : ''}\n`);
          log.info({ runId, job, resource: b.resource, heldBy: b.runId }, 'job waits for a resource');
          announced = true;
        }
      } else if (!announced) {
        appendLog(`waiting: an earlier run needs the same resources (${resources.join(', ')})\n`);
        announced = true;
      }
      await this.sleep(this.pollMs);
    }

    store.runs.start(runId);
    log.info({ runId, job, kind }, 'job started');
    const cancelWatch = setInterval(() => {
      if (store.runs.cancelRequested(runId)) controller.abort();
    }, this.pollMs);
    const ctx: TaskContext = {
      config: this.opts.config,
      store,
      bus: this.opts.bus,
      log,
      runId,
      job,
      params: run.params,
      signal: controller.signal,
      appendLog,
    };
    let outcome: TaskOutcome;
    try {
      outcome = await task.run(ctx);
    } catch (err) {
      const reason = `${kind} failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`;
      log.error({ err, runId, job }, 'task threw');
      this.publishFailure(kind, runId, job, reason, controller.signal.aborted);
      outcome = { status: controller.signal.aborted ? 'cancelled' : 'failed', summary: null, error: reason };
    } finally {
      clearInterval(cancelWatch);
    }
    store.runs.finish(runId, outcome.status, outcome.summary, outcome.error, { undoable: outcome.undoable === true });
    store.jobLocks.release(runId);
    log.info({ runId, job, status: outcome.status, error: outcome.error }, 'job ended');
    return { run: store.runs.get(runId)!, detail: outcome.detail };
  }

  /** Publishes the failure event of a kind through its task, for runs whose task could not (crash, interrupted process). */
  private publishFailure(kind: JobKind, runId: number, job: string, reason: string, cancelled: boolean): void {
    try {
      this.opts.registry.get(kind)?.publishFailure?.(this.opts.bus, { runId, job }, reason, cancelled);
    } catch (err) {
      this.opts.log.error({ err }, 'could not publish a failure event');
    }
  }
}
