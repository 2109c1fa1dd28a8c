/**
 * Graduation as the helper runs it: roots and policy from the config, the drive check, Samba's open files,
 * and the run's events (`graduation.started|progress|finished|failed`). Graduation's job tasks (task.ts) call this.
 */
import { parseDuration, parseSize } from '../../../contract/index.js';
import type { HelperConfig } from '../../config/schema.js';
import type { EventBus } from '../../runs/bus.js';
import type { Store } from '../../store/index.js';
import { isHeld } from '../../store/flux-holds.js';
import { openFiles as smbOpenFiles } from '../../system/smbstatus.js';
import { preflightDrives } from '../preflight.js';
import { graduate, type GraduationProgress, type GraduationSummary } from './graduate.js';
import type { Policy } from './policy.js';
import { undoRun } from './undo.js';

/** Where a role's files live: its share's path, else its drive's mount point. */
export function rootOf(config: HelperConfig, role: string): string {
  const share = config.shares.find((s) => s.role === role);
  const drive = config.drives[role as keyof HelperConfig['drives']];
  const root = share?.path ?? drive?.mountPoint;
  if (!root) throw new Error(`no share or drive has the role ${role}; add one to the config`);
  return root;
}

/** The policy the config describes. */
export function policyFromConfig(config: HelperConfig): Policy {
  const g = config.graduation;
  return {
    minAgeMs: parseDuration(g.minAge)!,
    exclude: g.exclude,
    include: g.include,
    freeSpaceMargin: parseSize(g.freeSpaceMargin)!,
  };
}

/** One run's wiring to the outside world. */
export interface RunWiring {
  store: Store;
  bus: EventBus;
  runId: number;
  job: string;
  signal?: AbortSignal;
}

/** Publishes progress events at most once a second. */
function progressPublisher(w: RunWiring): (p: GraduationProgress) => void {
  let last = 0;
  return (p) => {
    const t = Date.now();
    if (t - last < 1000) return;
    last = t;
    w.bus.publish('graduation.progress', {
      runId: w.runId,
      job: w.job,
      scanned: p.scanned,
      moved: p.moved,
      bytesMoved: p.bytesMoved,
      currentPath: p.currentPath,
    });
  };
}

/** What events call the two sides: share names for a configured run (a client says "to Space"), folders ad hoc. */
interface Sides {
  from: string;
  to: string;
}

/** Publishes the finished event of a summary. */
function publishFinished(w: RunWiring, s: GraduationSummary, sides: Sides): void {
  w.bus.publish('graduation.finished', {
    runId: w.runId,
    job: w.job,
    scanned: s.scanned,
    eligible: s.eligible,
    eligibleBytes: s.eligibleBytes,
    moved: s.moved,
    bytesMoved: s.bytesMoved,
    skipped: s.skipped,
    failed: s.failed.length,
    examples: s.examples.slice(0, 10),
    from: sides.from,
    to: sides.to,
    durationMs: s.durationMs,
    dryRun: s.dryRun,
    stopped: s.stopped,
  });
}

/** Runs a graduation (configured policy, or ad hoc roots and policy); publishes events; throws only when nothing could run. */
export async function runGraduation(
  w: RunWiring,
  spec:
    | { config: HelperConfig; dryRun?: boolean }
    | { adhoc: { from: string; to: string; policy: Policy }; dryRun?: boolean; smbConf?: string },
): Promise<GraduationSummary> {
  let srcRoot: string;
  let dstRoot: string;
  let policy: Policy;
  let smbConf: string | undefined;
  if ('config' in spec) {
    const c = spec.config;
    srcRoot = rootOf(c, c.graduation.from);
    dstRoot = rootOf(c, c.graduation.to);
    policy = policyFromConfig(c);
    smbConf = c.samba.smbConf;
  } else {
    srcRoot = spec.adhoc.from;
    dstRoot = spec.adhoc.to;
    policy = spec.adhoc.policy;
    smbConf = spec.smbConf;
  }
  const sides: Sides =
    'config' in spec
      ? { from: spec.config.graduation.from, to: spec.config.graduation.to }
      : { from: srcRoot, to: dstRoot };
  // What was restored or brought back to flux lately stays there (held paths are relative to the configured flux).
  const held = 'config' in spec ? w.store.fluxHolds.active(Date.now()) : new Set<string>();
  w.bus.publish('graduation.started', { runId: w.runId, job: w.job, ...sides, dryRun: !!spec.dryRun });
  try {
    if ('config' in spec)
      await preflightDrives(spec.config, [spec.config.graduation.from, spec.config.graduation.to], w.signal);
    const summary = await graduate({
      db: w.store.db,
      runId: w.runId,
      srcRoot,
      dstRoot,
      policy,
      dryRun: spec.dryRun,
      marginSetting: 'config' in spec ? undefined : '--free-space-margin',
      signal: w.signal,
      openFiles: () => smbOpenFiles(smbConf, w.signal),
      onProgress: progressPublisher(w),
      held: held.size > 0 ? (rel) => isHeld(held, rel) : undefined,
    });
    publishFinished(w, summary, sides);
    return summary;
  } catch (err) {
    w.bus.publish('graduation.failed', { runId: w.runId, job: w.job, reason: (err as Error).message });
    throw err;
  }
}

/** Runs the undo of a graduation run as its own run; publishes the same events. */
export async function runUndo(w: RunWiring, undoRunId: number, config?: HelperConfig): Promise<GraduationSummary> {
  // An undo goes the other way: from the archive share back to the working one.
  const sides: Sides = config
    ? { from: config.graduation.to, to: config.graduation.from }
    : { from: 'undo', to: `run ${undoRunId}` };
  w.bus.publish('graduation.started', { runId: w.runId, job: w.job, ...sides, dryRun: false });
  try {
    if (config) await preflightDrives(config, [config.graduation.from, config.graduation.to], w.signal);
    const summary = await undoRun({
      db: w.store.db,
      undoRunId,
      runId: w.runId,
      signal: w.signal,
      onProgress: progressPublisher(w),
    });
    publishFinished(w, summary, config ? sides : { from: summary.from, to: summary.to });
    return summary;
  } catch (err) {
    w.bus.publish('graduation.failed', { runId: w.runId, job: w.job, reason: (err as Error).message });
    throw err;
  }
}

/** The summary as the CLI prints it and the run history stores it. */
export function publicSummary(s: GraduationSummary): Record<string, unknown> {
  return {
    runId: s.runId,
    from: s.from,
    to: s.to,
    scanned: s.scanned,
    eligible: s.eligible,
    eligibleBytes: s.eligibleBytes,
    moved: s.moved,
    bytesMoved: s.bytesMoved,
    skipped: s.skipped,
    failed: s.failed,
    durationMs: s.durationMs,
    dryRun: s.dryRun,
    stopped: s.stopped,
    recovered: s.recovered,
    examples: s.examples,
  };
}
