/** The names a restore gives what it puts in flux: the day's `Restored YYYY-MM-DD` folder and, when a name is taken, a suffixed one. */

import { suffixedName } from '../graduation/safe-move.js';

/** The folder of one day's restores, by the server's local date: `Restored 2024-11-03`. */
export function restoredFolderName(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `Restored ${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** The n-th alternative of a taken path, kept within 255 bytes and before an extension: `report (restored 2).pdf`. */
export function restoredName(rel: string, n: number): string {
  return suffixedName(rel, n, 'restored');
}

/**
 * Where a snapshot path lands under the day's folder: its path below the backed-up folder holding it
 * (`/space/Projects/x` of a snapshot of `/space` → `Projects/x`), or that folder's own name when it is the
 * backed-up folder itself. Null when no backed-up folder holds it (an ancestor such as `/`).
 */
export function placeInRestored(path: string, snapshotPaths: readonly string[]): { root: string; rel: string } | null {
  const roots = [...snapshotPaths].sort((a, b) => b.length - a.length);
  for (const root of roots) {
    if (path === root) return { root, rel: root.slice(root.lastIndexOf('/') + 1) || 'restored' };
    const prefix = root === '/' ? '/' : `${root}/`;
    if (path.startsWith(prefix)) return { root, rel: path.slice(prefix.length) };
  }
  return null;
}
