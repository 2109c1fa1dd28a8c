/**
 * What every run is made of, below the job system and the work it runs: the Task a run executes (graduation,
 * its undo, backup, check, prune, drive check), its parameters, context and outcome, and why a start is refused.
 */
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { JobKind, RunStatus } from '../../contract/index.js';
import type { HelperConfig } from '../config/schema.js';
import type { Store } from '../store/index.js';
import type { EventBus } from './bus.js';

/** What a task gets for one run; `params` are the run's parameters as its schema parsed them. */
export interface TaskContext<P = unknown> {
  config: HelperConfig;
  store: Store;
  bus: EventBus;
  log: Logger;
  /** The job_runs row of this run; events carry it as `runId`. */
  runId: number;
  /** The job's name as configured (e.g. `graduation`, `backup`), or the action's kind (`graduation-undo`). */
  job: string;
  params: P;
  /** Aborted when the run is cancelled; the task stops cleanly and soon. */
  signal: AbortSignal;
  /** Appends to the run's log (its last 64 KiB are kept). Never pass secrets. */
  appendLog(text: string): void;
}

/** How a run ended; the job system records it and the task has already published its events. */
export interface TaskOutcome {
  status: Extract<RunStatus, 'succeeded' | 'warning' | 'failed' | 'cancelled'>;
  summary: Record<string, unknown> | null;
  /** One line a person can act on, when the run failed or warned. */
  error: string | null;
  /** The run changed something its kind's undo can take back (a graduation that moved files); the run history says so. */
  undoable?: boolean;
  /**
   * What the run found that is too large for the run history (a dry run's every file): handed only to the process
   * that started the run (StartedRun.detail), never stored.
   */
  detail?: Record<string, unknown>;
}

/** Whom a refused start would concern: the thing named does not exist (404), or it cannot be done now or at all (409). */
export type RefusalCode = 'not-found' | 'conflict';

/** A start refused before any run exists: bad parameters, an unknown or busy target. The message says why and what to do. */
export class RunRefused extends Error {
  override readonly name = 'RunRefused';
  constructor(
    readonly code: RefusalCode | 'bad-params',
    message: string,
  ) {
    super(message);
  }
}

/** What a task may read when it decides whether a run can start. */
export interface AdmitContext {
  config: HelperConfig;
  store: Store;
}

/**
 * A kind of work the job system can run. A scheduled job's task takes no parameters, or only optional ones (a
 * dry run); an action's task declares the ones it needs (an undo takes the run to undo). `resources` are locked
 * for the run (e.g. `space`), so two runs that need one never overlap.
 */
export interface Task<P = unknown> {
  kind: JobKind;
  /** The run's parameters: parsed (defaults filled in) before the run is recorded, and stored with it. */
  params?: z.ZodType<P>;
  resources(config: HelperConfig, params: P): string[];
  /** Refuses a start that cannot run (the run to undo is unknown or still running) by throwing RunRefused. */
  admit?(ctx: AdmitContext, params: P): void;
  run(ctx: TaskContext<P>): Promise<TaskOutcome>;
  /** Publishes the failure event of this kind, for a run the task could not end itself (it threw, or its process died). */
  publishFailure?(bus: EventBus, ref: { runId: number; job: string }, reason: string, cancelled: boolean): void;
}
