/**
 * The Time Machine report: every Mac's bundle in the time share with its size against the share's maximum, its
 * last completed backup, its newest write, whether a backup runs now (Samba holds a file inside it open), its
 * verification, the clients whose host name matches, and its warnings.
 */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseDuration,
  parseSize,
  timeMachineHostKey,
  type ClientRecord,
  type TimeMachineMac,
  type TimeMachineReport,
} from '../../contract/index.js';
import type { HelperConfig, ShareConfig } from '../config/schema.js';
import { RootDir } from '../system/root-dir.js';
import { openFiles } from '../system/smbstatus.js';
import { bundleIsOpen } from './bundle.js';
import { macWarnings, unreadableWarning } from './health.js';
import { PlistParser } from './plist-parser.js';
import { findBundles, READ_BOUNDS, readBundleFacts, yieldToEventLoop, type ReadBounds } from './read.js';

/** How the report reads what it does not find on disk (real, or a test's). */
export interface TimeMachineProbe {
  /** The real paths Samba has open now; null when smbstatus cannot tell. */
  openPaths(config: HelperConfig): Promise<Set<string> | null>;
}

/** smbstatus --json through the config's smb.conf. */
export const realTimeMachineProbe: TimeMachineProbe = {
  openPaths: (config) => openFiles(config.samba.smbConf).catch(() => null),
};

/** The Time Machine share: the one with the time role, else the first with `timeMachine` set; null without one. */
export function timeMachineShare(config: HelperConfig): ShareConfig | null {
  const tm = config.shares.filter((s) => s.timeMachine !== false);
  return tm.find((s) => s.role === 'time') ?? tm[0] ?? null;
}

/**
 * The folder to scan for a share path: the path itself, or, for a per-user share whose path names a Samba
 * variable (`/time/%U`), the folder above the first segment with one (`/time`), whose subfolders are the users'.
 */
export function timeMachineRoot(sharePath: string): string {
  const segments = sharePath.split('/');
  const i = segments.findIndex((seg) => seg.includes('%'));
  return i < 0 ? sharePath : segments.slice(0, i).join('/') || '/';
}

/** The clients whose host name (or id) folds to the Mac's host key. */
export function matchingClients(hostKey: string, clients: readonly Pick<ClientRecord, 'id' | 'hostName'>[]): string[] {
  return clients
    .filter((c) => timeMachineHostKey(c.hostName) === hostKey || timeMachineHostKey(c.id) === hostKey)
    .map((c) => c.id);
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Reads the time share now. */
export async function inspectTimeMachine(
  config: HelperConfig,
  opts: {
    clients: readonly Pick<ClientRecord, 'id' | 'hostName'>[];
    now?: number;
    probe?: TimeMachineProbe;
    /** How much of the share is read (tests lower them). */
    bounds?: ReadBounds;
    /** Parses the plists (tests count the parses); a worker-backed PlistParser of its own by default. */
    parser?: PlistParser;
  },
): Promise<TimeMachineReport> {
  const now = opts.now ?? Date.now();
  const rules = {
    staleAfterMs: parseDuration(config.timeMachine.staleAfter)!,
    nearlyFullAt: config.timeMachine.nearlyFullAt,
  };
  const share = timeMachineShare(config);
  const base = {
    share: share?.name ?? null,
    staleAfterDays: rules.staleAfterMs / 86_400_000,
    nearlyFullAt: rules.nearlyFullAt,
    checkedAt: new Date(now).toISOString(),
    warnings: [],
  };
  if (!share || share.timeMachine === false) return { ...base, openFilesKnown: false, macs: [] };
  const root = timeMachineRoot(share.path);
  // The share's folder is opened once; every bundle below it is read beneath that fd.
  let dir: RootDir;
  try {
    dir = new RootDir(root);
  } catch {
    return { ...base, openFilesKnown: false, macs: [] };
  }
  const parser = opts.parser ?? new PlistParser();
  try {
    return await inspectIn(dir, root, { ...share, timeMachine: share.timeMachine }, base, rules, now, {
      ...opts,
      parser,
      config,
    });
  } finally {
    dir.close();
    if (!opts.parser) await parser.close();
  }
}

/** The report for a Time Machine share whose folder is open. */
async function inspectIn(
  dir: RootDir,
  root: string,
  share: ShareConfig & { timeMachine: Exclude<ShareConfig['timeMachine'], false> },
  base: Omit<TimeMachineReport, 'openFilesKnown' | 'macs'>,
  rules: { staleAfterMs: number; nearlyFullAt: number },
  now: number,
  opts: {
    config: HelperConfig;
    clients: readonly Pick<ClientRecord, 'id' | 'hostName'>[];
    probe?: TimeMachineProbe;
    bounds?: ReadBounds;
    parser: PlistParser;
  },
): Promise<TimeMachineReport> {
  const { config } = opts;
  const bounds = opts.bounds ?? READ_BOUNDS;
  // A registered Mac's bundle is read before others: a member's many bundle folders cannot crowd it out.
  const registeredKey = (name: string) => {
    const key = timeMachineHostKey(name);
    return matchingClients(key, opts.clients).length > 0 ? key : null;
  };
  const { bundles, warnings } = await findBundles(dir, bounds, registeredKey);
  const open = bundles.length ? await (opts.probe ?? realTimeMachineProbe).openPaths(config) : new Set<string>();
  // Samba names open files by the share's real path (smbstatus.ts resolves it), so compare real paths.
  const realRoot = realOrSelf(root);
  const maxSizeBytes = share.timeMachine.maxSize === undefined ? null : parseSize(share.timeMachine.maxSize);
  const macs: TimeMachineMac[] = [];
  for (const b of bundles) {
    // One bundle at a time, with the event loop let run between them: the API answers while the share is read.
    await yieldToEventLoop();
    const facts = await readBundleFacts(dir, b.rel, (data) => opts.parser.parse(data), bounds);
    const running = open !== null && bundleIsOpen(join(realRoot, b.rel), open);
    const hostKey = timeMachineHostKey(b.name);
    // Without SnapshotHistory.plist the newest band write stands for the end of the last backup, but only while
    // none runs: during a backup it is the time of the running one.
    const fromHistory = facts.lastCompleted;
    const fromWrites = !fromHistory && !facts.hasSnapshotHistory && !running ? facts.lastWrite : null;
    const mac: Omit<TimeMachineMac, 'warnings'> = {
      name: b.name,
      hostKey,
      bundle: b.folder,
      path: b.rel,
      owner: b.owner,
      kind: b.kind,
      hostUuid: facts.machineId?.hostUuid ?? null,
      model: facts.machineId?.model ?? null,
      clientIds: matchingClients(hostKey, opts.clients),
      sizeBytes: facts.allocatedBytes,
      maxSizeBytes: maxSizeBytes && maxSizeBytes > 0 ? maxSizeBytes : null,
      usage: maxSizeBytes && maxSizeBytes > 0 ? facts.allocatedBytes / maxSizeBytes : null,
      lastBackup: (fromHistory ?? fromWrites)?.toISOString() ?? null,
      lastBackupSource: fromHistory ? 'snapshot-history' : fromWrites ? 'last-write' : null,
      lastWrite: facts.lastWrite?.toISOString() ?? null,
      running,
      verification: facts.machineId?.verification ?? 'unknown',
      verifiedAt: facts.machineId?.verifiedAt?.toISOString() ?? null,
    };
    macs.push({ ...mac, warnings: [...macWarnings(mac, rules, now), ...unreadableWarning(mac, facts.problems)] });
  }
  return { ...base, warnings: [...base.warnings, ...warnings], openFilesKnown: open !== null, macs };
}
