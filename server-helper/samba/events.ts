/** The `share.changed` event an apply publishes. */
import type { EventBus } from '../runs/bus.js';
import type { ApplyResult } from './apply.js';

/** Publishes `share.changed` for an apply that wrote files. */
export function publishShareChange(bus: EventBus, r: ApplyResult, reason: string): void {
  if (!r.changed || r.dryRun) return;
  bus.publish('share.changed', { shares: r.shares, reason });
}
