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
import { macWarnings } from './health.js';
import { findBundles, readBundleFacts } from './read.js';

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
  opts: { clients: readonly Pick<ClientRecord, 'id' | 'hostName'>[]; now?: number; probe?: TimeMachineProbe },
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
  try {
    return await inspectIn(dir, root, { ...share, timeMachine: share.timeMachine }, base, rules, now, {
      ...opts,
      config,
    });
  } finally {
    dir.close();
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
  opts: { config: HelperConfig; clients: readonly Pick<ClientRecord, 'id' | 'hostName'>[]; probe?: TimeMachineProbe },
): Promise<TimeMachineReport> {
  const { config } = opts;
  const bundles = findBundles(dir);
  const open = bundles.length ? await (opts.probe ?? realTimeMachineProbe).openPaths(config) : new Set<string>();
  // Samba names open files by the share's real path (smbstatus.ts resolves it), so compare real paths.
  const realRoot = realOrSelf(root);
  const maxSizeBytes = share.timeMachine.maxSize === undefined ? null : parseSize(share.timeMachine.maxSize);
  const macs = bundles.map((b): TimeMachineMac => {
    const facts = readBundleFacts(dir, b.rel);
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
    return { ...mac, warnings: macWarnings(mac, rules, now) };
  });
  return { ...base, openFilesKnown: open !== null, macs };
}
