/**
 * Bring-back as a job-system action (kind `bring-back`, parameters `{ path }` in space): it locks both sides like a
 * graduation, checks the drives, publishes `bringback.started|progress|finished|failed`, and holds what came back in
 * flux for graduation.minAge, so the next graduation does not take it straight back.
 */
import { z } from 'zod';
import { BringBackRequest, ClientId, parseDuration, parseSize } from '../../../contract/index.js';
import type { HelperConfig } from '../../config/schema.js';
import type { Store } from '../../store/index.js';
import { openFiles as smbOpenFiles } from '../../system/smbstatus.js';
import { isUnsafePath, RootDir } from '../../system/root-dir.js';
import { RunRefused, type Task, type TaskOutcome } from '../../runs/task.js';
import { preflightDrives } from '../preflight.js';
import { bringBack, BringBackError } from './bring-back.js';
import { rootOf } from './service.js';

/** The roles a bring-back locks: flux and space, as a graduation (no graduation, undo or backup overlaps it). */
const sidesOf = (config: HelperConfig) => [config.graduation.from, config.graduation.to];

/** Refuses a path space does not hold (404), before a run is recorded. */
function admitBringBack(config: HelperConfig, path: string): void {
  let root: RootDir;
  try {
    root = new RootDir(rootOf(config, config.graduation.to));
  } catch (err) {
    throw new RunRefused('conflict', `space cannot be read: ${(err as Error).message}`);
  }
  try {
    if (!root.lstat(path)) throw new RunRefused('not-found', `space has no ${path}`);
  } catch (err) {
    if (isUnsafePath(err))
      throw new RunRefused(
        'bad-params',
        `path: ${path} cannot be reached in space without following a symlink or entering another mount`,
      );
    throw err;
  } finally {
    root.close();
  }
}

/**
 * What a bring-back run takes: the request, and for one a client's tray asked for, the uid of its Samba user and the
 * client's id. The API sets `ownerUid` and `clientId` from the token, never from the body (BringBackRequest is strict).
 */
export const BringBackParams = BringBackRequest.extend({
  ownerUid: z.number().int().nonnegative().optional(),
  /** The client whose tray asked for it: one of its bring-backs waits or runs at a time. */
  clientId: ClientId.optional(),
});
export type BringBackParams = z.infer<typeof BringBackParams>;

/**
 * Refuses a bring-back that would only lengthen the queue: a client's second one while its first has not ended (a
 * tray that asks in a loop would hold graduation and backup back behind its runs), and any bring-back of a path a
 * queued run will already bring back.
 */
function refuseQueued(store: Store, params: BringBackParams): void {
  for (const r of store.runs.active('bring-back')) {
    const theirs = BringBackParams.safeParse(r.params);
    if (!theirs.success) continue;
    if (params.clientId !== undefined && theirs.data.clientId === params.clientId)
      throw new RunRefused(
        'conflict',
        `client "${params.clientId}" already has a bring-back ${r.status === 'queued' ? 'waiting' : 'running'}: run ${r.id} (${theirs.data.path}); a computer brings back one thing at a time, so ask again when it has ended`,
      );
    if (r.status === 'queued' && theirs.data.path === params.path)
      throw new RunRefused(
        'conflict',
        `path: ${params.path} is already waiting to come back in run ${r.id}; watch that run instead`,
      );
  }
}

/** kind 'bring-back': moves one file or a folder's files from space back to flux. */
export const bringBackTask: Task<BringBackParams> = {
  kind: 'bring-back',
  params: BringBackParams,
  resources: (config) => sidesOf(config),
  admit: ({ config, store }, params) => {
    admitBringBack(config, params.path);
    refuseQueued(store, params);
  },
  async run(ctx): Promise<TaskOutcome> {
    const { config, params } = ctx;
    const ref = { runId: ctx.runId, job: ctx.job };
    const sides = { from: config.graduation.to, to: config.graduation.from };
    ctx.bus.publish('bringback.started', { ...ref, path: params.path, ...sides });
    let last = 0;
    try {
      await preflightDrives(config, [config.graduation.from, config.graduation.to], ctx.signal);
      const s = await bringBack({
        db: ctx.store.db,
        runId: ctx.runId,
        spaceRoot: rootOf(config, config.graduation.to),
        fluxRoot: rootOf(config, config.graduation.from),
        path: params.path,
        ...(params.ownerUid !== undefined ? { ownerUid: params.ownerUid } : {}),
        freeSpaceMargin: parseSize(config.graduation.freeSpaceMargin)!,
        openFiles: () => smbOpenFiles(config.samba.smbConf, ctx.signal),
        signal: ctx.signal,
        onProgress: (p) => {
          if (Date.now() - last < 1000) return;
          last = Date.now();
          ctx.bus.publish('bringback.progress', {
            ...ref,
            moved: p.moved,
            bytesMoved: p.bytesMoved,
            currentPath: p.currentPath,
          });
        },
      });
      if (s.placedAt && s.moved > 0) {
        // Back in flux with its old mtime: graduation leaves it there for one graduation.minAge.
        ctx.store.fluxHolds.hold(
          [s.placedAt],
          Date.now() + parseDuration(config.graduation.minAge)!,
          ctx.runId,
          'bring-back',
        );
        ctx.appendLog(`${s.placedAt} stays in flux for ${config.graduation.minAge} (graduation.minAge)\n`);
      }
      ctx.appendLog(
        `brought back ${s.moved} file(s) (${s.bytesMoved} bytes) of ${params.path}; ${s.renamedCount} under a suffixed name; failed ${s.failed.length}\n`,
      );
      for (const r of s.renamed) ctx.appendLog(`kept beside the file flux holds: ${r.from} → ${r.to}\n`);
      for (const f of s.failed.slice(0, 50)) ctx.appendLog(`failed: ${f.path}: ${f.error}\n`);
      ctx.bus.publish('bringback.finished', {
        ...ref,
        ...sides,
        path: params.path,
        moved: s.moved,
        bytesMoved: s.bytesMoved,
        renamed: s.renamedCount,
        skipped: s.skipped,
        failed: s.failed.length,
        examples: s.examples.slice(0, 10),
        durationMs: s.durationMs,
      });
      const first = s.failed[0];
      return {
        status: ctx.signal.aborted ? 'cancelled' : first ? 'failed' : 'succeeded',
        summary: {
          path: s.path,
          placedAt: s.placedAt,
          moved: s.moved,
          bytesMoved: s.bytesMoved,
          renamed: s.renamed,
          renamedCount: s.renamedCount,
          skipped: s.skipped,
          failed: s.failed,
          recovered: s.recovered,
          durationMs: s.durationMs,
        },
        error: first
          ? `${s.failed.length} file(s) could not be brought back; first: ${first.path}: ${first.error}`
          : null,
      };
    } catch (err) {
      const cancelled = ctx.signal.aborted;
      const reason =
        err instanceof BringBackError
          ? err.message
          : `bring-back ${cancelled ? 'cancelled' : 'failed'}: ${(err as Error).message}`;
      ctx.appendLog(`${reason}\n`);
      ctx.bus.publish('bringback.failed', { ...ref, reason, cancelled });
      return { status: cancelled ? 'cancelled' : 'failed', summary: null, error: reason };
    }
  },
  publishFailure: (bus, ref, reason, cancelled) => bus.publish('bringback.failed', { ...ref, reason, cancelled }),
};
