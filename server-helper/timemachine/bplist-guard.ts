/**
 * A guard for binary property lists before they are parsed. A Mac writes the plists the helper reads, but so
 * can anyone with a Samba account on the time share, and the `plist` library expands object references
 * recursively without sharing them: a 224-byte file whose arrays each refer twice to the next one expands to
 * 2^40 nodes and kills the daemon. This walks the file's object table (never expanding anything) and refuses
 * a plist whose expanded tree would be larger than a bound, deeper than a bound, or cyclic.
 */

/** How large a plist's expanded tree may be: MachineID and SnapshotHistory hold a few hundred nodes. */
export interface PlistBounds {
  maxNodes: number;
  maxDepth: number;
}

/** Bounds far above any Time Machine plist, far below what would hurt. */
export const TIME_MACHINE_PLIST_BOUNDS: PlistBounds = { maxNodes: 200_000, maxDepth: 64 };

/** A binary plist the guard refuses, and why. */
export class PlistShapeError extends Error {
  override readonly name = 'PlistShapeError';
}

/** Reads a big-endian unsigned integer of `size` bytes (1, 2, 4 or 8) at `at`. */
function uint(data: Uint8Array, at: number, size: number): number {
  if (at < 0 || at + size > data.length) throw new PlistShapeError('truncated');
  let n = 0;
  for (let i = 0; i < size; i++) n = n * 256 + data[at + i]!;
  return n;
}

/** The references an object holds (arrays, sets, dictionaries' keys and values); none for a leaf. */
function refsOf(data: Uint8Array, offset: number, refSize: number): number[] {
  const marker = data[offset];
  if (marker === undefined) throw new PlistShapeError('an object offset points outside the file');
  const type = marker >> 4;
  if (type !== 0xa && type !== 0xc && type !== 0xd) return [];
  let count = marker & 0x0f;
  let at = offset + 1;
  if (count === 0x0f) {
    // The count is an integer object: 0x1n followed by 2^n bytes.
    const intMarker = data[at];
    if (intMarker === undefined || intMarker >> 4 !== 0x1) throw new PlistShapeError('a malformed object count');
    const bytes = 1 << (intMarker & 0x0f);
    if (bytes > 8) throw new PlistShapeError('a malformed object count');
    count = uint(data, at + 1, bytes);
    at += 1 + bytes;
  }
  const n = type === 0xd ? 2 * count : count;
  if (at + n * refSize > data.length) throw new PlistShapeError('references past the end of the file');
  const refs = new Array<number>(n);
  for (let i = 0; i < n; i++) refs[i] = uint(data, at + i * refSize, refSize);
  return refs;
}

/**
 * Throws PlistShapeError unless the binary plist's expanded tree stays within the bounds (and has no cycle).
 * Linear in the file's objects and references: each object's expanded size is computed once.
 */
export function checkBinaryPlist(data: Uint8Array, bounds: PlistBounds = TIME_MACHINE_PLIST_BOUNDS): void {
  if (data.length < 8 + 32) throw new PlistShapeError('too short for a binary plist');
  const t = data.length - 32;
  const offsetSize = data[t + 6]!;
  const refSize = data[t + 7]!;
  const count = uint(data, t + 8, 8);
  const top = uint(data, t + 16, 8);
  const tableAt = uint(data, t + 24, 8);
  if (![1, 2, 4, 8].includes(offsetSize) || ![1, 2, 4, 8].includes(refSize))
    throw new PlistShapeError('bad integer sizes in the trailer');
  if (count === 0 || top >= count || tableAt + count * offsetSize > t) throw new PlistShapeError('a malformed trailer');
  const offsetOf = (i: number) => uint(data, tableAt + i * offsetSize, offsetSize);
  /** Expanded size per object: 0 not yet known, -1 on the current path (a cycle if met again). */
  const size = new Float64Array(count);
  const stack: { obj: number; refs: number[]; next: number; total: number }[] = [];
  const enter = (obj: number) => {
    if (obj >= count) throw new PlistShapeError('a reference to an object that does not exist');
    if (stack.length >= bounds.maxDepth) throw new PlistShapeError(`nested deeper than ${bounds.maxDepth}`);
    size[obj] = -1;
    stack.push({ obj, refs: refsOf(data, offsetOf(obj), refSize), next: 0, total: 1 });
  };
  enter(top);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next < frame.refs.length) {
      const child = frame.refs[frame.next++]!;
      if (child >= count) throw new PlistShapeError('a reference to an object that does not exist');
      if (size[child] === -1) throw new PlistShapeError('a reference cycle');
      if (size[child] === 0) enter(child);
      else frame.total += size[child]!;
    } else {
      stack.pop();
      if (frame.total > bounds.maxNodes) throw new PlistShapeError(`expands to more than ${bounds.maxNodes} values`);
      size[frame.obj] = frame.total;
      if (stack.length > 0) stack[stack.length - 1]!.total += frame.total;
    }
    if (stack.length > 0 && stack[stack.length - 1]!.total > bounds.maxNodes)
      throw new PlistShapeError(`expands to more than ${bounds.maxNodes} values`);
  }
}
