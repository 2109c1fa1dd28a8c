/**
 * Bring back: one file, or a folder's files, from space to flux with graduation's safety. It is graduation run the
 * other way for what a person picked: the same journal (moveBatch), so a kill -9 at any step is finished or rolled
 * back by the next run's recovery; copies verified by hash, renames that never replace, sources removed only when
 * unchanged. A name flux holds already keeps its file, and the space one comes back beside it under a suffixed name
 * (`report (graduated).pdf`); the same bytes, mode, owner and xattrs count as already there, and the space copy goes.
 * A file graduation put in space goes back to the name it had in flux, and its graduation row is marked `undone`,
 * so an undo of that run leaves it alone and "Where is my file?" no longer calls it graduated.
 */
import type { Db } from '../../store/db.js';
import { isDirMode, isFileMode, isLinkMode, isUnsafePath } from '../../system/root-dir.js';
import { checkRoots, summaryOf, type GraduationProgress, type GraduationSummary } from './graduate.js';
import { acquireMoverLock, Journal } from './journal.js';
import { marginStopMessage } from './margin.js';
import {
  moveBatch,
  skip,
  syncSources,
  type MoveItem,
  type MoveStats,
  type MoveStep,
  type MoverContext,
} from './mover.js';
import { closeMoverContext, openMoverContext } from './move-open.js';
import { recoverJournal } from './recover.js';
import { walk, type ScanEntry } from './scan.js';

/** Options of one bring-back. */
export interface BringBackOptions {
  db: Db;
  /** The run row of the bring-back. */
  runId: number;
  spaceRoot: string;
  fluxRoot: string;
  /** The file or folder, relative to space. */
  path: string;
  /**
   * Only what this uid owns comes back (a client's tray: its Samba user's files). The path itself must be its, and
   * inside a folder another member's file stays in space, counted as skipped `another-owner`.
   */
  ownerUid?: number;
  /** Bytes flux must keep free. */
  freeSpaceMargin: number;
  /** Files Samba has open now (absolute paths): a file open in space stays there. */
  openFiles?: () => Promise<ReadonlySet<string>>;
  signal?: AbortSignal;
  onProgress?: (p: GraduationProgress) => void;
  /** Test hook: called after each journaled step. */
  onStep?: (step: MoveStep, journalId: number) => void;
  /** Items per move batch (one syncfs of flux per batch). */
  batchSize?: number;
  poolMinFiles?: number;
}

/** What a bring-back did. */
export interface BringBackSummary extends GraduationSummary {
  path: string;
  /** Where it is in flux now: the folder, or the file's name there (suffixed when its name was taken). */
  placedAt: string | null;
  /** Files kept under a suffixed name because flux held another file of that name (the first 20). */
  renamed: { from: string; to: string }[];
  renamedCount: number;
}

/** Nothing to bring back at that path. */
export class BringBackError extends Error {
  override readonly name = 'BringBackError';
}

/** A graduation's journal row for a file now in space: where it came from in flux. */
interface Graduated {
  id: number;
  srcs: string[];
  dsts: string[];
  /** The inode of the copy the graduation put in space (or found there already archived); null when not recorded. */
  ino: number | null;
}

/**
 * The graduation rows (flux → space, moved or found already archived) whose space names lie at or under `path`, by
 * space name; a later row wins over an earlier one. One pass over the journal: its rows change with every step of
 * every file, so no index on their names is kept (it would be rewritten at each step).
 */
function graduatedUnder(
  db: Db,
  fluxRoot: string,
  spaceRoot: string,
  path: string,
  folder: boolean,
): Map<string, Graduated> {
  const needle = folder ? JSON.stringify(`${path}/`).slice(0, -1) : JSON.stringify(path);
  const rows = db
    .prepare<[string, string, string], { id: number; srcs: string; dsts: string; tmp_ino: number | null }>(
      "SELECT id, srcs, dsts, tmp_ino FROM graduation_journal WHERE src_root = ? AND dst_root = ? AND state IN ('done', 'duplicate') AND instr(dsts, ?) > 0 ORDER BY id",
    )
    .iterate(fluxRoot, spaceRoot, needle);
  const out = new Map<string, Graduated>();
  for (const r of rows) {
    const g: Graduated = {
      id: r.id,
      srcs: JSON.parse(r.srcs) as string[],
      dsts: JSON.parse(r.dsts) as string[],
      ino: r.tmp_ino,
    };
    for (const d of g.dsts) if (folder ? d.startsWith(`${path}/`) : d === path) out.set(d, g);
  }
  return out;
}

/** Brings a file or folder back from space to flux; never throws for one file's problem (those are in `failed`). */
export async function bringBack(opts: BringBackOptions): Promise<BringBackSummary> {
  const started = Date.now();
  const { src: space, dst: flux } = checkRoots(opts.spaceRoot, opts.fluxRoot);
  const journal = new Journal(opts.db);
  const release = acquireMoverLock(opts.db, opts.runId);
  let ctx: MoverContext | undefined;
  try {
    const recovered = await recoverJournal(journal);
    const readOpenFiles = opts.openFiles;
    let openFilesRead = Date.now();
    const openFiles = readOpenFiles ? await readOpenFiles() : new Set<string>();
    ctx = openMoverContext({
      journal,
      runId: opts.runId,
      srcRoot: space,
      dstRoot: flux,
      freeSpaceMargin: opts.freeSpaceMargin,
      signal: opts.signal,
      poolMinFiles: opts.poolMinFiles,
      run: { openFiles },
      hooks: { onStep: opts.onStep },
    });
    const mover = ctx;
    const stats: MoveStats = mover.run.stats;
    if (readOpenFiles) {
      // As in a graduation: a file a client opened since the first look keeps its place.
      mover.run.recheckOpenFiles = async () => {
        if (Date.now() - openFilesRead < 2000) return;
        mover.run.openFiles = await readOpenFiles();
        openFilesRead = Date.now();
      };
    }

    let top;
    try {
      top = mover.settings.src.lstat(opts.path);
    } catch (err) {
      if (isUnsafePath(err))
        throw new BringBackError(
          `${opts.path} in space cannot be reached safely: a folder on its way is a symlink or another mount`,
        );
      throw err;
    }
    if (!top) throw new BringBackError(`space has no ${opts.path}`);
    if (opts.ownerUid !== undefined && top.uid !== opts.ownerUid)
      throw new BringBackError(`${opts.path} in space belongs to another member: only an admin can bring it back`);
    const folder = isDirMode(top.mode);
    if (!folder && !isFileMode(top.mode) && !isLinkMode(top.mode))
      throw new BringBackError(`${opts.path} in space is not a file, folder or symlink`);
    const graduated = graduatedUnder(opts.db, flux, space, opts.path, folder);

    let scanned = 0;
    let eligible = 0;
    let pending: MoveItem[] = [];
    const renamed: { from: string; to: string }[] = [];
    let renamedCount = 0;
    let placedAt: string | null = folder ? opts.path : null;
    let lastRow = 0;
    const batchSize = opts.batchSize ?? 2000;
    const rowsAfter = opts.db.prepare<[number, number], { id: number; srcs: string; dsts: string }>(
      "SELECT id, srcs, dsts FROM graduation_journal WHERE run_id = ? AND id > ? AND state IN ('done', 'duplicate') ORDER BY id",
    );

    /**
     * An item for files found in space: back to the names graduation took them from, or the same path in flux. A row
     * counts only while the file at its name is still the copy that graduation put there (its inode): another file
     * at that name since (another member's, once the graduated one was deleted) is not sent to the flux name in
     * someone else's row, nor recorded as the undo of it.
     */
    const itemFor = (kind: 'file' | 'symlink', srcs: string[], stat: MoveItem['stat']): MoveItem => {
      const g = graduated.get(srcs[0]!);
      if (g && g.ino === stat.ino && g.dsts.length === srcs.length && srcs.every((s) => g.dsts.includes(s)))
        return { kind, srcs: g.dsts, targets: g.srcs, stat, undoOf: g.id };
      return { kind, srcs, stat };
    };

    const flush = async () => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      const wanted = new Map(batch.map((item) => [item.srcs[0]!, (item.targets ?? item.srcs)[0]!]));
      await moveBatch(mover, batch);
      // Where each one landed: a name flux held already made the mover pick a suffixed one.
      for (const r of rowsAfter.all(opts.runId, lastRow)) {
        lastRow = r.id;
        const src = (JSON.parse(r.srcs) as string[])[0]!;
        const dst = (JSON.parse(r.dsts) as string[])[0]!;
        if (!folder && src === opts.path) placedAt = dst;
        const want = wanted.get(src);
        if (want !== undefined && want !== dst) {
          renamedCount++;
          if (renamed.length < 20) renamed.push({ from: want, to: dst });
        }
      }
      opts.onProgress?.({
        scanned,
        eligible,
        moved: stats.moved,
        bytesMoved: stats.bytesMoved,
        currentPath: batch.at(-1)?.srcs[0] ?? null,
      });
    };

    const hardLinks = new Map<string, { stat: MoveItem['stat']; paths: string[] }>();
    const mine = (uid: number) => opts.ownerUid === undefined || uid === opts.ownerUid;
    const add = async (e: ScanEntry) => {
      scanned++;
      if (!mine(e.stat.uid)) return skip(stats, 'another-owner', 1);
      eligible++;
      if (e.kind === 'file' && e.stat.nlink > 1) {
        const key = `${e.stat.dev}:${e.stat.ino}`;
        const g = hardLinks.get(key);
        if (g) g.paths.push(e.rel);
        else hardLinks.set(key, { stat: e.stat, paths: [e.rel] });
        return;
      }
      const index = pending.length;
      pending.push(itemFor(e.kind, [e.rel], e.stat));
      if (e.companion) {
        // A `._name` AppleDouble file travels with its file, as in a graduation.
        try {
          const st = mover.settings.src.lstat(e.companion);
          if (st && isFileMode(st.mode) && st.nlink === 1 && mine(st.uid)) {
            eligible++;
            pending.push({ ...itemFor('file', [e.companion], st), companionOf: index });
          }
        } catch {
          // Not reachable safely now: the file comes alone.
        }
      }
      if (pending.length >= batchSize) await flush();
    };

    // Only the path's own folders are read: the walk descends into nothing else.
    for (const batch of walk(mover.settings.src, {
      exclude: ['.fts-*'],
      include: [opts.path],
      skip: (reason, n) => skip(stats, reason, n),
    })) {
      if (opts.signal?.aborted || mover.run.destinationFull) break;
      for (const e of batch) await add(e);
      await new Promise<void>((r) => setImmediate(r));
    }
    // Hard-linked names come back together: all of them were found here, or a graduation row names the whole group.
    for (const { stat, paths } of hardLinks.values()) {
      if (opts.signal?.aborted || mover.run.destinationFull) break;
      if (paths.length === stat.nlink) {
        pending.push(itemFor('file', paths, stat));
        continue;
      }
      const g = graduated.get(paths[0]!) ?? graduatedUnder(opts.db, flux, space, paths[0]!, false).get(paths[0]!);
      const whole =
        g &&
        g.ino === stat.ino &&
        g.dsts.length === stat.nlink &&
        g.dsts.every((d) => mover.settings.src.lstat(d)?.ino === stat.ino);
      if (whole) {
        pending.push({ kind: 'file', srcs: g.dsts, targets: g.srcs, stat, undoOf: g.id });
        eligible += g.dsts.length - paths.length;
      } else {
        skip(stats, 'hardlink-outside', paths.length);
        stats.failed.push({
          path: paths[0]!,
          error: `it has ${stat.nlink} names (hard links) and only ${paths.length} of them are in ${opts.path}; bring back the folder that holds them all`,
        });
      }
    }
    hardLinks.clear();
    if (!opts.signal?.aborted) await flush();
    await syncSources(mover);
    if (mover.run.marginNeed !== undefined && !stats.failed.some((f) => f.error.includes('ENOSPC'))) {
      stats.failed.push({
        path: flux,
        error: marginStopMessage({
          to: `flux (${flux})`,
          stays: 'space',
          freeBytes: mover.settings.dst.freeBytes(),
          nextNeeds: mover.run.marginNeed,
          margin: opts.freeSpaceMargin,
          setting: 'graduation.freeSpaceMargin',
        }),
      });
    }
    if (!folder && stats.moved === 0) placedAt = null;
    const summary = summaryOf({
      runId: opts.runId,
      scanned,
      eligible,
      stats,
      started,
      from: space,
      to: flux,
      dryRun: false,
      recovered,
    });
    return { ...summary, path: opts.path, placedAt, renamed, renamedCount };
  } finally {
    await closeMoverContext(ctx);
    release();
  }
}
