/** A small unified-style line diff for showing what an apply will change (pure; config files are small). */

/** Lines prefixed with ' ', '-' or '+', with a header naming the file; empty string when equal. */
export function lineDiff(path: string, before: string | null, after: string): string {
  if (before === after) return '';
  const a = before === null ? [] : before.split('\n');
  const b = after.split('\n');
  const n = a.length;
  const m = b.length;
  // Longest common subsequence table, filled from the end.
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out = [`--- ${before === null ? '/dev/null' : path}`, `+++ ${path}`];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(` ${a[i]}`);
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) out.push(`+${b[j++]}`);
    else out.push(`-${a[i++]}`);
  }
  return `${out.join('\n')}\n`;
}
