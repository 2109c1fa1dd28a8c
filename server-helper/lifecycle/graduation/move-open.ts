/**
 * Everything a move between two roots holds for its run, opened in one place for graduation, undo and bring
 * back: both roots (from now on every path below them is resolved beneath their fds), the run's staging folder
 * in the destination (made when the first copy needs it), the sync handles (opened before anything is written,
 * so a write-back error is never missed) and the copy pool.
 */
import { RootDir } from '../../system/root-dir.js';
import { FilesystemSync } from '../../system/syncfs.js';
import { CopyPool } from './copy-pool.js';
import { newMoverContext } from './mover.js';
import type { MoveHooks, MoverContext, MoveRunState, MoveSettings } from './move-context.js';
import type { Journal } from './journal.js';
import { Staging } from './staging.js';

/** Opens both roots for a run; closes the first when the second fails. */
export function openRoots(src: string, dst: string): { src: RootDir; dst: RootDir } {
  const s = new RootDir(src);
  try {
    return { src: s, dst: new RootDir(dst) };
  } catch (err) {
    s.close();
    throw err;
  }
}

/** Opens the handles a run syncs through, before it writes anything: a write-back error is then never missed. */
export function openSyncs(srcRoot: string, dstRoot: string): NonNullable<MoveSettings['syncs']> {
  const src = new FilesystemSync(srcRoot);
  try {
    return { src, dst: new FilesystemSync(dstRoot) };
  } catch (err) {
    src.close();
    throw err;
  }
}

/** Closes what openSyncs opened. */
export function closeSyncs(syncs: MoveSettings['syncs']): void {
  syncs?.src.close();
  syncs?.dst.close();
}

/** What a run asks of its move (a dry run opens no sync handles and no copy pool, and makes no staging folder). */
export interface OpenMoveOptions {
  journal: Journal;
  runId: number;
  srcRoot: string;
  dstRoot: string;
  freeSpaceMargin: number;
  dryRun?: boolean;
  signal?: AbortSignal;
  poolMinFiles?: number;
  run?: Partial<Pick<MoveRunState, 'stats' | 'openFiles' | 'recheckOpenFiles' | 'inFlight' | 'awaitingRecovery'>>;
  hooks?: MoveHooks;
}

/** Opens a mover context with everything its run holds; closeMoverContext releases it. */
export function openMoverContext(o: OpenMoveOptions): MoverContext {
  const roots = openRoots(o.srcRoot, o.dstRoot);
  const staging = new Staging(roots.dst, o.runId);
  let syncs: MoveSettings['syncs'];
  try {
    if (!o.dryRun) syncs = openSyncs(o.srcRoot, o.dstRoot);
  } catch (err) {
    roots.src.close();
    roots.dst.close();
    throw err;
  }
  // The pool reads the staging folder's fd when its first copy starts: the folder is made then.
  const copier = o.dryRun
    ? undefined
    : new CopyPool(roots.src, {
        get fd() {
          return staging.dir.fd;
        },
      });
  const settings: MoveSettings = {
    journal: o.journal,
    runId: o.runId,
    srcRoot: o.srcRoot,
    dstRoot: o.dstRoot,
    src: roots.src,
    dst: roots.dst,
    staging,
    freeSpaceMargin: o.freeSpaceMargin,
    signal: o.signal,
    syncs,
    copier,
    poolMinFiles: o.poolMinFiles,
  };
  return newMoverContext(settings, { awaitingRecovery: o.journal.waitingSources(o.srcRoot), ...o.run, hooks: o.hooks });
}

/** Releases what openMoverContext opened: the copy pool, the sync handles, the staging folder (removed when empty), the roots. */
export async function closeMoverContext(ctx: MoverContext | undefined): Promise<void> {
  if (!ctx) return;
  const { copier, syncs, staging, src, dst } = ctx.settings;
  await copier?.close();
  closeSyncs(syncs);
  staging.close();
  src.close();
  dst.close();
}
