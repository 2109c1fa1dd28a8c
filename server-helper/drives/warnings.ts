/** The scheduled drive check: measure every drive and publish `drive.warning` once per new condition. */
import type { DriveStatus, DriveWarning } from '../../contract/index.js';
import type { HelperConfig } from '../config/schema.js';
import type { EventBus } from '../runs/bus.js';
import type { Store } from '../store/index.js';
import { DriveConditionStore } from '../store/drive-conditions.js';
import { inspectDrives, realDriveProbe, type DriveProbe } from './inventory.js';

/** What one check found. */
export interface DriveCheckResult {
  drives: DriveStatus[];
  /** Conditions announced by this check (new since the last one). */
  announced: { role: DriveStatus['role']; warning: DriveWarning }[];
  /** Conditions still present (announced before or now). */
  current: number;
}

/** Measures the drives, announces new conditions with `drive.warning`, and forgets the ones that cleared (so a recurrence is announced again). */
export async function checkDrivesAndWarn(ctx: {
  config: HelperConfig;
  store: Store;
  bus: Pick<EventBus, 'publish'>;
  probe?: DriveProbe;
}): Promise<DriveCheckResult> {
  const drives = await inspectDrives(ctx.config, ctx.probe ?? realDriveProbe);
  const current = drives.flatMap((d) => d.warnings.map((w) => ({ role: d.role, code: w.code, message: w.message })));
  const added = new DriveConditionStore(ctx.store.db).replace(current);
  const announced = added.map((c) => {
    const d = drives.find((x) => x.role === c.role)!;
    const warning = d.warnings.find((w) => w.code === c.code)!;
    ctx.bus.publish('drive.warning', { role: d.role, mountPoint: d.mountPoint, warning });
    return { role: d.role, warning };
  });
  return { drives, announced, current: current.length };
}
