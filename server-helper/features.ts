/**
 * The features that plug into the daemon: route groups and services (drives, jobs, samba, graduation, backup).
 * Each feature adds itself here, so `serve`, `status` and the tests start the same helper.
 */
import type { AppContext } from './api/context.js';
import { registerGraduationRoutes } from './api/graduation.js';
import type { HelperConfig } from './config/schema.js';
import type { StartOptions } from './daemon.js';
import type { Store } from './store/index.js';
import { sambaRoutes } from './api/samba-routes.js';
import { inspectDrives } from './drives/inventory.js';

/** Services that read the system or the store: drive inspection, the job list. */
export function serverServices(config: HelperConfig, _store: Store): Pick<AppContext, 'inspectDrives' | 'listJobs'> {
  return { inspectDrives: () => inspectDrives(config) };
}

/** The plugins and service wiring the daemon starts with. */
export function serverFeatures(config: HelperConfig): Pick<StartOptions, 'plugins' | 'extend'> {
  return {
    plugins: [sambaRoutes(), registerGraduationRoutes],
    extend: (ctx) => {
      Object.assign(ctx, serverServices(config, ctx.store));
    },
  };
}
