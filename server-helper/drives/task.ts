/** The `drive-check` job: runs checkDrivesAndWarn on the scheduler's clock (config `driveCheck.schedule`). */
import type { Task } from '../runs/task.js';
import { checkDrivesAndWarn } from './warnings.js';

/** The drive check as a job-system task; it locks nothing (it only reads). */
export const driveCheckTask: Task = {
  kind: 'drive-check',
  resources: () => [],
  async run(ctx) {
    const r = await checkDrivesAndWarn(ctx);
    const warnings = r.drives.flatMap((d) => d.warnings.map((w) => `${d.role}: ${w.message}`));
    for (const w of warnings) ctx.appendLog(`${w}\n`);
    return {
      status: warnings.length ? 'warning' : 'succeeded',
      // `announced` lists the conditions new in this run (each published once as drive.warning); `warnings` counts all.
      summary: { drives: r.drives.length, warnings: warnings.length, announced: r.announced },
      error: warnings[0] ?? null,
    };
  },
};
