/**
 * `fts-helper alerts list|test`. The daemon sends alerts (it subscribes to the event bus); `test` sends one
 * message to a channel from this process, once, and says what the channel answered.
 */
import type { Command } from 'commander';
import type { AlertChannelStatus, AlertTestResult } from '../../contract/index.js';
import { channelStatuses, sendersFor } from '../alerts/service.js';
import { sendTestMessages, UnknownChannelError } from '../alerts/test-send.js';
import { AlertStore } from '../store/alerts.js';
import { openStore } from '../store/index.js';
import { printJson, resolveConfig, UsageError, withConfigOptions, type ConfigOptions } from './common.js';

/** A test message could not be sent to every channel asked: exits 1. */
export class AlertTestFailedError extends Error {
  override readonly name = 'AlertTestFailedError';
}

function formatStatus(s: AlertChannelStatus): string {
  const what = s.events ? s.events.join(', ') : `every event at ${s.minLevel} or above`;
  const last = s.lastSentAt ? `last alert sent ${s.lastSentAt}` : 'no alert sent yet';
  const failing =
    s.lastError && (!s.lastSentAt || (s.lastFailureAt ?? '') > s.lastSentAt)
      ? `\n    last error ${s.lastFailureAt}: ${s.lastError}`
      : '';
  return `${s.name.padEnd(12)} ${s.type.padEnd(8)} ${s.target}\n    ${what}; repeats at most every ${s.repeatWindow}\n    ${last}, ${s.sent} sent, ${s.pending} waiting, ${s.givenUp} given up${failing}\n`;
}

/** Registers `alerts`. */
export function registerAlerts(program: Command): void {
  const alerts = program
    .command('alerts')
    .description('alert channels (ntfy, webhook, e-mail, dead-man ping): list them, send a test');

  withConfigOptions(
    alerts.command('list').description('list the configured channels with what they send and their delivery record'),
  )
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

  withConfigOptions(
    alerts
      .command('test')
      .argument('[channel]', 'only this channel (default: every channel)')
      .description('send a test message to the channels now, once, and report what each answered'),
  )
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, opts: ConfigOptions & { json?: boolean }) => {
      const { config } = resolveConfig(opts);
      let results: AlertTestResult[];
      try {
        results = await sendTestMessages(sendersFor(config), config.server.name, name);
      } catch (err) {
        if (err instanceof UnknownChannelError) throw new UsageError(err.message);
        throw err;
      }
      if (opts.json) printJson(results);
      else
        for (const r of results)
          process.stdout.write(`${r.channel} (${r.type} ${r.target}): ${r.ok ? 'sent' : `FAILED: ${r.error}`}\n`);
      const failed = results.filter((r) => !r.ok);
      if (failed.length > 0)
        throw new AlertTestFailedError(`the test message did not reach ${failed.map((r) => r.channel).join(', ')}`);
    });
}
