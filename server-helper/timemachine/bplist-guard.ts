/**
 * A guard for binary property lists before they are parsed. A Mac writes the plists the helper reads, but so
 * can anyone with a Samba account on the time share, and the `plist` library expands object references
 * recursively without sharing them: a 224-byte file whose arrays each refer twice to the next one expands to
 * 2^40 nodes and kills the daemon; a 1 MB file whose array refers a thousand times to one 1 MB string expands
 * to a gigabyte of strings (built a character at a time) and does too. This walks the file's object table (never
 * expanding anything) and refuses a plist whose expanded tree would hold more values or more bytes than a bound,
 * be deeper than a bound, or be cyclic.
 */

/** How large a plist's expanded tree may be: MachineID and SnapshotHistory hold a few hundred nodes. */
export interface PlistBounds {
  maxNodes: number;
  /** Bytes of strings, keys and data in the expanded tree, each counted every time it is referenced. */
  maxBytes: number;
  maxDepth: number;
}

/**
 * Bounds far above any Time Machine plist (a few KB, a few hundred values), far below what would hurt: the
 * `plist` library parses 1 MiB of expanded strings in about 60 ms and 100 MB in 25 s.
 */
export const TIME_MACHINE_PLIST_BOUNDS: PlistBounds = { maxNodes: 200_000, maxBytes: 1024 * 1024, maxDepth: 64 };

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

/** Bytes a leaf holds, by its marker's type: strings and data their contents, the rest their fixed size. */
function leafBytes(type: number, low: number, count: number): number {
  switch (type) {
    case 0x1: // int
    case 0x2: // real
      return 1 << low;
    case 0x3: // date
      return 8;
    case 0x4: // data
    case 0x5: // ASCII string
    case 0x7: // UTF-8 string
      return count;
    case 0x6: // UTF-16 string: count is in code units
      return 2 * count;
    case 0x8: // UID
      return low + 1;
    default:
      return 1;
  }
}

/**
 * The references an object holds (arrays, sets, dictionaries' keys and values; none for a leaf) and the bytes
 * it holds itself (a leaf's contents; a container's reference list).
 */
function objectAt(data: Uint8Array, offset: number, refSize: number): { refs: number[]; bytes: number } {
  const marker = data[offset];
  if (marker === undefined) throw new PlistShapeError('an object offset points outside the file');
  const type = marker >> 4;
  const container = type === 0xa || type === 0xc || type === 0xd;
  const hasCount = container || (type >= 0x4 && type <= 0x7);
  let count = marker & 0x0f;
  let at = offset + 1;
  if (hasCount && count === 0x0f) {
    // The count is an integer object: 0x1n followed by 2^n bytes.
    const intMarker = data[at];
    if (intMarker === undefined || intMarker >> 4 !== 0x1) throw new PlistShapeError('a malformed object count');
    const bytes = 1 << (intMarker & 0x0f);
    if (bytes > 8) throw new PlistShapeError('a malformed object count');
    count = uint(data, at + 1, bytes);
    at += 1 + bytes;
  }
  if (!container) {
    const bytes = leafBytes(type, marker & 0x0f, hasCount ? count : 0);
    if (hasCount && at + bytes > data.length) throw new PlistShapeError('a string or data past the end of the file');
    return { refs: [], bytes };
  }
  const n = type === 0xd ? 2 * count : count;
  if (at + n * refSize > data.length) throw new PlistShapeError('references past the end of the file');
  const refs = new Array<number>(n);
  for (let i = 0; i < n; i++) refs[i] = uint(data, at + i * refSize, refSize);
  return { refs, bytes: n * refSize };
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
  /** Expanded values per object: 0 not yet known, -1 on the current path (a cycle if met again). */
  const size = new Float64Array(count);
  /** Expanded bytes per object, known once its size is. */
  const weight = new Float64Array(count);
  const stack: { obj: number; refs: number[]; next: number; total: number; bytes: number }[] = [];
  const within = (values: number, bytes: number) => {
    if (values > bounds.maxNodes) throw new PlistShapeError(`expands to more than ${bounds.maxNodes} values`);
    if (bytes > bounds.maxBytes) throw new PlistShapeError(`expands to more than ${bounds.maxBytes} bytes`);
  };
  const enter = (obj: number) => {
    if (obj >= count) throw new PlistShapeError('a reference to an object that does not exist');
    if (stack.length >= bounds.maxDepth) throw new PlistShapeError(`nested deeper than ${bounds.maxDepth}`);
    size[obj] = -1;
    const { refs, bytes } = objectAt(data, offsetOf(obj), refSize);
    stack.push({ obj, refs, next: 0, total: 1, bytes });
  };
  enter(top);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next < frame.refs.length) {
      const child = frame.refs[frame.next++]!;
      if (child >= count) throw new PlistShapeError('a reference to an object that does not exist');
      if (size[child] === -1) throw new PlistShapeError('a reference cycle');
      if (size[child] === 0) enter(child);
      else {
        frame.total += size[child]!;
        frame.bytes += weight[child]!;
      }
    } else {
      stack.pop();
      within(frame.total, frame.bytes);
      size[frame.obj] = frame.total;
      weight[frame.obj] = frame.bytes;
      if (stack.length > 0) {
        stack[stack.length - 1]!.total += frame.total;
        stack[stack.length - 1]!.bytes += frame.bytes;
      }
    }
    if (stack.length > 0) within(stack[stack.length - 1]!.total, stack[stack.length - 1]!.bytes);
  }
}
