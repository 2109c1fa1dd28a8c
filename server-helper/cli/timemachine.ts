/** `fts-helper timemachine [check]` and `fts-helper storage [sample]`: Time Machine health and storage over time. */
import type { Command } from 'commander';
import { formatBinaryBytes } from '../../contract/format.js';
import { parseDuration, type TimeMachineMac } from '../../contract/index.js';
import { EventBus } from '../runs/bus.js';
import { sampleStorage, storageHistory } from '../storage/sampler.js';
import { openStore } from '../store/index.js';
import { checkTimeMachineAndWarn } from '../timemachine/check.js';
import { inspectTimeMachine } from '../timemachine/inspect.js';
import { timeMachineCapacityWarnings, type CapacityWarning } from '../timemachine/capacity.js';
import { printJson, resolveConfig, UsageError, withConfigOptions, type ConfigOptions } from './common.js';

const ago = (iso: string | null, now: number): string => {
  if (!iso) return 'never';
  const h = (now - Date.parse(iso)) / 3600_000;
  return h < 1
    ? `${Math.max(0, Math.round(h * 60))} min ago`
    : h < 48
      ? `${Math.round(h)} h ago`
      : `${Math.round(h / 24)} d ago`;
};

/** One Mac as terminal lines. */
export function formatMac(m: TimeMachineMac, now = Date.now()): string {
  const size = `${formatBinaryBytes(m.sizeBytes)}${m.maxSizeBytes ? ` of ${formatBinaryBytes(m.maxSizeBytes)} (${Math.round((m.usage ?? 0) * 100)} %)` : ''}`;
  const last = m.running
    ? 'backing up now'
    : `last backup ${ago(m.lastBackup, now)}${m.lastBackupSource === 'last-write' ? ' (from the last write)' : ''}`;
  const lines = [
    `${m.name.padEnd(24)} ${last}; ${size}; verification ${m.verification}`,
    `${''.padEnd(24)} ${m.path}${m.clientIds.length ? `  clients: ${m.clientIds.join(', ')}` : ''}`,
  ];
  for (const w of m.warnings) lines.push(`${''.padEnd(24)} ⚠ ${w.message}`);
  return `${lines.join('\n')}\n`;
}

/** The configuration's Time Machine limits that do not fit their disk, one line each. */
function printCapacity(capacity: CapacityWarning[]): void {
  for (const c of capacity) process.stdout.write(`warning: ${c.key}: ${c.message}\n`);
}

/** Registers `timemachine` and `storage`. */
export function registerTimeMachine(program: Command): void {
  const tm = program.command('timemachine').description('Time Machine health: each Mac backing up to the time share');

  withConfigOptions(
    tm
      .command('status', { isDefault: true })
      .description('each Mac: bundle, size against the maximum, last backup, running now, verification, warnings'),
  )
    .option('--json', 'print JSON (TimeMachineReport)')
    .action(async (opts: ConfigOptions & { json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const store = openStore(config.store.path);
      try {
        const report = await inspectTimeMachine(config, {
          clients: store.clients.list(parseDuration(config.clients.offlineAfter)!),
        });
        const capacity = await timeMachineCapacityWarnings(config);
        if (opts.json) return printJson(report);
        printCapacity(capacity);
        if (!report.share)
          return void process.stdout.write('no Time Machine share configured (a share with timeMachine set)\n');
        // With a share-wide warning the reading may have missed a bundle: do not claim there is none (as the panel).
        if (report.macs.length === 0)
          process.stdout.write(
            report.warnings.length
              ? `no Mac backup found in the share "${report.share}"\n`
              : `no Mac has backed up to ${report.share} yet\n`,
          );
        for (const m of report.macs) process.stdout.write(formatMac(m));
        for (const w of report.warnings) process.stdout.write(`⚠ ${w}\n`);
        if (!report.openFilesKnown)
          process.stdout.write('(smbstatus did not answer: whether a backup runs now is unknown)\n');
      } finally {
        store.close();
      }
    });

  withConfigOptions(
    tm.command('check').description('the scheduled check: publish timemachine.warning once per new condition'),
  )
    .option('--json', 'print JSON')
    .action(async (opts: ConfigOptions & { json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const store = openStore(config.store.path);
      try {
        const r = await checkTimeMachineAndWarn({ config, store, bus: new EventBus(store.events) });
        const capacity = await timeMachineCapacityWarnings(config);
        if (opts.json)
          return printJson({ announced: r.announced, current: r.current, shareWarnings: r.report.warnings, capacity });
        printCapacity(capacity);
        for (const w of r.report.warnings) process.stdout.write(`⚠ ${w}\n`);
        process.stdout.write(
          `${r.current} warning(s), ${r.announced.length} new${r.report.warnings.length ? ' (the share warnings above are shown here and in the check run, not sent as alerts)' : ''}\n`,
        );
        for (const a of r.announced) process.stdout.write(`  ${a.bundle}: ${a.message}\n`);
      } finally {
        store.close();
      }
    });

  const storage = program
    .command('storage')
    .description('storage over time: each drive sampled daily and after each graduation');
  withConfigOptions(
    storage
      .command('history', { isDefault: true })
      .description('the samples of the last days and the trend of each drive'),
  )
    .option('--days <n>', 'how many days back', '90')
    .option('--json', 'print JSON (StorageHistory)')
    .action((opts: ConfigOptions & { days: string; json?: boolean }) => {
      const days = Number(opts.days);
      if (!Number.isInteger(days) || days < 1 || days > 3660)
        throw new UsageError(`--days: a whole number of days from 1 to 3660, got "${opts.days}"`);
      const { config } = resolveConfig(opts);
      const store = openStore(config.store.path);
      try {
        const h = storageHistory(config, store, days);
        if (opts.json) return printJson(h);
        process.stdout.write(`${h.samples.length} sample(s) in the last ${days} days\n${h.summary}\n`);
      } finally {
        store.close();
      }
    });
  withConfigOptions(storage.command('sample').description('measure every drive now and store the sample'))
    .option('--json', 'print JSON')
    .action(async (opts: ConfigOptions & { json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const store = openStore(config.store.path);
      try {
        const samples = await sampleStorage({ config, store });
        if (opts.json) return printJson(samples);
        for (const s of samples)
          process.stdout.write(
            `${s.role.padEnd(6)} ${formatBinaryBytes(s.usedBytes)} used of ${formatBinaryBytes(s.sizeBytes)}\n`,
          );
        if (samples.length === 0) process.stdout.write('no drive is mounted and measurable\n');
      } finally {
        store.close();
      }
    });
}
