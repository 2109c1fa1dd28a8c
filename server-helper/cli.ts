/** `fts-helper`: the server helper's command line. Exit codes: 0 ok, 1 failed, 2 bad usage or input. */
import { Command, CommanderError } from 'commander';
import { ZodError } from 'zod';
import { ConfigError } from './config/load.js';
import { StartError } from './start-error.js';
import { EXIT, UsageError } from './cli/common.js';
import { registerAlerts } from './cli/alerts.js';
import { registerBackup } from './cli/backup.js';
import { registerClients } from './cli/clients.js';
import { registerConfig } from './cli/config.js';
import { registerDrives } from './cli/drives.js';
import { registerSamba } from './cli/samba.js';
import { registerGraduate } from './cli/graduate.js';
import { registerJobs } from './cli/jobs.js';
import { registerServe } from './cli/serve.js';
import { registerStatus } from './cli/status.js';
import { registerToken } from './cli/token.js';
import { registerTimeMachine } from './cli/timemachine.js';
import { registerRestore } from './cli/restore.js';
import { VERSION } from './version.js';

/** Builds the program with every command registered. */
export function buildProgram(): Command {
  const program = new Command('fts-helper')
    .description('Flux Time Space server helper: shares, drives, graduation, backups, clients')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerServe(program);
  registerStatus(program);
  registerToken(program);
  registerConfig(program);
  registerSamba(program);
  registerClients(program);
  registerDrives(program);
  registerGraduate(program);
  registerJobs(program);
  registerBackup(program);
  registerAlerts(program);
  registerTimeMachine(program);
  registerRestore(program);
  program.commands.forEach(function inherit(c: Command) {
    c.exitOverride();
    c.commands.forEach(inherit);
  });
  return program;
}

/** Maps an error to a message and exit code; unexpected errors are failures (1), bad input is 2. */
export function exitCodeFor(err: unknown): { code: number; message: string | null } {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
      return { code: EXIT.ok, message: null };
    return { code: EXIT.usage, message: null };
  }
  if (err instanceof UsageError || err instanceof ConfigError || err instanceof ZodError)
    return { code: EXIT.usage, message: (err as Error).message };
  if (err instanceof StartError) return { code: EXIT.failed, message: err.message };
  return { code: EXIT.failed, message: err instanceof Error ? err.message : String(err) };
}

/** Runs the CLI with argv and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    process.exitCode = undefined;
    await buildProgram().parseAsync(argv, { from: 'user' });
    // A command that reports a failure without throwing (samba check, config check) sets process.exitCode.
    const set = Number(process.exitCode ?? 0);
    return set === 0 ? EXIT.ok : set;
  } catch (err) {
    const { code, message } = exitCodeFor(err);
    if (message) process.stderr.write(`fts-helper: ${message}\n`);
    return code;
  }
}
