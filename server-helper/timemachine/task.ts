/** The `timemachine-check` job: runs checkTimeMachineAndWarn on the scheduler's clock (config `timeMachine.schedule`). */
import type { Task } from '../runs/task.js';
import { checkTimeMachineAndWarn } from './check.js';

/** The Time Machine check as a job-system task; it locks nothing (it only reads). */
export const timeMachineCheckTask: Task = {
  kind: 'timemachine-check',
  resources: () => [],
  async run(ctx) {
    const r = await checkTimeMachineAndWarn(ctx);
    const warnings = [...r.report.macs.flatMap((m) => m.warnings.map((w) => w.message)), ...r.report.warnings];
    for (const w of warnings) ctx.appendLog(`${w}\n`);
    for (const a of r.announced) ctx.appendLog(`announced: ${a.bundle}: ${a.code}\n`);
    return {
      status: warnings.length ? 'warning' : 'succeeded',
      summary: {
        macs: r.report.macs.length,
        warnings: warnings.length,
        announced: r.announced.length,
        running: r.report.macs.filter((m) => m.running).length,
      },
      error: warnings[0] ?? null,
    };
  },
};
