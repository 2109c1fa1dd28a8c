/**
 * `fts-helper backup init|run|check|snapshots|restore`. `run` and `check` are the backup and check jobs run in
 * this process (history, events, locks as with `jobs run`); the others talk to the repository directly.
 */
import type { Command } from 'commander';
import { isAbsolute, resolve } from 'node:path';
import { mkdirSync, realpathSync } from 'node:fs';
import { resticEngineFor } from '../lifecycle/backup/tasks.js';
import { backupConfigOf, displayRepository, refusePlaceholderRepository } from '../lifecycle/backup/target.js';
import { BackupError } from '../lifecycle/backup/errors.js';
import { liveFolders, refuseRestoreTarget } from '../lifecycle/backup/restore-target.js';
import { printJson, resolveConfig, UsageError, withConfigOptions, type ConfigOptions } from './common.js';
import { failUnlessOk, formatRun, runJobHere } from './jobs.js';
import type { HelperConfig } from '../config/schema.js';

/** The backup section, refused as bad input (exit 2) while its repository names the seed's placeholder bucket. */
function realBackupConfig(config: HelperConfig) {
  const b = backupConfigOf(config);
  try {
    refusePlaceholderRepository(b);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return b;
}

async function engineFor(config: HelperConfig) {
  const b = realBackupConfig(config);
  if (b.engine !== 'restic') throw new UsageError(`this command needs backup.engine restic (it is ${b.engine})`);
  return resticEngineFor(config, { log: (l) => process.stderr.write(`${l}\n`) });
}

function realpathOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

/** Registers `backup`. */
export function registerBackup(program: Command): void {
  const backup = program.command('backup').description('off-site backup of space: restic (or rclone) to B2');

  withConfigOptions(backup.command('init').description('create the restic repository named by backup.repository'))
    .option('--json', 'print JSON')
    .action(async (opts: ConfigOptions & { json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const engine = await engineFor(config);
      try {
        await engine.init();
      } catch (err) {
        if (err instanceof BackupError && err.kind === 'repository-exists') {
          if (opts.json) printJson({ created: false, repository: displayRepository(engine.target.repository) });
          else process.stdout.write(`a repository already exists at ${displayRepository(engine.target.repository)}\n`);
          return;
        }
        throw err;
      }
      if (opts.json) printJson({ created: true, repository: displayRepository(engine.target.repository) });
      else process.stdout.write(`created the repository at ${displayRepository(engine.target.repository)}\n`);
    });

  for (const [cmd, job, what] of [
    ['run', 'backup', 'back up space now (then retention), as the backup job'],
    ['check', 'check', 'check the repository and read its next data subset, as the check job'],
  ] as const) {
    withConfigOptions(backup.command(cmd).description(what))
      .option('--json', 'print the finished run as JSON')
      .action(async (opts: ConfigOptions & { json?: boolean }) => {
        const { config } = resolveConfig(opts);
        realBackupConfig(config);
        const run = await runJobHere(config, job, { quiet: opts.json });
        if (opts.json) printJson(run);
        else process.stdout.write(`${formatRun(run)}\n`);
        failUnlessOk(run, { reasonShown: !opts.json });
      });
  }

  withConfigOptions(backup.command('snapshots').description('list the snapshots in the repository'))
    .option('--json', 'print JSON')
    .action(async (opts: ConfigOptions & { json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const snaps = await (await engineFor(config)).snapshots();
      if (opts.json) return printJson(snaps);
      if (snaps.length === 0) process.stdout.write('(no snapshots)\n');
      for (const s of snaps) process.stdout.write(`${s.shortId}  ${s.time}  ${s.hostname}  ${s.paths.join(' ')}\n`);
    });

  withConfigOptions(
    backup
      .command('restore')
      .description('restore a file or folder from a snapshot into a folder (the full path is recreated under it)'),
  )
    .requiredOption('--snapshot <id>', 'snapshot id (see backup snapshots) or "latest"')
    .option('--path <path>', 'absolute path as backed up, e.g. /space/photos/2019 (default: everything)')
    .requiredOption(
      '--to <dir>',
      'folder to restore into (not /, a live folder or a folder above one, unless --in-place)',
    )
    .option(
      '--in-place',
      'allow --to / or a live folder: restored files replace the live ones where they were backed up from',
    )
    .option('--json', 'print JSON')
    .action(
      async (
        opts: ConfigOptions & { snapshot: string; path?: string; to: string; inPlace?: boolean; json?: boolean },
      ) => {
        if (!/^([0-9a-f]{8,64}|latest)$/.test(opts.snapshot))
          throw new UsageError(`--snapshot must be a snapshot id (hex) or "latest", got "${opts.snapshot}"`);
        if (opts.path !== undefined && !isAbsolute(opts.path))
          throw new UsageError(`--path must be absolute (as backed up), got "${opts.path}"`);
        const { config } = resolveConfig(opts);
        const to = resolve(opts.to);
        if (!opts.inPlace) {
          const why = refuseRestoreTarget(to, liveFolders(config), realpathOrNull);
          if (why) throw new UsageError(why);
        }
        mkdirSync(to, { recursive: true });
        await (await engineFor(config)).restore(opts.snapshot, opts.path ?? null, to);
        const where = opts.path ? `${to}${opts.path}` : to;
        if (opts.json) printJson({ snapshot: opts.snapshot, path: opts.path ?? null, to, restoredAt: where });
        else process.stdout.write(`restored to ${where}\n`);
      },
    );
}
