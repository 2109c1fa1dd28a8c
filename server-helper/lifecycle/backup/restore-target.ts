/**
 * Where a restore may write. restic recreates each file's full path under `--target`, so restoring into `/`
 * writes over the live files, and restoring into a live folder or one of its parents mixes old copies into the
 * live tree. Such targets need the explicit `--in-place`. Pure except for the injected realpath.
 */
import { posix } from 'node:path';
import type { HelperConfig } from '../../config/schema.js';

/** Resolves symlinks of an existing path; null when it does not exist. */
export type Realpath = (path: string) => string | null;

/** The folders that hold live data: the backup's source, every share and every drive's mount point. */
export function liveFolders(config: HelperConfig): string[] {
  const drives = Object.values(config.drives).flatMap((d) => (d ? [d.mountPoint] : []));
  const folders = [...config.shares.map((s) => s.path), ...drives];
  return [...new Set(folders)];
}

/** The path with its deepest existing ancestor resolved through symlinks, so a link to `/` cannot pass for a new folder. */
function resolveExisting(path: string, realpath: Realpath): string {
  const tail: string[] = [];
  let cur = posix.resolve(path);
  for (;;) {
    const real = realpath(cur);
    if (real !== null) return posix.join(real, ...tail.reverse());
    if (cur === '/') return posix.join('/', ...tail.reverse());
    tail.push(posix.basename(cur));
    cur = posix.dirname(cur);
  }
}

const isAtOrAbove = (dir: string, folder: string) => dir === '/' || folder === dir || folder.startsWith(`${dir}/`);

/** Why restoring into `to` could overwrite or mix into live data (unless `--in-place`), or null when it is a safe place. */
export function refuseRestoreTarget(to: string, live: readonly string[], realpath: Realpath): string | null {
  const target = resolveExisting(to, realpath);
  if (target === '/')
    return `--to ${to} would restore over the live files (restic recreates each full path under the target); restore into an empty folder, or add --in-place to put files back where they were`;
  for (const folder of live) {
    const real = resolveExisting(folder, realpath);
    if (isAtOrAbove(target, real)) {
      const where = target === real ? 'is the live folder' : 'is above the live folder';
      return `--to ${to} ${where} ${folder}: a restore there would mix old copies into live data; restore into an empty folder elsewhere, or add --in-place to put files back where they were`;
    }
  }
  return null;
}
