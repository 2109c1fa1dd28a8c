/** Tasks by kind: each feature registers the work it knows how to do (backup registers backup, check, prune). */
import type { JobKind } from '../../contract/index.js';
import type { Task } from '../runs/task.js';

/** The tasks the job system can run, by kind. */
export class TaskRegistry {
  private readonly tasks = new Map<JobKind, Task>();

  /** Registers a task for its kind; a second registration of a kind replaces the first. */
  register(task: Task): this {
    this.tasks.set(task.kind, task);
    return this;
  }

  /** The task for a kind, if one is registered. */
  get(kind: JobKind): Task | undefined {
    return this.tasks.get(kind);
  }

  /** The kinds with a task. */
  kinds(): JobKind[] {
    return [...this.tasks.keys()];
  }
}
