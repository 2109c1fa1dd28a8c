/** `fts-helper graduate [undo RUN_ID]`: move cold files from flux to space (or back), with progress and a JSON summary. */
import type { Command } from 'commander';
import { parseDuration, parseSize } from '../../contract/index.js';
import type { HelperConfig } from '../config/schema.js';
import { GraduationConfig } from '../config/schema.js';
import { EventBus } from '../runs/bus.js';
import type { GraduationProgress, GraduationSummary } from '../lifecycle/graduation/graduate.js';
import { RootsError } from '../lifecycle/graduation/graduate.js';
import { publicSummary, runGraduation, runUndo } from '../lifecycle/graduation/service.js';
import { openStore } from '../store/index.js';
import { EXIT, resolveConfig, UsageError, withConfigOptions, type ConfigOptions } from './common.js';

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

function human(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** A progress reporter: a redrawn line on a terminal, JSON lines with --json, nothing otherwise. */
function progressReporter(json: boolean): { onProgress: (p: GraduationProgress) => void; end: () => void } {
  const tty = process.stderr.isTTY;
  let drawn = false;
  return {
    onProgress: (p) => {
      if (json) process.stderr.write(`${JSON.stringify({ type: 'progress', ...p })}\n`);
      else if (tty) {
        const line = `scanned ${p.scanned.toLocaleString()}  eligible ${p.eligible.toLocaleString()}  moved ${p.moved.toLocaleString()} (${human(p.bytesMoved)})  ${p.currentPath ?? ''}`;
        process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 100) - 1)}`);
        drawn = true;
      }
    },
    end: () => {
      if (drawn) process.stderr.write('\r\x1b[K');
    },
  };
}

function printSummary(s: GraduationSummary, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(publicSummary(s))}\n`);
    return;
  }
  const verb = s.dryRun ? 'Would graduate' : 'Graduated';
  const count = s.dryRun ? s.eligible : s.moved;
  const lines = [`${verb} ${count.toLocaleString()} file(s)${s.dryRun ? '' : ` (${human(s.bytesMoved)})`} from ${s.from} to ${s.to}; scanned ${s.scanned.toLocaleString()} in ${(s.durationMs / 1000).toFixed(1)} s`];
  const skipped = Object.entries(s.skipped);
  if (skipped.length) lines.push(`skipped: ${skipped.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (s.recovered.rolledBack || s.recovered.completed) lines.push(`recovered from an interrupted run: ${s.recovered.completed} completed, ${s.recovered.rolledBack} rolled back`);
  for (const f of s.failed.slice(0, 20)) lines.push(`FAILED ${f.path}: ${f.error}`);
  if (s.failed.length > 20) lines.push(`…and ${s.failed.length - 20} more failures`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Runs fn as a recorded run (job_runs row, events), prints its summary and returns the exit code. */
async function recordedRun(storePath: string, job: string, json: boolean, fn: (w: { store: ReturnType<typeof openStore>; bus: EventBus; runId: number; job: string; signal: AbortSignal; onProgress: (p: GraduationProgress) => void }) => Promise<GraduationSummary>): Promise<number> {
  const store = openStore(storePath);
  const bus = new EventBus(store.events);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const runId = store.runs.create(job, 'graduation', 'manual');
  store.runs.start(runId);
  const progress = progressReporter(json);
  try {
    const s = await fn({ store, bus, runId, job, signal: abort.signal, onProgress: progress.onProgress });
    progress.end();
    const failed = s.failed.length > 0;
    store.runs.finish(runId, abort.signal.aborted ? 'cancelled' : failed ? 'failed' : 'succeeded', publicSummary(s), failed ? `${s.failed.length} file(s) failed; first: ${s.failed[0]!.path}: ${s.failed[0]!.error}` : null);
    printSummary(s, json);
    if (abort.signal.aborted) throw new Error(`run ${runId} was cancelled; what was moved stays moved, the rest is untouched`);
    if (failed) throw new Error(`${s.failed.length} file(s) could not be moved (run ${runId}); they are still in ${s.from}`);
    return EXIT.ok;
  } catch (err) {
    progress.end();
    if (store.runs.get(runId)?.status === 'running') store.runs.finish(runId, 'failed', null, (err as Error).message);
    if (err instanceof RootsError) throw new UsageError(err.message);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    bus.close();
    store.close();
  }
}

function configFor(opts: ConfigOptions): HelperConfig {
  return resolveConfig(opts).config;
}

/** Registers `graduate` and `graduate undo`. */
export function registerGraduate(program: Command): void {
  const cmd = withConfigOptions(
    program
      .command('graduate')
      .description('move files unchanged for --min-age from flux to space (the configured policy, or --from/--to ad hoc)')
      .option('--from <dir>', 'ad hoc: the folder files leave (no config file needed)')
      .option('--to <dir>', 'ad hoc: the folder they go to')
      .option('--min-age <duration>', 'ad hoc: minimum age by mtime, e.g. 30d, 12h', '30d')
      .option('--exclude <glob...>', 'ad hoc: names to leave alone (default: the configured defaults)')
      .option('--free-space-margin <size>', 'ad hoc: bytes the destination must keep free', '1G')
      .option('--store <file>', `ad hoc: the SQLite store holding the journal (default ${DEFAULT_STORE})`)
      .option('--dry-run', 'scan and count what would move; move nothing')
      .option('--json', 'summary as JSON on stdout, progress as JSON lines on stderr'),
  ).action(async (opts: GraduateFlags) => {
    const json = !!opts.json;
    if (opts.from || opts.to) {
      if (!opts.from || !opts.to) throw new UsageError('ad hoc graduation needs both --from DIR and --to DIR');
      if (opts.config || opts.sandbox) throw new UsageError('--from/--to run without a config; drop --config/--sandbox');
      const minAgeMs = parseDuration(opts.minAge ?? '30d');
      if (minAgeMs === null) throw new UsageError(`--min-age "${opts.minAge}": use a number and a unit, e.g. 30d, 12h, 90s`);
      const margin = parseSize(opts.freeSpaceMargin ?? '1G');
      if (margin === null) throw new UsageError(`--free-space-margin "${opts.freeSpaceMargin}": use bytes or a size such as 1G`);
      const exclude = opts.exclude ?? GraduationConfig.parse({}).exclude;
      const policy = { minAgeMs, exclude, include: [], freeSpaceMargin: margin };
      await recordedRun(opts.store ?? DEFAULT_STORE, 'graduation', json, (w) => runGraduation(w, { adhoc: { from: opts.from!, to: opts.to!, policy }, dryRun: opts.dryRun }));
    } else {
      const config = configFor(opts);
      await recordedRun(opts.store ?? config.store.path, 'graduation', json, (w) => runGraduation(w, { config, dryRun: opts.dryRun }));
    }
  });

  withConfigOptions(cmd.command('undo <runId>').description('move the files a graduation run moved back to where they were'))
    .option('--store <file>', `the SQLite store holding the journal (default: the config's, else ${DEFAULT_STORE})`)
    .option('--json', 'summary as JSON on stdout, progress as JSON lines on stderr')
    .action(async (runIdText: string, _opts: unknown, self: Command) => {
      // `graduate` declares the same options; whichever side commander gave them to, read them all.
      const opts = self.optsWithGlobals<ConfigOptions & { store?: string; json?: boolean }>();
      const undoOf = Number(runIdText);
      if (!Number.isInteger(undoOf) || undoOf <= 0) throw new UsageError(`RUN_ID "${runIdText}" is not a run id (a positive integer)`);
      const hasConfig = !!(opts.config || opts.sandbox) || !opts.store;
      const config = hasConfig && !opts.store ? configFor(opts) : undefined;
      const storePath = opts.store ?? config!.store.path;
      await recordedRun(storePath, 'graduation-undo', !!opts.json, (w) => runUndo(w, undoOf, config));
    });
}
