/**
 * Step 2 of a move, files already archived: space holds the same bytes, mode, owner and xattrs under the same
 * name, so nothing is copied and the source goes (unless it is to stay, as an undo's copy-back keeps the
 * archive's file). A source that changed since it was compared stays.
 */
import { fail, skip, sourcesUnchanged, type MoveItem, type MoverContext } from './move-context.js';

/** One item planning found already archived, with its `dedup` journal row and the archived file's inode. */
export interface Duplicate {
  item: MoveItem;
  id: number;
  ino: number;
}

/** Removes the sources of the items already archived, each checked unchanged first, and journals each outcome. */
export function dropDuplicates(ctx: MoverContext, dups: readonly Duplicate[]): void {
  const { journal, src } = ctx.settings;
  const { stats } = ctx.run;
  for (const { item, id, ino } of dups) {
    try {
      // Each name is removed only while it is the file that was compared (its inode), on the folder's fd: a
      // folder swapped in meanwhile keeps its own file.
      const changed =
        !sourcesUnchanged(ctx, item) ||
        (!item.keepSource && item.srcs.some((rel) => src.unlinkIfIno(rel, item.stat.ino) !== 'removed'));
      if (changed) {
        journal.set(id, 'rolled_back', { error: 'changed before removal' });
        skip(stats, 'changed-during-copy');
        continue;
      }
    } catch (err) {
      // EPERM in a sticky folder, an immutable file: the archived copy stays, and so does this one.
      fail(ctx, item.srcs[0]!, err);
      journal.set(id, 'failed', {
        error: `already archived, but the source could not be removed: ${(err as Error).message}`,
      });
      continue;
    }
    journal.transaction(() => {
      // The archived file's inode: an undo restores this file only while it is still that one.
      journal.set(id, 'duplicate', { tmpIno: ino });
      if (item.undoOf !== undefined) journal.set(item.undoOf, 'undone');
    });
    stats.moved++;
    ctx.hooks.onFile?.(item.srcs[0]!);
  }
}
