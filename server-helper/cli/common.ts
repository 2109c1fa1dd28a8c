/** What every fts-helper command shares: config resolution, output, and exit codes 0 ok / 1 failed / 2 bad usage or input. */
import { Command, Option } from 'commander';
import { loadConfig } from '../config/load.js';
import type { HelperConfig } from '../config/schema.js';
import { ensureSandbox } from '../sandbox.js';

/** Exit codes. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Bad usage or bad input: exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The config-selecting options every config-reading command takes. */
export interface ConfigOptions {
  config?: string;
  sandbox?: string;
}

/** The default config file on a server. */
export const DEFAULT_CONFIG = '/etc/fts/helper.yaml';

/** Adds `--config FILE` and `--sandbox DIR` to a command. */
export function withConfigOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--config <file>', 'configuration file').default(undefined, DEFAULT_CONFIG).conflicts('sandbox'),
    )
    .addOption(new Option('--sandbox <dir>', 'use (and create on first use) the embedded sandbox in DIR'));
}

/** The configuration a command should use, plus where it came from. */
export function resolveConfig(opts: ConfigOptions): { config: HelperConfig; source: string; sandboxDir?: string } {
  if (opts.sandbox) {
    const sb = ensureSandbox(opts.sandbox);
    return { config: sb.config, source: sb.configPath, sandboxDir: sb.dir };
  }
  const file = opts.config ?? DEFAULT_CONFIG;
  return { config: loadConfig(file), source: file };
}

/** Prints data as JSON on stdout. */
export function printJson(data: unknown): void {
  process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
}
