/**
 * `fts-helper alerts list|test`. The daemon sends alerts (it subscribes to the event bus); `test` sends one
 * message to a channel from this process, once, and says what the channel answered.
 */
import type { Command } from 'commander';
import type { AlertChannelStatus } from '../../contract/index.js';
import { testMessage } from '../alerts/describe.js';
import { channelStatuses, sendersFor } from '../alerts/service.js';
import { DeliveryError } from '../alerts/channels/index.js';
import { AlertStore } from '../store/alerts.js';
import { openStore } from '../store/index.js';
import { SecretError } from '../system/secrets.js';
import { printJson, resolveConfig, UsageError, withConfigOptions, type ConfigOptions } from './common.js';

/** The outcome of one test message. */
export interface AlertTestResult {
  channel: string;
  type: string;
  target: string;
  ok: boolean;
  /** Why it failed, free of secrets; null when it was sent. */
  error: string | null;
}

/** A test message could not be sent to every channel asked: exits 1. */
export class AlertTestFailedError extends Error {
  override readonly name = 'AlertTestFailedError';
}

function formatStatus(s: AlertChannelStatus): string {
  const what = s.events ? s.events.join(', ') : `every event at ${s.minLevel} or above`;
  const last = s.lastSentAt ? `last sent ${s.lastSentAt}` : 'never sent';
  const failing = s.lastError && (!s.lastSentAt || (s.lastFailureAt ?? '') > s.lastSentAt) ? `\n    last error ${s.lastFailureAt}: ${s.lastError}` : '';
  return `${s.name.padEnd(12)} ${s.type.padEnd(8)} ${s.target}\n    ${what}; repeats at most every ${s.repeatWindow}\n    ${last}, ${s.sent} sent, ${s.pending} waiting, ${s.givenUp} given up${failing}\n`;
}

/** Registers `alerts`. */
export function registerAlerts(program: Command): void {
  const alerts = program.command('alerts').description('alert channels (ntfy, webhook, e-mail, dead-man ping): list them, send a test');

  withConfigOptions(alerts.command('list').description('list the configured channels with what they send and their delivery record'))
    .option('--json', 'print JSON')
    .action((opts: ConfigOptions & { json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const store = openStore(config.store.path, { eventRetention: config.store.eventRetention });
      let list: AlertChannelStatus[];
      try {
        list = channelStatuses(sendersFor(config), new AlertStore(store.db));
      } finally {
        store.close();
      }
      if (opts.json) return printJson(list);
      if (list.length === 0) process.stdout.write('(no alert channels: add alerts.channels to the configuration)\n');
      for (const s of list) process.stdout.write(formatStatus(s));
    });

  withConfigOptions(alerts.command('test').argument('[channel]', 'only this channel (default: every channel)').description('send a test message to the channels now, once, and report what each answered'))
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, opts: ConfigOptions & { json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const senders = sendersFor(config);
      if (senders.length === 0) throw new UsageError('no alert channels are configured: add alerts.channels to the configuration');
      const chosen = name === undefined ? senders : senders.filter((s) => s.channel.name === name);
      if (chosen.length === 0) throw new UsageError(`no alert channel named "${name}"; channels: ${senders.map((s) => s.channel.name).join(', ')}`);
      const results = await Promise.all(
        chosen.map(async (s): Promise<AlertTestResult> => {
          const base = { channel: s.channel.name, type: s.channel.type, target: s.target() };
          try {
            await s.send(testMessage(s.channel.name, config.server.name), new AbortController().signal);
            return { ...base, ok: true, error: null };
          } catch (err) {
            // Our errors carry no secret; anything else is named only by its type.
            const error = err instanceof DeliveryError || err instanceof SecretError ? err.message : `unexpected ${err instanceof Error ? err.name : 'error'}`;
            return { ...base, ok: false, error };
          }
        }),
      );
      if (opts.json) printJson(results);
      else for (const r of results) process.stdout.write(`${r.channel} (${r.type} ${r.target}): ${r.ok ? 'sent' : `FAILED: ${r.error}`}\n`);
      const failed = results.filter((r) => !r.ok);
      if (failed.length > 0) throw new AlertTestFailedError(`the test message did not reach ${failed.map((r) => r.channel).join(', ')}`);
    });
}
