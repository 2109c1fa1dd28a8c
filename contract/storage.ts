/**
 * Storage over time: each drive's usage sampled daily and after each graduation, and what the helper reads in
 * the samples (growth per week, when the drive is full at that rate). The projection is pure and shared, so the
 * dashboard, the CLI and the tests say the same words.
 */
import { z } from 'zod';
import { ShareRole, Timestamp } from './common.js';

/** One measurement of one drive. */
export const StorageSample = z.strictObject({
  role: ShareRole,
  at: Timestamp,
  usedBytes: z.number().nonnegative(),
  /** Space a user can still write (df's Avail). */
  availableBytes: z.number().nonnegative(),
  sizeBytes: z.number().nonnegative(),
});
export type StorageSample = z.infer<typeof StorageSample>;

/** What the samples of one drive show. */
export const StorageTrend = z.strictObject({
  role: ShareRole,
  /** Growth of used space in bytes per week (negative when it shrinks), or null with too little data. */
  bytesPerWeek: z.number().nullable(),
  /** When the available space runs out at that rate, or null when it does not grow (or no data). */
  fullAt: Timestamp.nullable(),
  /** The clause a person reads, e.g. "space grows ~4 GB/week and is full in ~14 months at this rate". */
  summary: z.string(),
});
export type StorageTrend = z.infer<typeof StorageTrend>;

/** `GET /api/v1/storage/history`. */
export const StorageHistory = z.strictObject({
  days: z.number().int().positive(),
  samples: z.array(StorageSample),
  trends: z.array(StorageTrend),
  /** The trends in one paragraph (describeStorage). */
  summary: z.string(),
});
export type StorageHistory = z.infer<typeof StorageHistory>;

const DAY = 86_400_000;
const WEEK = 7 * DAY;
/** A trend needs samples spanning at least this long; a few hours say nothing about a week. */
export const MIN_TREND_SPAN_MS = 2 * DAY;
/** Growth under this many bytes a week is "steady" (noise from logs and metadata). */
export const STEADY_BYTES_PER_WEEK = 10 * 1024 ** 2;

/** Decimal units for growth, as people say "4 GB a week". */
function humanBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : Number(v.toFixed(1))} ${units[i]}`;
}

/** "~3 days", "~5 weeks", "~14 months", "~2 years": a rough horizon. */
export function humanHorizon(ms: number): string {
  const days = ms / DAY;
  if (days < 1) return 'less than a day';
  if (days < 14) return `~${Math.round(days)} day${Math.round(days) === 1 ? '' : 's'}`;
  if (days < 60) return `~${Math.round(days / 7)} weeks`;
  if (days < 730) return `~${Math.round(days / 30.44)} months`;
  return `~${Math.round(days / 365.25)} years`;
}

/**
 * The least-squares slope of used bytes over time (bytes per ms) for one drive's samples, with the span they
 * cover; null with fewer than two samples or a span under MIN_TREND_SPAN_MS.
 */
export function usageSlope(
  samples: readonly Pick<StorageSample, 'at' | 'usedBytes'>[],
): { perMs: number; spanMs: number } | null {
  if (samples.length < 2) return null;
  const xs = samples.map((s) => Date.parse(s.at));
  const spanMs = Math.max(...xs) - Math.min(...xs);
  if (spanMs < MIN_TREND_SPAN_MS) return null;
  const x0 = xs[0]!;
  const n = samples.length;
  const mx = xs.reduce((a, x) => a + (x - x0), 0) / n;
  const my = samples.reduce((a, s) => a + s.usedBytes, 0) / n;
  let sxy = 0;
  let sxx = 0;
  samples.forEach((s, i) => {
    const dx = xs[i]! - x0 - mx;
    sxy += dx * (s.usedBytes - my);
    sxx += dx * dx;
  });
  return sxx === 0 ? null : { perMs: sxy / sxx, spanMs };
}

/**
 * Reads one drive's samples (any order; other roles' are ignored): the growth per week by least squares over all
 * of them, and when the space available at the newest sample is used up at that rate. Pure: the projection
 * starts at the newest sample, not at the clock, so fixed samples give fixed words.
 */
export function projectStorage(role: StorageSample['role'], samplesIn: readonly StorageSample[]): StorageTrend {
  const samples = samplesIn
    .filter((s) => s.role === role)
    .slice()
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  if (samples.length === 0) return { role, bytesPerWeek: null, fullAt: null, summary: `${role}: no measurements yet` };
  const slope = usageSlope(samples);
  if (!slope) return { role, bytesPerWeek: null, fullAt: null, summary: `${role}: not enough history for a trend yet` };
  const perWeek = slope.perMs * WEEK;
  const last = samples[samples.length - 1]!;
  if (Math.abs(perWeek) < STEADY_BYTES_PER_WEEK)
    return { role, bytesPerWeek: perWeek, fullAt: null, summary: `${role} is steady` };
  if (perWeek < 0)
    return { role, bytesPerWeek: perWeek, fullAt: null, summary: `${role} shrinks ~${humanBytes(-perWeek)}/week` };
  const msToFull = last.availableBytes / slope.perMs;
  const fullAt = new Date(Date.parse(last.at) + msToFull).toISOString();
  const when = last.availableBytes === 0 ? 'is full now' : `is full in ${humanHorizon(msToFull)} at this rate`;
  return { role, bytesPerWeek: perWeek, fullAt, summary: `${role} grows ~${humanBytes(perWeek)}/week and ${when}` };
}

/** Every drive's trend in one paragraph, in the order given: "flux grows ~4 GB/week and is full in …; space is steady". */
export function describeStorage(trends: readonly StorageTrend[]): string {
  if (trends.length === 0) return 'No drive is measured yet.';
  return `${trends.map((t) => t.summary).join('; ')}.`;
}
