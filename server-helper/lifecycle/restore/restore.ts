/**
 * A restore from a snapshot into flux, as root-safe as graduation. restic writes into a temp folder it gets as an
 * open descriptor (`.fts-restore-RUN`, made beneath flux's root fd, mode 0700, so no user reaches inside it while
 * restic writes as root); then the restored file or folder is moved into `Restored YYYY-MM-DD/…` with one rename
 * beneath flux's root fd that never replaces (renameat2 NOREPLACE): a taken name gets a `(restored)` suffix, so a
 * live file is never written over. The folders on the way get the snapshot's owner, mode and xattrs. A crash leaves
 * only the temp folder, which the next restore removes (the snapshot still holds everything).
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  readdirSync,
  rmdirSync,
  rmSync,
  type Dirent,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import { RootDir } from '../../system/root-dir.js';
import { syncFilesystem } from '../../system/syncfs.js';
import type { ResticLsSnapshot } from '../backup/parse-restic.js';
import type { ResticEngine } from '../backup/restic-engine.js';
import { ensureDirs } from '../graduation/safe-move.js';
import { RestoreError } from './errors.js';
import { placeInRestored, restoredFolderName, restoredName } from './names.js';

/**
 * Temp folders of restores in flux's root: `.fts-restore-RUN-<random>` (graduation and backup leave every `.fts-*`
 * alone). The random part keeps a member from making the next run's name first (run ids are sequential).
 */
export const RESTORE_TEMP_PREFIX = '.fts-restore-';

/** A temp folder's name, with the run that made it (older versions left names without the random part). */
const TEMP_NAME = /^\.fts-restore-(\d+)(?:-[0-9a-f]{16})?$/;

/** How far a restore is. */
export interface RestoreProgress {
  filesDone: number;
  bytesDone: number;
  totalFiles: number;
  totalBytes: number;
}

/** What is restored: the snapshot, where the path lands, and how much it holds (restic's listing). */
export interface RestorePlan {
  snapshot: ResticLsSnapshot;
  path: string;
  /** The backed-up folder holding the path (`/space`). */
  root: string;
  /** Where it lands below the day's folder (`Projects/x`). */
  rel: string;
  totalFiles: number;
  totalBytes: number;
}

/** What a restore did. */
export interface RestoreOutcome extends RestorePlan {
  /** Relative to flux: `Restored 2024-11-03/Projects/x` (or a suffixed name when that was taken). */
  restoredTo: string;
  renamed: boolean;
  /** Temp folders of earlier restores a crash left, removed first. */
  leftoversRemoved: number;
}

/** Options of one restore. */
export interface RestoreOptions {
  engine: ResticEngine;
  /** flux's folder (the configuration's; everything below it is resolved beneath its fd). */
  fluxRoot: string;
  snapshot: string;
  /** Absolute, as backed up. */
  path: string;
  runId: number;
  /** Whether a run is still queued or running: its temp folder is then not a leftover. */
  runActive: (runId: number) => boolean;
  now?: Date;
  /** Called once the plan is known, before restic writes anything. */
  onPlan?: (plan: RestorePlan) => void;
  onProgress?: (p: RestoreProgress) => void;
  /** How often the temp folder is measured for progress (default 1 s; never more often than 5× a measurement's cost). */
  progressIntervalMs?: number;
  log?: (line: string) => void;
}

/** Lists what will be restored (streamed; only counts are kept) and where it lands. Throws RestoreError. */
export async function planRestore(engine: ResticEngine, snapshotId: string, path: string): Promise<RestorePlan> {
  let totalFiles = 0;
  let totalBytes = 0;
  let found = false;
  const snapshot = await engine.ls(snapshotId, path, {
    recursive: true,
    onNode: (n) => {
      if (n.path === path || n.path.startsWith(`${path === '/' ? '' : path}/`)) {
        found = true;
        if (n.kind === 'file') {
          totalFiles++;
          totalBytes += n.size ?? 0;
        }
      }
    },
  });
  if (!snapshot)
    throw new RestoreError('not-found', `no snapshot ${snapshotId} in the repository (see GET /api/v1/snapshots)`);
  if (!found) throw new RestoreError('not-found', `snapshot ${snapshot.shortId} has no ${path}`);
  const place = placeInRestored(path, snapshot.paths);
  if (!place)
    throw new RestoreError(
      'outside',
      `${path} is not inside a folder snapshot ${snapshot.shortId} holds (${snapshot.paths.join(', ')}); choose a file or folder inside it`,
    );
  return { snapshot, path, root: place.root, rel: place.rel, totalFiles, totalBytes };
}

/** A folder held open by fd, as a root beneath which paths resolve (through /proc/self/fd, which is that folder). */
function rootAtFd(fd: number): RootDir {
  return new RootDir(`/proc/self/fd/${fd}`);
}

/** Files and bytes beneath a folder (symlinks not followed); for progress while restic writes. */
async function measure(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const walk = async (d: string): Promise<void> => {
    let names: Dirent[];
    try {
      names = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of names) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        files++;
        const st = await lstat(p).catch(() => null);
        // restic may size a file before its data arrives: count what is written so far.
        if (st) bytes += Math.min(st.size, st.blocks * 512);
      }
    }
  };
  await walk(dir);
  return { files, bytes };
}

/** Measures the temp folder now and then while restic writes, and reports it; stop() ends it. */
function watchProgress(tempFd: number, plan: RestorePlan, opts: RestoreOptions): { stop(): Promise<void> } {
  if (!opts.onProgress) return { stop: async () => {} };
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const base = opts.progressIntervalMs ?? 1000;
  const tick = () => {
    running = (async () => {
      const t0 = Date.now();
      const m = await measure(`/proc/self/fd/${tempFd}`);
      if (stopped) return;
      opts.onProgress!({
        filesDone: Math.min(m.files, plan.totalFiles),
        bytesDone: Math.min(m.bytes, plan.totalBytes),
        totalFiles: plan.totalFiles,
        totalBytes: plan.totalBytes,
      });
      // A large tree costs more to measure: look less often rather than slow the restore down.
      timer = setTimeout(tick, Math.max(base, 5 * (Date.now() - t0)));
      timer.unref();
    })();
  };
  timer = setTimeout(tick, base);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

/** Gives a folder made here the owner and mode of another (fd to fd). */
function likeFolder(fromFd: number, toFd: number): void {
  const st = fstatSync(fromFd);
  if (process.getuid?.() === 0) fchownSync(toFd, st.uid, st.gid);
  fchmodSync(toFd, st.mode & 0o7777);
}

/**
 * Opens (or makes) the day's `Restored YYYY-MM-DD` folder. One found there must be like one this helper makes
 * (flux root's owner, group and mode): a member could make it first as their own open folder and then move or
 * remove what others restore into it. Otherwise, or when the name is a file, `Restored YYYY-MM-DD (2)` and on.
 */
function openDayFolder(flux: RootDir, now: Date): { fd: number; name: string } {
  const root = fstatSync(flux.fd);
  const owner = process.getuid?.() === 0 ? root.uid : process.getuid?.();
  for (let n = 1; n <= 16; n++) {
    const name = n === 1 ? restoredFolderName(now) : `${restoredFolderName(now)} (${n})`;
    let made: { fd: number; created: boolean };
    try {
      made = flux.mkdir(name, 0o700);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOTDIR' || code === 'ELOOP') continue;
      throw err;
    }
    // The day's folder is like flux's own root: whoever may work in flux may work in it.
    if (made.created) likeFolder(flux.fd, made.fd);
    const st = fstatSync(made.fd);
    if (made.created || (st.uid === owner && st.gid === root.gid && (st.mode & 0o7777) === (root.mode & 0o7777)))
      return { fd: made.fd, name };
    closeSync(made.fd);
  }
  throw new RestoreError('moved', `every "${restoredFolderName(now)}" folder name in flux is taken by someone else`);
}

/** Throws unless the name beneath flux is still the folder held open as fd (a user swapped or moved it meanwhile). */
function stillThere(flux: RootDir, name: string, fd: number): void {
  const st = flux.lstat(name);
  const held = fstatSync(fd);
  if (!st || st.ino !== held.ino || st.dev !== held.dev) {
    throw new RestoreError(
      'moved',
      `${name} in flux was moved or replaced during the restore, so nothing was put in place; run the restore again`,
    );
  }
}

/** Removes everything inside a folder held open as fd. Only for folders this helper made 0700: no one else writes in them. */
function emptyFolder(fd: number): void {
  const at = `/proc/self/fd/${fd}`;
  for (const name of readdirSync(at)) rmSync(`${at}/${name}`, { recursive: true, force: true });
}

/** Whether a folder is one a restore made: this process's user's, mode 0700. A user's folder of the same name is never touched. */
function madeByRestore(fd: number): boolean {
  const st = fstatSync(fd);
  return st.uid === (process.getuid?.() ?? st.uid) && (st.mode & 0o777) === 0o700;
}

/** Removes the temp folders of restores that are not running (a crash or kill left them); returns how many. */
export function removeLeftovers(
  flux: RootDir,
  runActive: (runId: number) => boolean,
  log?: (line: string) => void,
): number {
  let removed = 0;
  for (const name of readdirSync(`/proc/self/fd/${flux.fd}`)) {
    const m = TEMP_NAME.exec(name);
    if (!m || runActive(Number(m[1]))) continue;
    let fd: number;
    try {
      fd = flux.open(name, constants.O_RDONLY | constants.O_DIRECTORY);
    } catch {
      continue;
    }
    try {
      if (!madeByRestore(fd)) continue;
      emptyFolder(fd);
    } finally {
      closeSync(fd);
    }
    // rmdir does not follow a symlink put in its place, and removes only an empty folder.
    rmdirSync(`/proc/self/fd/${flux.fd}/${name}`);
    log?.(`removed ${name}, left in flux by an interrupted restore`);
    removed++;
  }
  return removed;
}

/** Moves the restored item from the temp folder to its place under the day's folder; returns where it landed. */
function putInPlace(
  flux: RootDir,
  tempName: string,
  tempFd: number,
  plan: RestorePlan,
  now: Date,
): { restoredTo: string; renamed: boolean } {
  const inTemp = plan.path.slice(1);
  const temp = rootAtFd(tempFd);
  let day: { fd: number; name: string } | null = null;
  try {
    if (!temp.lstat(inTemp)) throw new RestoreError('empty', `restic restored nothing for ${plan.path}`);
    day = openDayFolder(flux, now);
    const slash = plan.rel.lastIndexOf('/');
    if (slash > 0) {
      // The folders on the way get the snapshot's owner, mode and xattrs: restic restored them beside the item.
      const srcBaseFd =
        plan.root === '/' ? null : temp.open(plan.root.slice(1), constants.O_RDONLY | constants.O_DIRECTORY);
      const srcBase = srcBaseFd === null ? temp : rootAtFd(srcBaseFd);
      const dstBase = rootAtFd(day.fd);
      try {
        ensureDirs(srcBase, dstBase, plan.rel.slice(0, slash), new Map());
      } finally {
        dstBase.close();
        if (srcBaseFd !== null) {
          srcBase.close();
          closeSync(srcBaseFd);
        }
      }
    }
    // Both names must still be the folders held open: a name swapped meanwhile is refused, never followed.
    stillThere(flux, tempName, tempFd);
    stillThere(flux, day.name, day.fd);
    for (let n = 0; ; n++) {
      const target = `${day.name}/${n === 0 ? plan.rel : restoredName(plan.rel, n)}`;
      try {
        flux.rename(`${tempName}/${inTemp}`, target);
        return { restoredTo: target, renamed: n > 0 };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  } finally {
    if (day) closeSync(day.fd);
    temp.close();
  }
}

/** Restores a file or folder of a snapshot into flux under `Restored YYYY-MM-DD/`; never writes over a live file. */
export async function restoreIntoFlux(opts: RestoreOptions): Promise<RestoreOutcome> {
  const plan = await planRestore(opts.engine, opts.snapshot, opts.path);
  opts.onPlan?.(plan);
  const flux = new RootDir(opts.fluxRoot);
  const tempName = `${RESTORE_TEMP_PREFIX}${opts.runId}-${randomBytes(8).toString('hex')}`;
  let tempFd: number | null = null;
  try {
    const leftoversRemoved = removeLeftovers(flux, opts.runActive, opts.log);
    const made = flux.mkdir(tempName, 0o700);
    tempFd = made.fd;
    if (!made.created)
      throw new RestoreError(
        'moved',
        `${tempName} already exists in flux and is not a leftover of this helper; remove it`,
      );
    fchmodSync(tempFd, 0o700);
    const progress = watchProgress(tempFd, plan, opts);
    try {
      await opts.engine.restoreToFd(plan.snapshot.id, plan.path, tempFd);
    } finally {
      await progress.stop();
    }
    opts.onProgress?.({
      filesDone: plan.totalFiles,
      bytesDone: plan.totalBytes,
      totalFiles: plan.totalFiles,
      totalBytes: plan.totalBytes,
    });
    // What restic wrote is on disk before it gets its name, and the name before the run says it is done.
    await syncFilesystem(opts.fluxRoot);
    const placed = putInPlace(flux, tempName, tempFd, plan, opts.now ?? new Date());
    await syncFilesystem(opts.fluxRoot);
    opts.log?.(
      `restored ${plan.path} of snapshot ${plan.snapshot.shortId} to ${placed.restoredTo} in flux (${plan.totalFiles} files, ${plan.totalBytes} bytes)`,
    );
    return { ...plan, ...placed, leftoversRemoved };
  } finally {
    if (tempFd !== null) {
      try {
        emptyFolder(tempFd);
        if (flux.lstat(tempName)?.ino === fstatSync(tempFd).ino) rmdirSync(`/proc/self/fd/${flux.fd}/${tempName}`);
      } catch (err) {
        opts.log?.(`could not remove ${tempName} from flux now (the next restore will): ${(err as Error).message}`);
      } finally {
        closeSync(tempFd);
      }
    }
    flux.close();
  }
}
