/** The graduation job for the scheduler: runs the configured policy with the run's context. */
import type { Task, TaskContext, TaskOutcome } from '../../runs/task.js';
import { publicSummary, runGraduation } from './service.js';

/** kind 'graduation'; locks the from and to roles (flux, space) for the run. */
export const graduationTask: Task = {
  kind: 'graduation',
  resources: (config) => [config.graduation.from, config.graduation.to],
  async run(ctx: TaskContext): Promise<TaskOutcome> {
    try {
      const s = await runGraduation({ store: ctx.store, bus: ctx.bus, runId: ctx.runId, job: ctx.job, signal: ctx.signal }, { config: ctx.config });
      ctx.appendLog(`scanned ${s.scanned}, eligible ${s.eligible}, moved ${s.moved} (${s.bytesMoved} bytes), failed ${s.failed.length}\n`);
      for (const f of s.failed.slice(0, 50)) ctx.appendLog(`failed: ${f.path}: ${f.error}\n`);
      const status = ctx.signal.aborted ? 'cancelled' : s.failed.length > 0 ? 'failed' : 'succeeded';
      return { status, summary: publicSummary(s), error: s.failed.length > 0 ? `${s.failed.length} file(s) could not graduate; first: ${s.failed[0]!.path}: ${s.failed[0]!.error}` : null };
    } catch (err) {
      ctx.appendLog(`failed: ${(err as Error).message}\n`);
      return { status: ctx.signal.aborted ? 'cancelled' : 'failed', summary: null, error: (err as Error).message };
    }
  },
};
