/**
 * `fts-helper jobs list|run|cancel|history|log`, and `runJobHere`, through which every command that runs
 * work (jobs run, backup run|check, graduate, graduate undo) starts it. `jobs run` runs the job in this process
 * (not through the daemon): its history and events go to the shared store, so a running daemon shows them, and the resource
 * locks in the store keep it from overlapping a run of the daemon. Ctrl-C cancels the run cleanly.
 */
import type { Command } from 'commander';
import pino from 'pino';
import { dryRunText, printableText } from '../../contract/format.js';
import type { FtsEvent, JobRun } from '../../contract/index.js';
import type { HelperConfig } from '../config/schema.js';
import { EventBus } from '../runs/bus.js';
import { JobError, listJobs } from '../jobs/runner.js';
import { createJobService } from '../jobs/service.js';
import { RunRefused } from '../runs/task.js';
import { openStore, type Store } from '../store/index.js';
import { printJson, resolveConfig, UsageError, withConfigOptions, type ConfigOptions } from './common.js';
import { columns, localTime } from './text.js';

/** Opens the store for a command and closes it afterwards. */
async function withStore<T>(config: HelperConfig, fn: (store: Store) => Promise<T> | T): Promise<T> {
  const store = openStore(config.store.path, { eventRetention: config.store.eventRetention });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

/** A run's cells for a terminal: id, job, status (a dry run says so), trigger, local start time, duration, what it found. */
function runCells(r: JobRun): string[] {
  const dry = dryRunText(r.summary);
  return [
    `#${r.id}`,
    r.job,
    dry ? `${r.status === 'succeeded' ? '' : `${r.status} `}dry run` : r.status,
    r.trigger,
    localTime(r.startedAt),
    r.durationMs === null ? '' : `${(r.durationMs / 1000).toFixed(1)}s`,
    // A run's error may quote a name a member chose: no escape sequence of theirs reaches the terminal.
    printableText([dry?.replace(/^dry run: /, ''), r.error].filter(Boolean).join('; ')),
  ];
}

/** One line per run, for terminals. */
export function formatRun(r: JobRun): string {
  return columns([runCells(r)])[0]!;
}

/** A job's last run in a few words: "succeeded Thu 4 Dec 14:05", or what a dry run would have done. */
export function lastRunText(r: JobRun): string {
  return `${dryRunText(r.summary) ?? r.status} ${localTime(r.finishedAt ?? r.startedAt)}`;
}

/** Runs as lines whose columns line up, for terminals. */
export function formatRuns(runs: readonly JobRun[]): string[] {
  return columns(runs.map(runCells));
}

function describeEvent(e: FtsEvent): string | null {
  switch (e.type) {
    case 'backup.started':
      return `${e.data.operation} of ${e.data.repository} (${e.data.engine}) started`;
    case 'backup.progress':
      if (e.data.waiting) return `waiting: ${e.data.waiting}`;
      return `${(e.data.percentDone * 100).toFixed(0)}%  ${e.data.filesDone}${e.data.totalFiles !== null ? `/${e.data.totalFiles}` : ''} files  ${e.data.bytesDone} bytes`;
    case 'backup.finished':
      return `snapshot ${e.data.snapshotId ?? '-'}: ${e.data.filesNew} new, ${e.data.filesChanged} changed, ${e.data.dataAdded} bytes added${e.data.warning ? `  ⚠ ${e.data.warning}` : ''}`;
    case 'backup.checked':
      return `check passed${e.data.subset ? ` (data subset ${e.data.subset})` : ''}`;
    case 'backup.pruned':
      return `retention: kept ${e.data.snapshotsKept}, removed ${e.data.snapshotsRemoved} snapshot(s)`;
    case 'backup.failed':
      return `${e.data.operation} ${e.data.cancelled ? 'cancelled' : 'FAILED'}: ${e.data.reason}`;
    case 'graduation.failed':
      return `graduation FAILED: ${e.data.reason}`;
    default:
      return null;
  }
}

/** The run an event belongs to, if it names one. */
const runIdOf = (e: FtsEvent): number | undefined => (e.data as { runId?: number }).runId;

/** Maps a start the runner refused to the CLI's exit codes: bad input or an unknown name is 2, a busy target 1. */
function refusal(err: unknown): never {
  if (err instanceof JobError && err.code === 'unknown-job') throw new UsageError(err.message);
  if (err instanceof RunRefused && err.code !== 'conflict') throw new UsageError(err.message);
  throw err;
}

/** How `runJobHere` reports a run while it goes. */
export interface RunHereOptions {
  /** No event lines on stderr. */
  quiet?: boolean;
  /** An action's parameters, or a job's optional ones (a dry run). */
  params?: Record<string, unknown>;
  /** Gets every event of the run instead of the default lines on stderr. */
  onEvent?: (e: FtsEvent) => void;
  /** Gets what the run handed back beyond its record (a dry run's every file), when it ends. */
  onDetail?: (detail: Record<string, unknown>) => void;
}

/**
 * Runs a job or an action in this process through the job runner (history, events, locks as the daemon's
 * runs) and returns its recorded run; prints the run's events to stderr unless quiet. Ctrl-C and SIGTERM cancel.
 */
export async function runJobHere(config: HelperConfig, name: string, opts: RunHereOptions = {}): Promise<JobRun> {
  return withStore(config, async (store) => {
    const bus = new EventBus(store.events);
    // The run's own lines (events, its failure) are what a person at the terminal reads; the daemon's warn line
    // for the same failure would print it a second time as JSON. Only errors (a fault in the helper) get through.
    const log = pino({ name: 'fts-helper', level: 'error' }, pino.destination(2));
    const jobs = createJobService({ config, store, bus, log, schedule: false });
    let runId: number | undefined;
    const show =
      opts.onEvent ??
      ((e: FtsEvent) => {
        const line = describeEvent(e);
        if (line && !opts.quiet) process.stderr.write(`${printableText(line)}\n`);
      });
    // The runner starts the task after start() returns, so runId is set before the run's first event.
    const unsubscribe = bus.subscribe((e) => {
      if (runId !== undefined && runIdOf(e) === runId) show(e);
    });
    const onSignal = () => {
      if (runId === undefined) return;
      process.stderr.write('cancelling…\n');
      jobs.runner.cancel(runId);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      let started;
      try {
        started = jobs.runner.start(name, 'manual', opts.params);
      } catch (err) {
        return refusal(err);
      }
      runId = started.runId;
      const run = await started.done;
      const detail = await started.detail;
      if (detail) opts.onDetail?.(detail);
      return run;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      unsubscribe();
      await jobs.close();
      bus.close();
    }
  });
}

/** A run that did not succeed: the CLI exits 1 with its reason. */
export class RunFailedError extends Error {
  override readonly name = 'RunFailedError';
}

/**
 * Throws RunFailedError unless the run succeeded or warned (exit 0). With `reasonShown` (the caller printed the run's
 * row, error included), the last line points to the log instead of printing the reason a third time.
 */
export function failUnlessOk(r: JobRun, opts: { reasonShown?: boolean } = {}): void {
  if (r.status === 'succeeded' || r.status === 'warning') return;
  if (opts.reasonShown && r.error)
    throw new RunFailedError(
      `run ${r.id} of ${r.job} ${r.status} (why: above; its whole log: fts-helper jobs log ${r.id})`,
    );
  throw new RunFailedError(`run ${r.id} of ${r.job} ${r.status}${r.error ? `: ${printableText(r.error)}` : ''}`);
}

/** Registers `jobs`. */
export function registerJobs(program: Command): void {
  const jobs = program.command('jobs').description('lifecycle jobs: list, run now, cancel, history');

  withConfigOptions(jobs.command('list').description('list the configured jobs with schedules, next and last runs'))
    .option('--json', 'print JSON (the shape of GET /api/v1/jobs)')
    .action(async (opts: ConfigOptions & { json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const list = await withStore(config, (store) => listJobs(config, store));
      if (opts.json) return printJson(list);
      const rows = list.map((j) => [
        j.name,
        j.schedule ?? 'manual',
        `next ${localTime(j.nextRun)}`,
        j.running ? 'RUNNING' : `last ${j.lastRun ? lastRunText(j.lastRun) : '-'}`,
      ]);
      for (const line of columns(rows)) process.stdout.write(`${line}\n`);
    });

  withConfigOptions(
    jobs
      .command('run')
      .argument('<name>', 'job name (see jobs list)')
      .description('run a job now, in this process; waits for resources another run holds'),
  )
    .option('--json', 'print the finished run as JSON')
    .action(async (name: string, opts: ConfigOptions & { json?: boolean }) => {
      const { config } = resolveConfig(opts);
      const run = await runJobHere(config, name, { quiet: opts.json });
      if (opts.json) printJson(run);
      else process.stdout.write(`${formatRun(run)}\n`);
      failUnlessOk(run, { reasonShown: !opts.json });
    });

  withConfigOptions(
    jobs
      .command('cancel')
      .argument('<run-id>', 'run id (see jobs history)')
      .description('cancel a queued or running run (in this or the daemon process)'),
  )
    .option('--json', 'print the run as JSON')
    .option('--no-wait', 'return without waiting for the run to end')
    .action(async (id: string, opts: ConfigOptions & { json?: boolean; wait: boolean }) => {
      const runId = Number(id);
      if (!Number.isInteger(runId) || runId <= 0)
        throw new UsageError(`run id must be a positive integer, got "${id}"`);
      const { config } = resolveConfig(opts);
      const run = await withStore(config, async (store) => {
        const bus = new EventBus(store.events);
        const log = pino({ level: 'warn' }, pino.destination(2));
        const svc = createJobService({ config, store, bus, log, schedule: false });
        try {
          let r = svc.runner.cancel(runId);
          // The owning process notices the request within a second; wait up to 30 s for it to end.
          for (let i = 0; opts.wait && i < 300 && (r.status === 'queued' || r.status === 'running'); i++) {
            await new Promise((res) => setTimeout(res, 100));
            r = store.runs.get(runId)!;
          }
          return r;
        } catch (err) {
          if (err instanceof JobError) throw new UsageError(err.message);
          throw err;
        } finally {
          await svc.close();
          bus.close();
        }
      });
      if (opts.json) printJson(run);
      else process.stdout.write(`${formatRun(run)}\n`);
      if (opts.wait && (run.status === 'queued' || run.status === 'running'))
        throw new RunFailedError(`run ${runId} did not stop within 30 s`);
    });

  withConfigOptions(jobs.command('history').argument('[name]', 'only this job').description('past runs, newest first'))
    .option('--json', 'print JSON (the shape of GET /api/v1/runs)')
    .option('--limit <n>', 'how many runs', '20')
    .action(async (name: string | undefined, opts: ConfigOptions & { json?: boolean; limit: string }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError('--limit must be 1-500');
      const { config } = resolveConfig(opts);
      const runs = await withStore(config, (store) => store.runs.list({ job: name, limit }));
      if (opts.json) return printJson(runs);
      if (runs.length === 0) process.stdout.write('(no runs)\n');
      for (const line of formatRuns(runs)) process.stdout.write(`${line}\n`);
    });

  withConfigOptions(
    jobs.command('log').argument('<run-id>', 'run id').description("print a run's log (its last 64 KiB)"),
  ).action(async (id: string, opts: ConfigOptions) => {
    const { config } = resolveConfig(opts);
    const log = await withStore(config, (store) => store.runs.log(Number(id)));
    if (log === null) throw new UsageError(`no run with id ${id}`);
    // The log quotes names members chose: no escape sequence of theirs reaches the admin's terminal.
    process.stdout.write(printableText(log));
  });
}
