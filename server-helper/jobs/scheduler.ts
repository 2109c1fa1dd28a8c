/** Fires jobs on their cron schedules; runs only inside `fts-helper serve`. A job that is still queued or running is not started twice. */
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { JobRunner } from './runner.js';
import type { Store } from '../store/index.js';
import { cronProblem } from './schedule.js';

/** A schedule in the config that croner cannot read: names the config key. */
export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
}

const CONFIG_KEY: Record<string, string> = {
  graduation: 'graduation.schedule',
  backup: 'backup.schedule',
  check: 'backup.check.schedule',
  prune: 'backup.prune.schedule',
  'drive-check': 'driveCheck.schedule',
  'storage-sample': 'storageHistory.schedule',
  'timemachine-check': 'timeMachine.schedule',
  rotation: 'rotation.schedule',
};

/** Starts jobs when their schedules fire. */
export class JobScheduler {
  private readonly crons = new Map<string, Cron>();

  constructor(
    private readonly runner: JobRunner,
    private readonly store: Store,
    private readonly log: Logger,
    /** Kinds that can run here; jobs of other kinds are not scheduled (and say so in the log). */
    private readonly canRun: (name: string) => boolean,
  ) {}

  /** Validates every schedule, then arms them. Throws ScheduleError naming the key of a bad pattern. */
  start(): void {
    const defs = this.runner.definitions().filter((d) => d.schedule !== null);
    for (const d of defs) {
      const problem = cronProblem(d.schedule!);
      if (problem)
        throw new ScheduleError(`${CONFIG_KEY[d.name] ?? d.name}: "${d.schedule}" is not a cron schedule (${problem})`);
    }
    for (const d of defs) {
      if (!this.canRun(d.name)) {
        this.log.warn({ job: d.name }, `job ${d.name} has a schedule but no task in this build; not scheduled`);
        continue;
      }
      const cron = new Cron(
        d.schedule!,
        { protect: true, catch: (err) => this.log.error({ err, job: d.name }, 'scheduled start failed') },
        () => {
          this.fire(d.name);
        },
      );
      this.crons.set(d.name, cron);
    }
  }

  /** Starts one scheduled run unless the job already has one queued or running. */
  fire(name: string): number | null {
    // A run left by a CLI process that was killed would otherwise block this job's schedule for good.
    this.runner.reapInterrupted();
    if (this.store.runs.active(name).length > 0) {
      this.log.info({ job: name }, 'schedule skipped: the job is already queued or running');
      return null;
    }
    const { runId } = this.runner.start(name, 'schedule');
    return runId;
  }

  /** The next time a job fires, or null. */
  nextRun(name: string): Date | null {
    return this.crons.get(name)?.nextRun() ?? null;
  }

  /** Disarms every schedule. */
  stop(): void {
    for (const c of this.crons.values()) c.stop();
    this.crons.clear();
  }
}
