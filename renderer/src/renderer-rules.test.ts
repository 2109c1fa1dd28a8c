/** Renderer rules: no node:, electron or server imports; only contract/ and its own files. Plus the formatters. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FtsEvent } from '../../contract/events.js';
import { describeEvent, driveUsage, eventSeverity, formatAgo, formatBytes, formatDuration } from './format.js';

const here = import.meta.dirname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? sources(join(dir, d.name))
      : /\.(ts|tsx)$/.test(d.name) && !d.name.endsWith('.test.ts')
        ? [join(dir, d.name)]
        : [],
  );
}

// The one charting library (uPlot, ~50 KB) and its stylesheet are the exception: the storage chart needs them.
describe('renderer imports', () => {
  const files = sources(here);
  it('finds the renderer sources', () => expect(files.length).toBeGreaterThan(8));
  it.each(files.map((f) => [relative(here, f), f]))(
    '%s imports only contract/, react, zod, uplot and its own files',
    (_name, file) => {
      const specs = [...readFileSync(file, 'utf8').matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
      for (const s of specs) {
        const ok =
          s.startsWith('./') ||
          /^\.\.\/(\.\.\/)*(contract\/|[a-z-]+\.js$|components\/|styles\.css$|format\.js$|bridge\.js$|helper-api\.js$)/.test(
            s,
          ) ||
          /^(react|react-dom\/client|zod|uplot|uplot\/dist\/uPlot\.min\.css)$/.test(s);
        expect(ok, `${file} imports ${s}`).toBe(true);
        expect(s).not.toMatch(/^node:|^electron|server-helper|electron\//);
      }
    },
  );
});

describe('format', () => {
  it('bytes, durations and relative times', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 ** 4)).toBe('5.0 TiB');
    expect(formatBytes(null)).toBe('—');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(4 * 60_000)).toBe('4 min');
    const now = Date.parse('2026-11-25T12:00:00Z');
    expect(formatAgo('2026-11-25T11:59:30Z', now)).toBe('just now');
    expect(formatAgo('2026-11-25T09:00:00Z', now)).toBe('3 h ago');
    expect(formatAgo('2026-11-26T03:00:00Z', now)).toBe('in 15 h');
    expect(formatAgo(null, now)).toBe('never');
  });
  it('drive usage counts like df: used of used + available (root-reserved blocks excluded)', () => {
    // 100 GiB disk, 5 GiB reserved for root: 81 used and 14 available is 85 %, the helper's usage-high line.
    expect(driveUsage({ usedBytes: 81, availableBytes: 14 })).toBeCloseTo(81 / 95);
    expect(driveUsage({ usedBytes: 81, availableBytes: 14 })).toBeGreaterThan(0.85);
    expect(driveUsage({ usedBytes: null, availableBytes: 14 })).toBe(0);
    expect(driveUsage({ usedBytes: 0, availableBytes: 0 })).toBe(0);
  });
  it('headlines and severities', () => {
    const e: FtsEvent = {
      id: 1,
      ts: '2026-11-25T12:00:00.000Z',
      type: 'backup.failed',
      data: { runId: 1, job: 'backup', reason: 'no network', operation: 'backup', cancelled: false },
    };
    expect(describeEvent(e)).toBe('Backup failed: no network');
    expect(eventSeverity(e)).toBe('error');
  });
});
