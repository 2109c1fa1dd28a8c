/** What a failed read of a file means, as one sentence a person can act on, not an errno code. */

/**
 * "/tmp/x.yaml is a folder, not a file"; "/etc/fts/helper.yaml does not exist: <whenMissing>". `whenMissing` says
 * what to do about a missing file (which command creates it, which option points elsewhere).
 */
export function readErrorSentence(file: string, err: unknown, whenMissing: string): string {
  const e = err as NodeJS.ErrnoException | undefined;
  switch (e?.code) {
    case 'ENOENT':
      return `${file} does not exist: ${whenMissing}`;
    case 'EISDIR':
      return `cannot read ${file}: it is a folder, not a file`;
    case 'ENOTDIR':
      return `cannot read ${file}: a part of its path is a file, not a folder`;
    case 'EACCES':
    case 'EPERM':
      return `cannot read ${file}: permission denied (run as root, or check the file's owner and mode)`;
    default:
      return `cannot read ${file}: ${e?.message ?? String(err)}`;
  }
}

/** The edit distance of two words (insertions, deletions, substitutions, and swaps of two neighbours). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}

/** The known name a mistyped one is closest to (a third of its letters wrong at most, any case), or null. */
export function closestName(word: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const k of known) {
    const dist = distance(word.toLowerCase(), k.toLowerCase());
    if (dist < bestDistance) [best, bestDistance] = [k, dist];
  }
  return best !== null && bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : null;
}
