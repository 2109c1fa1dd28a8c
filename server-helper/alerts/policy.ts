/**
 * Which events a channel takes, and coalescing: a run is told once per channel, and repeats of one kind
 * (the same job failing again, the same drive warning) at most once per the channel's repeat window.
 */
import { levelAtLeast, parseDuration, type AlertLevel, type FtsEvent } from '../../contract/index.js';
import type { AlertChannel } from '../config/alerts-schema.js';
import type { AlertStore } from '../store/alerts.js';
import type { AlertContent } from './describe.js';

/** Whether a channel takes this event at all: its event list and minimum level; a dead-man channel takes backup results. */
export function channelWants(channel: AlertChannel, e: FtsEvent, level: AlertLevel): boolean {
  if (channel.type === 'deadman') {
    const result =
      e.type === 'backup.finished' ||
      (e.type === 'backup.failed' && e.data.operation === 'backup' && !e.data.cancelled);
    return result && (!channel.jobs || channel.jobs.includes(e.data.job));
  }
  if (channel.events && !channel.events.includes(e.type)) return false;
  return levelAtLeast(level, channel.minLevel);
}

/** What coalescing decided for one channel. */
export type Decision = { send: true; heldBack: number } | { send: false; reason: 'run-already-told' | 'repeat' };

/**
 * Decides, and records the decision, for one channel and one event at time `at` (the event's own time, so a
 * catch-up after a restart counts windows as the events happened). Call inside the store's transaction.
 */
export function coalesce(store: AlertStore, channel: AlertChannel, content: AlertContent, at: number): Decision {
  if (content.runKey && !store.claimRun(channel.name, content.runKey, at))
    return { send: false, reason: 'run-already-told' };
  // A dead-man ping is not a repeat: each successful backup must reach it.
  if (channel.type === 'deadman') return { send: true, heldBack: 0 };
  const last = store.lastOfKind(channel.name, content.kind);
  if (last && at - last.lastAt < parseDuration(channel.repeatWindow)!) {
    store.markKindHeld(channel.name, content.kind);
    return { send: false, reason: 'repeat' };
  }
  store.markKindSent(channel.name, content.kind, at);
  return { send: true, heldBack: last?.held ?? 0 };
}
