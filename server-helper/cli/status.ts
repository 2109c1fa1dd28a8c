/** `fts-helper status`: shares, drives, jobs and clients, read from the config and the store. */
import type { Command } from 'commander';
import { usagePercent, type Status } from '../../contract/index.js';
import { buildStatus } from '../status.js';
import { openStore } from '../store/index.js';
import { VERSION } from '../version.js';
import { printJson, resolveConfig, withConfigOptions, type ConfigOptions } from './common.js';
import { lastRunText } from './jobs.js';
import { columns, localTime } from './text.js';

/** Renders the status for a terminal. */
export function formatStatus(s: Status): string {
  const lines = [`${s.server.name} — fts-helper ${s.server.version}`, '', 'Shares:'];
  for (const sh of s.shares)
    lines.push(
      `  ${sh.name.padEnd(12)} ${sh.path}${sh.timeMachine ? '  (Time Machine)' : ''}${sh.driveLetter ? `  ${sh.driveLetter}` : ''}`,
    );
  lines.push('', 'Drives:');
  if (s.drives.length === 0) lines.push('  (none measured)');
  for (const d of s.drives) {
    // As df's Use% and the dashboard count it: of the space a user can write.
    const pct = usagePercent(d);
    const use = pct === null ? 'usage unknown' : `${pct}% used`;
    lines.push(
      `  ${d.role.padEnd(12)} ${d.mountPoint}  ${d.mounted ? 'mounted' : 'NOT MOUNTED'}  ${use}${d.warnings.length ? `  ⚠ ${d.warnings.map((w) => w.message).join('; ')}` : ''}`,
    );
  }
  lines.push('', 'Jobs:');
  if (s.jobs.length === 0) lines.push('  (none)');
  lines.push(
    ...columns(
      s.jobs.map((j) => [
        j.name,
        j.schedule ?? 'manual',
        `next ${localTime(j.nextRun)}`,
        `last ${j.lastRun ? lastRunText(j.lastRun) : '-'}`,
      ]),
      '  ',
    ),
  );
  lines.push('', 'Clients:');
  if (s.clients.length === 0) lines.push('  (none registered)');
  lines.push(
    ...columns(
      s.clients.map((c) => [
        c.hostName,
        c.os,
        c.online ? 'online' : 'offline',
        `last seen ${localTime(c.lastSeen)}`,
        `mounted: ${
          c.shares
            .filter((x) => x.state === 'mounted')
            .map((x) => x.share)
            .join(', ') || 'none'
        }`,
      ]),
      '  ',
    ),
  );
  return `${lines.join('\n')}\n`;
}

/** Registers `status`. */
export function registerStatus(program: Command): void {
  withConfigOptions(program.command('status').description('show shares, drives, jobs and clients'))
    .option('--json', 'print JSON (the same shape as GET /api/v1/status)')
    .action(async (opts: ConfigOptions & { json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const store = openStore(config.store.path);
      try {
        const { serverServices } = await import('../features.js');
        const status = await buildStatus({
          config,
          store,
          version: VERSION,
          startedAt: null,
          ...serverServices(config, store),
        });
        if (opts.json) printJson(status);
        else process.stdout.write(formatStatus(status));
      } finally {
        store.close();
      }
    });
}
