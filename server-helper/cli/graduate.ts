/**
 * `fts-helper graduate [undo RUN_ID]`: move cold files from flux to space (or back), with progress and a JSON
 * summary. Both run through the job runner in this process, as `jobs run` does: recorded, locked, cancelled by Ctrl-C.
 */
import type { Command } from 'commander';
import { countOf, formatBinaryBytes } from '../../contract/format.js';
import { parseDuration, parseSize, type ActionKind, type FtsEvent } from '../../contract/index.js';
import { GraduationConfig, HelperConfig } from '../config/schema.js';
import type { GraduationSummary } from '../lifecycle/graduation/graduate.js';
import { resolveConfig, UsageError, withConfigOptions, type ConfigOptions } from './common.js';
import { RunFailedError, runJobHere } from './jobs.js';

interface GraduateFlags extends ConfigOptions {
  from?: string;
  to?: string;
  minAge?: string;
  exclude?: string[];
  freeSpaceMargin?: string;
  store?: string;
  dryRun?: boolean;
  json?: boolean;
}

const DEFAULT_STORE = '/var/lib/fts/helper.db';

/** How many of a dry run's files the text output names; --json gives them all. */
const LISTED_FILES = 20;

/** Draws the run's `graduation.progress` events: a redrawn line on a terminal, JSON lines with --json, nothing otherwise. */
function progressReporter(json: boolean): { onEvent: (e: FtsEvent) => void; end: () => void } {
  const tty = process.stderr.isTTY;
  let drawn = false;
  return {
    onEvent: (e) => {
      if (e.type !== 'graduation.progress') return;
      const p = e.data;
      if (json)
        process.stderr.write(
          `${JSON.stringify({ type: 'progress', scanned: p.scanned, moved: p.moved, bytesMoved: p.bytesMoved, currentPath: p.currentPath })}\n`,
        );
      else if (tty) {
        const line = `scanned ${p.scanned.toLocaleString()}  moved ${p.moved.toLocaleString()} (${formatBinaryBytes(p.bytesMoved)})  ${p.currentPath ?? ''}`;
        process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 100) - 1)}`);
        drawn = true;
      }
    },
    end: () => {
      if (drawn) process.stderr.write('\r\x1b[K');
    },
  };
}

/** A run's summary as graduation stores it in the run history (publicSummary). */
type StoredSummary = Pick<
  GraduationSummary,
  | 'from'
  | 'to'
  | 'scanned'
  | 'eligible'
  | 'eligibleBytes'
  | 'moved'
  | 'bytesMoved'
  | 'skipped'
  | 'failed'
  | 'durationMs'
  | 'dryRun'
  | 'stopped'
  | 'recovered'
>;

/** Prints a run's summary: JSON (a dry run's with every file), or lines for people (a dry run names its first files). */
function printSummary(s: StoredSummary, files: string[] | undefined, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(s.dryRun ? { ...s, files: files ?? [] } : s)}\n`);
    return;
  }
  const took = `scanned ${s.scanned.toLocaleString('en')} in ${(s.durationMs / 1000).toFixed(1)} s`;
  const lines = s.dryRun
    ? [
        `Dry run: would graduate ${countOf(s.eligible, 'file')} (${formatBinaryBytes(s.eligibleBytes)}) from ${s.from} to ${s.to}; ${took}`,
      ]
    : [`Graduated ${countOf(s.moved, 'file')} (${formatBinaryBytes(s.bytesMoved)}) from ${s.from} to ${s.to}; ${took}`];
  if (s.dryRun && files) {
    for (const f of files.slice(0, LISTED_FILES)) lines.push(`  ${f}`);
    if (files.length > LISTED_FILES)
      lines.push(`  …and ${countOf(files.length - LISTED_FILES, 'more file')} (--json lists them all)`);
  }
  const skipped = Object.entries(s.skipped);
  if (skipped.length) lines.push(`skipped: ${skipped.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  // A real run's stop is said once, by the error it exits with; a dry run's is a note (the dry run itself went fine).
  if (s.dryRun && s.stopped) lines.push(`Note: ${s.stopped}`);
  if (s.recovered.rolledBack || s.recovered.completed)
    lines.push(
      `recovered from an interrupted run: ${s.recovered.completed} completed, ${s.recovered.rolledBack} rolled back`,
    );
  for (const f of s.failed.slice(0, 20)) lines.push(`FAILED ${f.path}: ${f.error}`);
  if (s.failed.length > 20) lines.push(`…and ${s.failed.length - 20} more failures`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Runs graduation or its undo through the job runner in this process, prints its summary, and fails (exit 1) unless it succeeded. */
async function runHere(
  config: HelperConfig,
  name: 'graduation' | ActionKind,
  params: Record<string, unknown>,
  json: boolean,
): Promise<void> {
  const progress = progressReporter(json);
  let run;
  let files: string[] | undefined;
  try {
    run = await runJobHere(config, name, {
      params,
      onEvent: progress.onEvent,
      onDetail: (d) => {
        if (Array.isArray(d.files)) files = d.files as string[];
      },
    });
  } finally {
    progress.end();
  }
  const s = run.summary as StoredSummary | null;
  if (s) printSummary(s, files, json);
  if (run.status === 'cancelled')
    throw new RunFailedError(`run ${run.id} was cancelled; what was moved stays moved, the rest is untouched`);
  if (run.status === 'failed') {
    if (!s) throw new RunFailedError(`run ${run.id} failed: ${run.error}`);
    const parts = [
      ...(s.failed.length > 0
        ? [`${countOf(s.failed.length, 'file')} could not be moved; they are still in ${s.from}`]
        : []),
      ...(s.stopped ? [`stopped early: ${s.stopped}`] : []),
    ];
    throw new RunFailedError(`run ${run.id}: ${parts.length ? parts.join('; ') : run.error}`);
  }
}

/** The config of a run on folders and a store without a config file: the defaults, with that store. */
function adhocConfig(storePath: string): HelperConfig {
  return HelperConfig.parse({ store: { path: storePath } });
}

function configFor(opts: ConfigOptions): HelperConfig {
  return resolveConfig(opts).config;
}

/** Registers `graduate` and `graduate undo`. */
export function registerGraduate(program: Command): void {
  const cmd = withConfigOptions(
    program
      .command('graduate')
      .description(
        'move files unchanged for --min-age from flux to space (the configured policy, or --from/--to ad hoc)',
      )
      .option('--from <dir>', 'ad hoc: the folder files leave (no config file needed)')
      .option('--to <dir>', 'ad hoc: the folder they go to')
      .option('--min-age <duration>', 'ad hoc: minimum age by mtime, e.g. 30d, 12h', '30d')
      .option('--exclude <glob...>', 'ad hoc: names to leave alone (default: the configured defaults)')
      .option('--free-space-margin <size>', 'ad hoc: bytes the destination must keep free', '1G')
      .option('--store <file>', `ad hoc: the SQLite store holding the journal (default ${DEFAULT_STORE})`)
      .option('--dry-run', 'list what would move and check the free-space margin; move nothing')
      .option('--json', 'summary as JSON on stdout, progress as JSON lines on stderr'),
  ).action(async (opts: GraduateFlags) => {
    const json = !!opts.json;
    if (opts.from || opts.to) {
      if (!opts.from || !opts.to) throw new UsageError('ad hoc graduation needs both --from DIR and --to DIR');
      if (opts.config || opts.sandbox)
        throw new UsageError('--from/--to run without a config; drop --config/--sandbox');
      const minAgeMs = parseDuration(opts.minAge ?? '30d');
      if (minAgeMs === null)
        throw new UsageError(`--min-age "${opts.minAge}": use a number and a unit, e.g. 30d, 12h, 90s`);
      const margin = parseSize(opts.freeSpaceMargin ?? '1G');
      if (margin === null)
        throw new UsageError(`--free-space-margin "${opts.freeSpaceMargin}": use bytes or a size such as 1G`);
      const exclude = opts.exclude ?? GraduationConfig.parse({}).exclude;
      const policy = { minAgeMs, exclude, include: [], freeSpaceMargin: margin };
      await runHere(
        adhocConfig(opts.store ?? DEFAULT_STORE),
        'graduation',
        { dryRun: !!opts.dryRun, adhoc: { from: opts.from, to: opts.to, policy } },
        json,
      );
    } else {
      const config = configFor(opts);
      await runHere(
        opts.store ? { ...config, store: { ...config.store, path: opts.store } } : config,
        'graduation',
        { dryRun: !!opts.dryRun },
        json,
      );
    }
  });

  withConfigOptions(
    cmd.command('undo <runId>').description('move the files a graduation run moved back to where they were'),
  )
    .option('--store <file>', `the SQLite store holding the journal (default: the config's, else ${DEFAULT_STORE})`)
    .option('--json', 'summary as JSON on stdout, progress as JSON lines on stderr')
    .action(async (runIdText: string, _opts: unknown, self: Command) => {
      // `graduate` declares the same options; whichever side commander gave them to, read them all.
      const opts = self.optsWithGlobals<ConfigOptions & { store?: string; json?: boolean }>();
      const undoOf = Number(runIdText);
      if (!Number.isInteger(undoOf) || undoOf <= 0)
        throw new UsageError(`RUN_ID "${runIdText}" is not a run id (a positive integer)`);
      // With only --store there is no config: the run's folders come from the journal and no drive is checked.
      const adhoc = !!opts.store && !(opts.config || opts.sandbox);
      const config = adhoc ? adhocConfig(opts.store!) : configFor(opts);
      const withStore = opts.store ? { ...config, store: { ...config.store, path: opts.store } } : config;
      await runHere(withStore, 'graduation-undo', { runId: undoOf, adhoc }, !!opts.json);
    });
}
