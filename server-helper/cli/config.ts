/** `fts-helper config check|seed`: validate a configuration file, or print the seed one. */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { SERVER_PATHS, seedConfigYaml } from '../config/seed.js';
import { printJson } from './common.js';

/** Registers `config`. */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('check or print configuration');
  config
    .command('check <file>')
    .description('validate a configuration file; errors name the key and its line')
    .option('--json', 'print the effective configuration (with defaults) as JSON')
    .action((file: string, opts: { json?: boolean }) => {
      const cfg = loadConfig(file);
      if (opts.json) printJson(cfg);
      else process.stdout.write(`${file}: ok (${cfg.shares.length} shares, server ${cfg.server.name})\n`);
    });
  config
    .command('seed')
    .description('print the seed configuration (motoko: flux, time, space) to start from')
    .action(() => {
      process.stdout.write(seedConfigYaml(SERVER_PATHS));
    });
}
