/**
 * The features that plug into the daemon: route groups and services (drives, jobs, samba, graduation, backup).
 * Each feature adds itself here, so `serve`, `status` and the tests start the same helper.
 */
import type { AppContext } from './api/context.js';
import { registerJobRoutes } from './api/job-routes.js';
import type { HelperConfig } from './config/schema.js';
import type { StartOptions } from './daemon.js';
import { listJobs } from './jobs/runner.js';
import { createJobService } from './jobs/service.js';
import type { Store } from './store/index.js';
import { sambaRoutes } from './api/samba-routes.js';
import { inspectDrives } from './drives/inventory.js';
import { AlertService } from './alerts/service.js';
import { registerAlertRoutes } from './api/alert-routes.js';
import { registerHealthRoutes } from './api/health-routes.js';
import { registerRestoreRoutes } from './api/restore-routes.js';
import { sampleStorage } from './storage/sampler.js';

/** Services that read the system or the store: drive inspection, the job list. */
export function serverServices(config: HelperConfig, store: Store): Pick<AppContext, 'inspectDrives' | 'listJobs'> {
  return { inspectDrives: () => inspectDrives(config), listJobs: () => listJobs(config, store) };
}

/** The plugins and service wiring the daemon starts with. `schedule: false` leaves the scheduler off (tests that start runs by hand). */
export function serverFeatures(
  config: HelperConfig,
  opts: { schedule?: boolean; jobPollMs?: number } = {},
): Pick<StartOptions, 'plugins' | 'extend'> {
  return {
    plugins: [sambaRoutes(), registerJobRoutes, registerHealthRoutes, registerAlertRoutes, registerRestoreRoutes],
    extend: (ctx) => {
      Object.assign(ctx, serverServices(config, ctx.store));
      // The scheduler runs only here, inside `fts-helper serve`; CLI commands run jobs without it.
      const jobs = createJobService({
        config,
        store: ctx.store,
        bus: ctx.bus,
        log: ctx.log,
        schedule: opts.schedule ?? true,
        pollMs: opts.jobPollMs,
      });
      ctx.jobs = {
        start: (name, trigger, params) => {
          const { runId } = jobs.runner.start(name, trigger, params);
          return ctx.store.runs.get(runId)!;
        },
        cancel: (runId) => jobs.runner.cancel(runId),
      };
      // Storage over time gets a sample after each graduation that moved something (this daemon's runs and, through
      // the bus's polling of the store, a CLI's), besides the daily storage-sample job.
      let sampling: Promise<unknown> = Promise.resolve();
      const unsubscribe = ctx.bus.subscribe((e) => {
        if (e.type !== 'graduation.finished' || e.data.moved === 0) return;
        // One at a time, in order; close() waits for the last.
        sampling = sampling.then(() =>
          sampleStorage({ config, store: ctx.store }).catch((err: Error) =>
            ctx.log.warn({ err }, 'storage sample after graduation failed'),
          ),
        );
      });
      // Alerts subscribe to the bus like the SSE stream does; they close after the jobs, whose last events they may still send.
      const alerts =
        config.alerts.channels.length > 0
          ? new AlertService({ config, store: ctx.store, bus: ctx.bus, log: ctx.log.child({ component: 'alerts' }) })
          : null;
      alerts?.start();
      if (alerts) ctx.alerts = alerts;
      ctx.onClose = [
        ...(ctx.onClose ?? []),
        async () => {
          unsubscribe();
          await jobs.close();
          await sampling;
          await alerts?.close();
        },
      ];
    },
  };
}
