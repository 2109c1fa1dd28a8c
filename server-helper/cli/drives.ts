/** `fts-helper drives [status|check|plan|apply]`: the disks behind the shares, and provisioning a new one. */
import type { Command } from 'commander';
import type { DriveStatus } from '../../contract/index.js';
import { inspectDrives } from '../drives/inventory.js';
import {
  applyProvision,
  contentsWarning,
  formatPlan,
  inspectDevice,
  planProvision,
  ProvisionRefused,
} from '../drives/plan.js';
import type { DriveCheckResult } from '../drives/warnings.js';
import { printJson, resolveConfig, UsageError, withConfigOptions, type ConfigOptions } from './common.js';
import { failUnlessOk, runJobHere } from './jobs.js';

const gib = (n: number | null) => (n === null ? '?' : `${(n / 1024 ** 3).toFixed(1)} GiB`);

/** One drive as a terminal line or two. */
export function formatDrive(d: DriveStatus): string {
  const state = !d.mounted ? 'NOT MOUNTED' : d.expectedFilesystem ? 'mounted' : 'WRONG FILESYSTEM';
  const fs = [d.device, d.fsType, d.label && `label=${d.label}`, d.uuid && `uuid=${d.uuid}`].filter(Boolean).join(' ');
  const use =
    d.sizeBytes !== null
      ? `${gib(d.usedBytes)} used, ${gib(d.availableBytes)} free of ${gib(d.sizeBytes)}; inodes ${d.inodesUsed ?? '?'}/${d.inodesTotal ?? '?'}`
      : '';
  const lines = [
    `${d.role.padEnd(6)} ${d.mountPoint}  ${state}  ${fs}`,
    `       ${use}${use ? '; ' : ''}SMART ${d.health}${d.healthReason ? ` (${d.healthReason})` : ''}`,
  ];
  for (const w of d.warnings) lines.push(`       ⚠ ${w.message}`);
  return `${lines.join('\n')}\n`;
}

const refusedAsUsage = async <T>(fn: () => Promise<T> | T): Promise<T> => {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ProvisionRefused) throw new UsageError(err.message);
    throw err;
  }
};

/** Registers `drives` and its subcommands. */
export function registerDrives(program: Command): void {
  const drives = program
    .command('drives')
    .description('the disks behind the shares: state, usage, health, provisioning');

  withConfigOptions(
    drives
      .command('status', { isDefault: true })
      .description('each role: mounted, right filesystem, usage, SMART health, warnings'),
  )
    .option('--json', 'print JSON (DriveStatus[])')
    .action(async (opts: ConfigOptions & { json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const list = await inspectDrives(config);
      if (opts.json) return printJson(list);
      if (list.length === 0) process.stdout.write('no drives configured (drives.flux, drives.time, drives.space)\n');
      for (const d of list) process.stdout.write(formatDrive(d));
    });

  withConfigOptions(
    drives
      .command('check')
      .description(
        'the scheduled drive check, run now as the drive-check job: publish drive.warning once per new condition',
      ),
  )
    .option('--json', 'print JSON')
    .action(async (opts: ConfigOptions & { json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const run = await runJobHere(config, 'drive-check', { quiet: true });
      failUnlessOk(run);
      const s = run.summary as { warnings: number; announced: DriveCheckResult['announced'] };
      if (opts.json) return printJson({ runId: run.id, announced: s.announced, current: s.warnings });
      process.stdout.write(`${s.warnings} warning(s), ${s.announced.length} new\n`);
      for (const a of s.announced) process.stdout.write(`  ${a.role}: ${a.warning.message}\n`);
    });

  withConfigOptions(drives.command('plan').description('print the steps that would make DEVICE the disk of ROLE'))
    .requiredOption('--device <dev>', 'the block device, e.g. /dev/sdb')
    .requiredOption('--role <role>', 'flux, time or space')
    .option('--fstab <file>', 'the fstab to add the mount to', '/etc/fstab')
    .option('--json', 'print JSON')
    .action(async (opts: ConfigOptions & { device: string; role: string; fstab: string; json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const plan = await refusedAsUsage(() => planProvision(config, opts.role, opts.device, { fstab: opts.fstab }));
      // A missing or mounted device is refused here as apply would; one with data gets a warning.
      const contents = await refusedAsUsage(() => inspectDevice(plan));
      const warnings = contents ? [contentsWarning(plan, contents)] : [];
      if (opts.json) return printJson({ ...plan, warnings });
      process.stdout.write(formatPlan(plan));
      for (const w of warnings) process.stdout.write(`warning: ${w}\n`);
    });

  withConfigOptions(
    drives
      .command('apply')
      .description(
        'carry out the plan (formats DEVICE); refuses a mounted device or one with data unless --wipe names it',
      ),
  )
    .requiredOption('--device <dev>', 'the block device, e.g. /dev/sdb')
    .requiredOption('--role <role>', 'flux, time or space')
    .option('--fstab <file>', 'the fstab to add the mount to', '/etc/fstab')
    .option('--wipe <serialOrUuid>', "erase the device's current filesystem: its UUID or the disk's serial, exactly")
    .option('--yes', 'really do it')
    .action(
      async (opts: ConfigOptions & { device: string; role: string; fstab: string; wipe?: string; yes?: boolean }) => {
        const { config } = resolveConfig(opts);
        const plan = await refusedAsUsage(() => planProvision(config, opts.role, opts.device, { fstab: opts.fstab }));
        if (!opts.yes)
          throw new UsageError(`this formats ${opts.device}; review \`fts-helper drives plan\` and add --yes`);
        process.stdout.write(formatPlan(plan));
        await refusedAsUsage(() => applyProvision(plan, { wipe: opts.wipe }));
        process.stdout.write(
          `${plan.device} is now ${plan.role}: ${plan.label} ${plan.uuid} mounted at ${plan.mountPoint}\n`,
        );
      },
    );
}
