/** `fts-helper config check|seed` and `fts-helper tls`: validate a configuration, print the seed one, show the certificate. */
import { Option, type Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { hostname } from 'node:os';
import { serverPaths, seedConfigYaml, SERVER_NAME_PATTERN } from '../config/seed.js';
import { shortHostName } from '../system/host-names.js';
import { filesystemSize, isMountedDisk, suggestedMaxSize } from '../timemachine/capacity.js';
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
    .description("print the seed configuration (this host's name; shares flux, time, space) to start from")
    .option('--root <dir>', 'put every path inside DIR (a self-contained install for tests: install-server.sh --root)')
    .option('--listen <host:port>', 'where the API listens (default 0.0.0.0:8642, with TLS)')
    .option('--share-group <name>', "the household's Unix group (default fts-users)")
    .option('--server-name <name>', "what clients call this server (default: this host's short name)")
    .option('--dashboard-dir <dir>', 'the built dashboard')
    .action(
      (opts: { root?: string; listen?: string; shareGroup?: string; serverName?: string; dashboardDir?: string }) => {
        if (opts.root !== undefined && !opts.root.startsWith('/'))
          throw new UsageError('--root must be an absolute path');
        if (opts.serverName !== undefined && !SERVER_NAME_PATTERN.test(opts.serverName))
          throw new UsageError(
            `--server-name "${opts.serverName}": a host name (letters, digits and dashes, labels joined by dots)`,
          );
        const paths = serverPaths(opts.root ?? '');
        process.stdout.write(
          seedConfigYaml(paths, {
            listen: opts.listen,
            shareGroup: opts.shareGroup,
            serverName: opts.serverName ?? seedServerName(),
            timeMachineMaxSize: seedTimeMachineMaxSize(paths.time),
            dashboardDir: opts.dashboardDir,
          }),
        );
      },
    );

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
      if (tls.replacedFor.length)
        process.stderr.write(
          `note: the certificate did not name ${tls.replacedFor.join(', ')} and was made again: restart fts-helper so it serves it, then pair one client again (fts-helper clients pair NAME) to put the new fingerprint in Key Vault, where the others read it\n`,
        );
      if (opts.json)
        return printJson({ fingerprint: tls.fingerprint, created: tls.created, replacedFor: tls.replacedFor });
      process.stdout.write(`${tls.fingerprint}\n`);
    });
}

/** The seed's server.name: this host's short name, or motoko when the host has none a client could use. */
function seedServerName(): string {
  const short = shortHostName(hostname());
  return short && short !== 'localhost' && SERVER_NAME_PATTERN.test(short) ? short : 'motoko';
}

/** The seed's Time Machine limit: half of the time disk when one is mounted there, else the default (config check warns later). */
function seedTimeMachineMaxSize(timePath: string): string | undefined {
  if (!isMountedDisk(timePath)) return undefined;
  const size = filesystemSize(timePath);
  return size ? suggestedMaxSize(size) : undefined;
}
