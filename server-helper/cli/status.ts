/** `fts-helper status`: shares, drives, jobs and clients, read from the config and the store. */
import type { Command } from 'commander';
import { usagePercent, type Status } from '../../contract/index.js';
import { buildStatus } from '../status.js';
import { openStore } from '../store/index.js';
import { VERSION } from '../version.js';
import { printJson, resolveConfig, withConfigOptions, type ConfigOptions } from './common.js';

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
  for (const j of s.jobs)
    lines.push(
      `  ${j.name.padEnd(12)} ${j.schedule ?? 'manual'}  next ${j.nextRun ?? '-'}  last ${j.lastRun?.status ?? '-'}`,
    );
  lines.push('', 'Clients:');
  if (s.clients.length === 0) lines.push('  (none registered)');
  for (const c of s.clients) {
    const mounted = c.shares.filter((x) => x.state === 'mounted').map((x) => x.share);
    lines.push(
      `  ${c.hostName.padEnd(16)} ${c.os.padEnd(7)} ${c.online ? 'online ' : 'offline'}  last seen ${c.lastSeen}  mounted: ${mounted.join(', ') || 'none'}`,
    );
  }
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
