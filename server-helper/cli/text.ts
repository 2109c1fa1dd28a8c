/** Text output for people: columns that line up whatever the longest name, and times in the local zone. */

/** Pads each column to its widest cell, so rows line up; the last column is left as it is. */
export function columns(rows: readonly (readonly string[])[], indent = ''): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
  );
}

/**
 * An ISO time as people read it, in this machine's time zone: "Thu 4 Dec 14:05", with the year when it is not this
 * year's; "-" for none. JSON output keeps the ISO stamps.
 */
export function localTime(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return '-';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const sameYear = t.getFullYear() === now.getFullYear();
  const date = t.toLocaleDateString('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    ...(sameYear ? {} : { year: 'numeric' }),
  });
  const time = t.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false });
  return `${date.replace(/,/g, '')} ${time}`;
}
