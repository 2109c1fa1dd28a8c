/** What every run is made of, below the job system and the work it runs: the Task a run executes (graduation, backup, check, prune, drive check), its context and its outcome. */
import type { Logger } from 'pino';
import type { JobKind, RunStatus } from '../../contract/index.js';
import type { HelperConfig } from '../config/schema.js';
import type { Store } from '../store/index.js';
import type { EventBus } from './bus.js';

/** What a task gets for one run. */
export interface TaskContext {
  config: HelperConfig;
  store: Store;
  bus: EventBus;
  log: Logger;
  /** The job_runs row of this run; events carry it as `runId`. */
  runId: number;
  /** The job's name as configured (e.g. `graduation`, `backup`). */
  job: string;
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
}

/** A kind of work the job system can run. `resources` are locked for the run (e.g. `space`). */
export interface Task {
  kind: JobKind;
  resources(config: HelperConfig): string[];
  run(ctx: TaskContext): Promise<TaskOutcome>;
}
