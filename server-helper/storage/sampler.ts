/** Storage over time: samples each mounted drive's usage into the store, and reads the history back with its trends. */
import {
  describeStorage,
  parseDuration,
  projectStorage,
  ShareRole,
  type DriveStatus,
  type StorageHistory,
  type StorageSample,
} from '../../contract/index.js';
import type { HelperConfig } from '../config/schema.js';
import { inspectDrives } from '../drives/inventory.js';
import type { Store } from '../store/index.js';

const DAY = 86_400_000;

/** The samples a drive measurement gives: mounted drives with numbers only (a drive that is not mounted is a gap, not a zero). */
export function samplesOf(drives: readonly DriveStatus[]): Omit<StorageSample, 'at'>[] {
  return drives
    .filter(
      (d) =>
        d.mounted && d.expectedFilesystem && d.usedBytes !== null && d.availableBytes !== null && d.sizeBytes !== null,
    )
    .map((d) => ({
      role: d.role,
      usedBytes: d.usedBytes!,
      availableBytes: d.availableBytes!,
      sizeBytes: d.sizeBytes!,
    }));
}

/** Measures the drives now and stores one sample per mounted drive; returns what it stored. */
export async function sampleStorage(ctx: {
  config: HelperConfig;
  store: Store;
  inspect?: () => Promise<DriveStatus[]>;
  now?: number;
}): Promise<StorageSample[]> {
  const drives = await (ctx.inspect ?? (() => inspectDrives(ctx.config)))();
  const at = ctx.now ?? Date.now();
  const samples = samplesOf(drives);
  ctx.store.storageSamples.add(samples, at, parseDuration(ctx.config.storageHistory.keep)!);
  return samples.map((s) => ({ ...s, at: new Date(at).toISOString() }));
}

/** The samples of the last `days` days and what they show, drive by drive in role order. */
export function storageHistory(config: HelperConfig, store: Store, days: number, now = Date.now()): StorageHistory {
  const samples = store.storageSamples.since(now - days * DAY);
  const roles = ShareRole.options.filter((r) => config.drives[r] || samples.some((s) => s.role === r));
  const trends = roles.map((r) => projectStorage(r, samples));
  return { days, samples, trends, summary: describeStorage(trends) };
}
