/**
 * `fts-helper restore`, `fts-helper bring-back` and `fts-helper where-is`. Restore and bring-back are the job
 * runner's actions run in this process (history, events and locks as the daemon's runs, Ctrl-C cancels); where-is
 * reads flux, space, the journal and the newest snapshot. `backup restore --to DIR` stays the expert's tool.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { SearchQuery, type FtsEvent } from '../../contract/index.js';
import { resticEngineFor } from '../lifecycle/backup/tasks.js';
import { rootOf } from '../lifecycle/graduation/service.js';
import { whereIs } from '../lifecycle/restore/search.js';
import { openStore } from '../store/index.js';
import { printJson, resolveConfig, UsageError, withConfigOptions, type ConfigOptions } from './common.js';
import { failUnlessOk, formatRun, runJobHere } from './jobs.js';

/** Progress lines of a restore or bring-back on stderr. */
function describe(e: FtsEvent): string | null {
  switch (e.type) {
    case 'restore.started':
      return `restoring ${e.data.path} from snapshot ${e.data.snapshot}: ${e.data.totalFiles} files, ${e.data.totalBytes} bytes`;
    case 'restore.progress':
      return `${e.data.filesDone}/${e.data.totalFiles} files, ${e.data.bytesDone}/${e.data.totalBytes} bytes`;
    case 'restore.failed':
    case 'bringback.failed':
      return `${e.data.cancelled ? 'cancelled' : 'FAILED'}: ${e.data.reason}`;
    case 'bringback.progress':
      return `${e.data.moved} files back (${e.data.bytesMoved} bytes)${e.data.currentPath ? `  ${e.data.currentPath}` : ''}`;
    default:
      return null;
  }
}

/**
 * A path in space as bring-back takes it, relative to space's folder: a relative one as given, a full one under the
 * folder (as `where-is` prints it, or as pasted from a shell) made relative; a full one elsewhere is refused.
 */
export function inSpace(given: string, spaceRoot: string): string {
  if (!isAbsolute(given)) return given;
  const rel = relative(resolve(spaceRoot), resolve(given));
  if (rel === '')
    throw new UsageError(
      `${given} is space's folder itself: name a file or folder in it (e.g. ${join(given, 'Projects')})`,
    );
  if (rel === '..' || rel.startsWith('../') || isAbsolute(rel))
    throw new UsageError(
      `${given} is not in space (${spaceRoot}): give a path under ${spaceRoot}, or one relative to it (Projects/2019)`,
    );
  return rel;
}

/** Registers `restore`, `bring-back` and `where-is`. */
export function registerRestore(program: Command): void {
  withConfigOptions(
    program
      .command('restore')
      .description(
        'restore a file or folder from a snapshot into flux, under "Restored YYYY-MM-DD/" (never over a live file), as a restore run',
      ),
  )
    .requiredOption('--snapshot <id>', 'snapshot id (see backup snapshots) or "latest"')
    .requiredOption('--path <path>', 'absolute path as backed up, e.g. /space/Projects/2019')
    .option('--json', 'print the finished run as JSON')
    .action(async (opts: ConfigOptions & { snapshot: string; path: string; json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const run = await runJobHere(config, 'restore', {
        quiet: opts.json,
        params: { snapshot: opts.snapshot, path: opts.path },
        onEvent: opts.json ? () => {} : print,
      });
      if (opts.json) printJson(run);
      else {
        process.stdout.write(`${formatRun(run)}\n`);
        if (typeof run.summary?.restoredTo === 'string')
          process.stdout.write(`restored to ${run.summary.restoredTo} in flux\n`);
      }
      failUnlessOk(run, { reasonShown: !opts.json });
    });

  withConfigOptions(
    program
      .command('bring-back')
      .argument(
        '<path>',
        'file or folder in space: relative to it (Projects/2019/report.pdf) or its full path (/space/Projects/2019/report.pdf)',
      )
      .description(
        'move a file or folder from space back to flux, safely (a name flux holds keeps its file; the other comes back suffixed)',
      ),
  )
    .option('--json', 'print the finished run as JSON')
    .action(async (given: string, opts: ConfigOptions & { json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const path = inSpace(given, rootOf(config, config.graduation.to));
      const run = await runJobHere(config, 'bring-back', {
        quiet: opts.json,
        params: { path },
        onEvent: opts.json ? () => {} : print,
      });
      if (opts.json) printJson(run);
      else {
        process.stdout.write(`${formatRun(run)}\n`);
        if (typeof run.summary?.placedAt === 'string') process.stdout.write(`back in flux: ${run.summary.placedAt}\n`);
      }
      failUnlessOk(run, { reasonShown: !opts.json });
    });

  withConfigOptions(
    program
      .command('where-is')
      .argument('<name>', 'part of a file or folder name (any case)')
      .description('find a file in flux, space, the graduation journal and the newest snapshot'),
  )
    .option('--limit <n>', 'most results from each place', '50')
    .option('--json', 'print JSON (the shape of GET /api/v1/search)')
    .action(async (name: string, opts: ConfigOptions & { limit: string; json?: boolean }) => {
      const q = SearchQuery.safeParse({ q: name, limit: opts.limit });
      if (!q.success)
        throw new UsageError(
          `${q.error.issues[0]!.path.join('.') === 'q' ? 'name' : '--limit'}: ${q.error.issues[0]!.message}`,
        );
      const { config } = resolveConfig(opts);
      const store = openStore(config.store.path, { eventRetention: config.store.eventRetention });
      try {
        const shareOf = (role: string) => config.shares.find((s) => s.role === role)?.name ?? role;
        const b = config.backup;
        const report = await whereIs({
          db: store.db,
          fluxRoot: realpathSync(rootOf(config, config.graduation.from)),
          spaceRoot: realpathSync(rootOf(config, config.graduation.to)),
          fluxName: shareOf(config.graduation.from),
          spaceName: shareOf(config.graduation.to),
          exclude: config.graduation.exclude,
          q: q.data.q,
          limit: q.data.limit,
          snapshots: !b
            ? { unavailable: 'backup is not configured' }
            : b.engine !== 'restic'
              ? { unavailable: `backup.engine is ${b.engine}` }
              : () => resticEngineFor(config),
        });
        if (opts.json) return printJson(report);
        if (report.results.length === 0) process.stdout.write('(nothing found)\n');
        for (const r of report.results)
          process.stdout.write(`${r.kind === 'folder' ? 'folder' : 'file  '}  ${r.where}\n`);
        for (const s of report.sources) {
          if (s.error) process.stderr.write(`${s.source}: ${s.error}\n`);
          else if (s.truncated) process.stderr.write(`${s.source}: more than shown; narrow the search\n`);
        }
      } finally {
        store.close();
      }
    });
}

function print(e: FtsEvent): void {
  const line = describe(e);
  if (line) process.stderr.write(`${line}\n`);
}
