/**
 * The free-space margin a move keeps in its destination: the room one item takes there, and the one sentence a run
 * says when it stops on the margin (graduation, its dry run, and bring-back say it alike).
 */
import { formatBinaryBytes } from '../../../contract/format.js';
import type { MoveItem } from './move-context.js';

/** The room an item takes in the destination: its allocated blocks, and a block for its name and inode. */
export function spaceNeeded(item: Pick<MoveItem, 'kind' | 'stat'>): number {
  return item.kind === 'file' ? item.stat.blocks * 512 + 4096 : 4096;
}

/** What a stop on the margin is told from. */
export interface MarginStop {
  /** The destination, as people know it (a path). */
  to: string;
  /** Where the files that did not move stay. */
  stays: string;
  /** Bytes free in the destination now. */
  freeBytes: number;
  /** Room the first file that did not fit needed. */
  nextNeeds: number;
  /** The margin in bytes, and the setting (or option) that sets it. */
  margin: number;
  setting: string;
}

/** "space (/srv/space) has 900 MiB free and keeps graduation.freeSpaceMargin (1 GiB) free; …": what stopped and what to do. */
export function marginStopMessage(m: MarginStop): string {
  const b = formatBinaryBytes;
  return (
    `${m.to} has ${b(m.freeBytes)} free and must keep ${b(m.margin)} free (${m.setting}); the next file needs ` +
    `${b(m.nextNeeds)}, so it and the files after it stay in ${m.stays}. Free some space in ${m.to} or lower ${m.setting}`
  );
}
