/**
 * The job system as one service: the registry of tasks by kind, the runner, and (in the daemon only) the
 * scheduler. Every task this build has is registered here: graduation and its undo, backup, check, prune, drive check,
 * storage sampling, Time Machine check, restore and bring-back, password rotation.
 */
import type { Logger } from 'pino';
import type { HelperConfig } from '../config/schema.js';
import type { Store } from '../store/index.js';
import { BACKUP_TASKS } from '../lifecycle/backup/tasks.js';
import { GRADUATION_TASKS } from '../lifecycle/graduation/task.js';
import { bringBackTask } from '../lifecycle/graduation/bring-back-task.js';
import { restoreTask } from '../lifecycle/restore/task.js';
import { driveCheckTask } from '../drives/task.js';
import { rotationTask } from '../samba/rotation.js';
import type { EventBus } from '../runs/bus.js';
import { storageSampleTask } from '../storage/task.js';
import { timeMachineCheckTask } from '../timemachine/task.js';
import { TaskRegistry } from './registry.js';
import { JobRunner } from './runner.js';
import { JobScheduler } from './scheduler.js';
import type { Task } from '../runs/task.js';

/** The registry with every task this build has; `extra` replaces tasks of the same kind (tests). */
export function defaultRegistry(extra: readonly Task[] = []): TaskRegistry {
  const r = new TaskRegistry();
  r.register(driveCheckTask).register(storageSampleTask).register(timeMachineCheckTask).register(rotationTask);
  for (const t of [...GRADUATION_TASKS, ...BACKUP_TASKS, bringBackTask as Task, restoreTask as Task]) r.register(t);
  for (const t of extra) r.register(t);
  return r;
}

/** A job system over one store. */
export interface JobService {
  registry: TaskRegistry;
  runner: JobRunner;
  scheduler: JobScheduler | null;
  close(): Promise<void>;
}

/** Creates the runner (and with `schedule`, starts the scheduler: only `fts-helper serve` does). */
export function createJobService(opts: {
  config: HelperConfig;
  store: Store;
  bus: EventBus;
  log: Logger;
  schedule: boolean;
  registry?: TaskRegistry;
  pollMs?: number;
}): JobService {
  const registry = opts.registry ?? defaultRegistry();
  const runner = new JobRunner({
    config: opts.config,
    store: opts.store,
    bus: opts.bus,
    log: opts.log,
    registry,
    pollMs: opts.pollMs,
  });
  let scheduler: JobScheduler | null = null;
  if (opts.schedule) {
    scheduler = new JobScheduler(runner, opts.store, opts.log, (name) => {
      const d = runner.definitions().find((x) => x.name === name);
      return !!d && !!registry.get(d.kind);
    });
    scheduler.start();
  }
  return {
    registry,
    runner,
    scheduler,
    close: async () => {
      scheduler?.stop();
      await runner.close();
    },
  };
}
