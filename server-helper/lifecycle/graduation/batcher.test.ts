/** graduate.ts's pure parts. */
import type { Stats } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitTail } from './batcher.js';
import type { MoveItem } from './mover.js';

const file = (name: string, companionOf?: number): MoveItem => ({
  kind: 'file',
  srcs: [name],
  stat: {} as Stats,
  ...(companionOf === undefined ? {} : { companionOf }),
});

describe('splitTail', () => {
  it('cuts about `size` items off a batch twice as large, and leaves a smaller one whole', () => {
    const items = Array.from({ length: 10 }, (_, i) => file(`f${i}`));
    expect(splitTail(items.slice(0, 5), 3)).toEqual([]);
    const head = items.slice();
    const tail = splitTail(head, 3);
    expect(tail.map((i) => i.srcs[0])).toEqual(['f7', 'f8', 'f9']);
    expect(head).toHaveLength(7);
  });

  it('never parts a file from its ._name companion, and re-points the companions it takes', () => {
    // 0 1 2 3 4 5 6 7 with 6 the companion of 5: a cut at 6 moves on to 7; a cut at 5 takes both.
    const items = [file('a'), file('b'), file('c'), file('d'), file('e'), file('x'), file('._x', 5), file('z')];
    const head = items.slice();
    expect(splitTail(head, 2).map((i) => i.srcs[0])).toEqual(['z']);
    expect(head.map((i) => i.srcs[0])).toEqual(['a', 'b', 'c', 'd', 'e', 'x', '._x']);
    const again = items.slice();
    const tail = splitTail(again, 3);
    expect(tail.map((i) => [i.srcs[0], i.companionOf])).toEqual([
      ['x', undefined],
      ['._x', 0],
      ['z', undefined],
    ]);
  });
});
