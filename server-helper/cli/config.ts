/** `fts-helper config check|seed` and `fts-helper tls`: validate a configuration, print the seed one, show the certificate. */
import type { Command } from 'commander';
import { backupGaps } from '../config/completeness.js';
import { loadConfig } from '../config/load.js';
import { serverPaths, seedConfigYaml } from '../config/seed.js';
import { printJson, resolveConfig, UsageError, withConfigOptions, type ConfigOptions } from './common.js';

/** Registers `config` and `tls`. */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('check or print configuration');
  config
    .command('check <file>')
    .description('validate a configuration file; errors name the key and its line; lists what is still incomplete')
    .option('--json', 'print the effective configuration (with defaults) and what is incomplete as JSON')
    .action((file: string, opts: { json?: boolean }) => {
      const cfg = loadConfig(file);
      const incomplete = backupGaps(cfg);
      if (opts.json) return printJson({ config: cfg, incomplete });
      process.stdout.write(`${file}: ok (${cfg.shares.length} shares, server ${cfg.server.name})\n`);
      for (const i of incomplete) process.stdout.write(`incomplete: ${i.key}: ${i.message}\n`);
    });
  config
    .command('seed')
    .description('print the seed configuration (motoko: flux, time, space) to start from')
    .option('--root <dir>', 'put every path inside DIR (a self-contained install for tests: install-server.sh --root)')
    .option('--listen <host:port>', 'where the API listens (default 0.0.0.0:8642, with TLS)')
    .option('--share-group <name>', "the household's Unix group (default fts-users)")
    .option('--dashboard-dir <dir>', 'the built dashboard')
    .action((opts: { root?: string; listen?: string; shareGroup?: string; dashboardDir?: string }) => {
      if (opts.root !== undefined && !opts.root.startsWith('/')) throw new UsageError('--root must be an absolute path');
      process.stdout.write(seedConfigYaml(serverPaths(opts.root ?? ''), { listen: opts.listen, shareGroup: opts.shareGroup, dashboardDir: opts.dashboardDir }));
    });

  withConfigOptions(program.command('tls').description("the API's certificate: makes it when api.tls is auto and none exists yet, prints its SHA-256 fingerprint"))
    .option('--json', 'print JSON')
    .action(async (opts: ConfigOptions & { json?: boolean }) => {
      const { config: cfg } = resolveConfig(opts);
      const { ensureTls } = await import('../api/tls.js');
      const tls = await ensureTls(cfg);
      if (!tls) throw new UsageError('api.tls is off: set it to auto (or certificate files) so clients can reach the helper over the LAN');
      if (opts.json) return printJson({ fingerprint: tls.fingerprint, created: tls.created });
      process.stdout.write(`${tls.fingerprint}\n`);
    });
}
