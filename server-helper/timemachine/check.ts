/** The scheduled Time Machine check: read the bundles and publish `timemachine.warning` once per new condition. */
import { parseDuration, TimeMachineWarningCode, type TimeMachineReport } from '../../contract/index.js';
import type { HelperConfig } from '../config/schema.js';
import type { EventBus } from '../runs/bus.js';
import type { Store } from '../store/index.js';
import { TimeMachineConditionStore } from '../store/timemachine-conditions.js';
import { inspectTimeMachine, type TimeMachineProbe } from './inspect.js';

/** What one check found and announced. */
export interface TimeMachineCheckResult {
  report: TimeMachineReport;
  /** Warnings announced by this check (new since the last one), as `bundle path: message`. */
  announced: { bundle: string; code: string; message: string }[];
  /** Warnings present now (announced before or now), the share's own (not about one Mac) included. */
  current: number;
}

/**
 * Reads the bundles, announces each warning that is new with `timemachine.warning`, and forgets the ones that
 * cleared, so a Mac that goes stale again after a good backup is announced again; a warning that persists is
 * not repeated at every check.
 */
export async function checkTimeMachineAndWarn(ctx: {
  config: HelperConfig;
  store: Store;
  bus: Pick<EventBus, 'publish'>;
  probe?: TimeMachineProbe;
  now?: number;
}): Promise<TimeMachineCheckResult> {
  const clients = ctx.store.clients.list(parseDuration(ctx.config.clients.offlineAfter)!);
  const report = await inspectTimeMachine(ctx.config, { clients, probe: ctx.probe, now: ctx.now });
  const current = report.macs.flatMap((m) =>
    m.warnings.map((w) => ({ bundle: m.path, code: w.code, message: w.message })),
  );
  const added = new TimeMachineConditionStore(ctx.store.db).replace(current, ctx.now);
  for (const a of added) {
    const mac = report.macs.find((m) => m.path === a.bundle)!;
    ctx.bus.publish('timemachine.warning', {
      host: mac.name,
      hostKey: mac.hostKey,
      clientIds: mac.clientIds,
      bundle: mac.path,
      code: TimeMachineWarningCode.parse(a.code),
      message: a.message,
      lastBackup: mac.lastBackup,
      usage: mac.usage,
    });
  }
  return {
    report,
    announced: added.map((a) => ({ bundle: a.bundle, code: a.code, message: a.message })),
    // The share's own warnings (a folder too full to read whole, bundles left out) count too, as the job counts them.
    current: current.length + report.warnings.length,
  };
}
