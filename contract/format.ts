/** Byte counts and counts of things for people, shared by the helper, the tray menu and the renderer so all write them the same way. */

/** Formats a byte count in binary units, as the rest of FTS writes them (`1.5 GiB`). */
export function formatBinaryBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** A duration in ms as `850 ms`, `12 s`, `4 min`, `2.5 h`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 90_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 5_400_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** "1 file", "1,200 files": a count and its noun (plural with an s). */
export function countOf(n: number, noun: string): string {
  return `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * "dry run: would graduate 2 files, 12 MiB" for the stored summary of a graduation dry run (the run history, the
 * dashboard and `jobs history` say it alike, never "succeeded, 0 files"); null for any other run.
 */
export function dryRunText(summary: Record<string, unknown> | null): string | null {
  if (summary?.dryRun !== true) return null;
  const n = typeof summary.eligible === 'number' ? summary.eligible : 0;
  const bytes = typeof summary.eligibleBytes === 'number' ? `, ${formatBinaryBytes(summary.eligibleBytes)}` : '';
  return `dry run: would graduate ${countOf(n, 'file')}${bytes}`;
}

/**
 * Text a member could have put in (a file name in a run's log) made safe to show: control characters other than
 * newline and tab, and the bidi controls that can make a line read as another, are written as `\u{…}` escapes, so a
 * terminal runs no escape sequence and a line says what it is.
 */
export function printableText(text: string): string {
  return text.replace(
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`,
  );
}
