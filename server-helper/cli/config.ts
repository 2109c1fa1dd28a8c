/** `fts-helper config check|seed` and `fts-helper tls`: validate a configuration, print the seed one, show the certificate. */
import { Option, type Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { serverPaths, seedConfigYaml } from '../config/seed.js';
import {
  DEFAULT_CONFIG,
  EXIT,
  printJson,
  resolveConfig,
  UsageError,
  withConfigOptions,
  type ConfigOptions,
} from './common.js';

/** Registers `config` and `tls`. */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('check or print configuration');
  config
    .command('check [file]')
    .description(
      'validate a configuration file and run what samba check and drives check run; problems name the key (exit 2); lists what is still incomplete',
    )
    .addOption(
      new Option('--config <file>', 'configuration file (or give it as FILE)').default(undefined, DEFAULT_CONFIG),
    )
    .option('--json', 'print the effective configuration (with defaults) and the findings as JSON')
    .action(async (positional: string | undefined, opts: { config?: string; json?: boolean }) => {
      if (positional !== undefined && opts.config !== undefined && positional !== opts.config)
        throw new UsageError(`two files given (${positional} and --config ${opts.config}): give one`);
      const file = positional ?? opts.config ?? DEFAULT_CONFIG;
      const cfg = loadConfig(file);
      const { checkConfig } = await import('../config-check.js');
      const findings = await checkConfig(cfg);
      const errors = findings.filter((f) => f.level === 'error');
      if (errors.length) process.exitCode = EXIT.usage;
      if (opts.json) return printJson({ config: cfg, findings });
      if (errors.length === 0)
        process.stdout.write(`${file}: ok (${cfg.shares.length} shares, server ${cfg.server.name})\n`);
      else process.stdout.write(`${file}: ${errors.length} problem${errors.length === 1 ? '' : 's'}\n`);
      for (const f of findings)
        process.stdout.write(`${f.level === 'error' ? 'problem' : f.level}: ${f.key}: ${f.message}\n`);
    });
  config
    .command('seed')
    .description('print the seed configuration (motoko: flux, time, space) to start from')
    .option('--root <dir>', 'put every path inside DIR (a self-contained install for tests: install-server.sh --root)')
    .option('--listen <host:port>', 'where the API listens (default 0.0.0.0:8642, with TLS)')
    .option('--share-group <name>', "the household's Unix group (default fts-users)")
    .option('--dashboard-dir <dir>', 'the built dashboard')
    .action((opts: { root?: string; listen?: string; shareGroup?: string; dashboardDir?: string }) => {
      if (opts.root !== undefined && !opts.root.startsWith('/'))
        throw new UsageError('--root must be an absolute path');
      process.stdout.write(
        seedConfigYaml(serverPaths(opts.root ?? ''), {
          listen: opts.listen,
          shareGroup: opts.shareGroup,
          dashboardDir: opts.dashboardDir,
        }),
      );
    });

  withConfigOptions(
    program
      .command('tls')
      .description(
        "the API's certificate: makes it when api.tls is auto and none exists yet, prints its SHA-256 fingerprint",
      ),
  )
    .option('--json', 'print JSON')
    .action(async (opts: ConfigOptions & { json?: boolean }) => {
      const { config: cfg } = resolveConfig(opts);
      const { ensureTls } = await import('../tls.js');
      const tls = await ensureTls(cfg);
      if (!tls)
        throw new UsageError(
          'api.tls is off: set it to auto (or certificate files) so clients can reach the helper over the LAN',
        );
      if (opts.json) return printJson({ fingerprint: tls.fingerprint, created: tls.created });
      process.stdout.write(`${tls.fingerprint}\n`);
    });
}
