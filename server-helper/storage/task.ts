/** The `storage-sample` job: one usage sample per drive (config `storageHistory.schedule`, daily by default). */
import type { Task } from '../runs/task.js';
import { sampleStorage } from './sampler.js';

/** Storage sampling as a job-system task; it locks nothing (it only measures). */
export const storageSampleTask: Task = {
  kind: 'storage-sample',
  resources: () => [],
  async run(ctx) {
    const samples = await sampleStorage(ctx);
    for (const s of samples)
      ctx.appendLog(`${s.role}: ${s.usedBytes} of ${s.sizeBytes} bytes used, ${s.availableBytes} available\n`);
    const missing = Object.keys(ctx.config.drives).filter((r) => !samples.some((s) => s.role === r));
    return {
      status: missing.length ? 'warning' : 'succeeded',
      summary: { sampled: samples.map((s) => s.role), missing },
      error: missing.length ? `not measured (not mounted or the wrong filesystem): ${missing.join(', ')}` : null,
    };
  },
};
