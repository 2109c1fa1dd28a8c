import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { stringReferenceBomb } from '../../test/support/plist-bombs.js';
import { parsePlist, PlistError } from './bundle.js';
import { checkBinaryPlist, PlistShapeError } from './bplist-guard.js';

/** A binary plist of `depth` arrays, each referring `fan` times to the next: tiny on disk, fan^depth values expanded. */
function referenceBomb(depth: number, fan = 2, cycle = false): Buffer {
  const objs: Buffer[] = [];
  for (let i = 0; i < depth; i++)
    objs.push(Buffer.from([0xa0 | fan, ...Array<number>(fan).fill(cycle && i === depth - 1 ? 0 : i + 1)]));
  objs.push(Buffer.from([0x10, 0x00]));
  const head = Buffer.from('bplist00');
  const offsets: number[] = [];
  let pos = head.length;
  for (const o of objs) {
    offsets.push(pos);
    pos += o.length;
  }
  const table = Buffer.alloc(offsets.length * 2);
  offsets.forEach((o, i) => table.writeUInt16BE(o, i * 2));
  const trailer = Buffer.alloc(32);
  trailer[6] = 2;
  trailer[7] = 1;
  trailer.writeBigUInt64BE(BigInt(objs.length), 8);
  trailer.writeBigUInt64BE(0n, 16);
  trailer.writeBigUInt64BE(BigInt(pos), 24);
  return Buffer.concat([head, ...objs, table, trailer]);
}

/** A binary plist as macOS writes it, from python3's plistlib. */
function macPlist(value: string): Buffer {
  return execFileSync('python3', [
    '-c',
    `import plistlib, sys, datetime; sys.stdout.buffer.write(plistlib.dumps(${value}, fmt=plistlib.FMT_BINARY))`,
  ]);
}

describe('binary plist guard', () => {
  it('passes what macOS writes, shared references included', () => {
    const snapshots =
      '{"Snapshots": [{"com.apple.backupd.SnapshotCompletionDate": datetime.datetime(2026, 11, 3), "com.apple.backupd.SnapshotName": "x"}] * 500}';
    expect(() => checkBinaryPlist(macPlist(snapshots))).not.toThrow();
    expect(parsePlist(macPlist('{"VerificationState": 1, "com.apple.backupd.HostUUID": "abc"}'))).toEqual({
      VerificationState: 1,
      'com.apple.backupd.HostUUID': 'abc',
    });
  });

  it('refuses a 224-byte reference bomb at once, before the parser would expand it to 2^40 values', () => {
    const bomb = referenceBomb(40);
    expect(bomb.length).toBeLessThan(300);
    // Without the guard the parser never returns from this (it runs out of memory after minutes).
    expect(() => parsePlist(bomb)).toThrow(/expands to more than 200000 values/);
    expect(() => checkBinaryPlist(referenceBomb(10))).not.toThrow();
  });

  it('refuses the review’s 1 MB file of 100 references to one 1 MB string (25 s and 3.4 GB to parse) by its expanded bytes', () => {
    const bomb = stringReferenceBomb(100, 1_000_000);
    expect(bomb.length).toBeLessThan(1_001_000);
    // 101 values: the count of values alone let it through.
    expect(() => checkBinaryPlist(bomb)).toThrow(/expands to more than 1048576 bytes/);
    // The same shape within the file size bound, in strings and in data: refused before the parser sees it.
    for (const type of [0x5, 0x4] as const) {
      const small = stringReferenceBomb(1000, 200_000, type);
      expect(() => checkBinaryPlist(small)).toThrow(/expands to more than 1048576 bytes/);
      expect(() => parsePlist(small)).toThrow(PlistError);
    }
    // Shared references within the bound are what plistlib writes, and pass.
    expect(() => checkBinaryPlist(stringReferenceBomb(100, 1000))).not.toThrow();
    expect(parsePlist(stringReferenceBomb(3, 4))).toEqual(['AAAA', 'AAAA', 'AAAA']);
  });

  it('refuses a string or data that claims more bytes than the file holds', () => {
    const lying = stringReferenceBomb(1, 10);
    lying.writeUInt32BE(1_000_000, 8 + 6 + 4 + 2);
    expect(() => checkBinaryPlist(lying)).toThrow(/past the end of the file/);
  });

  it('refuses a cycle, nesting deeper than the bound, and a damaged trailer or reference', () => {
    expect(() => checkBinaryPlist(referenceBomb(4, 1, true))).toThrow(/cycle/);
    expect(() => checkBinaryPlist(referenceBomb(100, 1))).toThrow(/nested deeper than 64/);
    const broken = referenceBomb(3);
    broken[broken.length - 32 + 6] = 3;
    expect(() => checkBinaryPlist(broken)).toThrow(PlistShapeError);
    const dangling = referenceBomb(3);
    dangling[9] = 40;
    expect(() => checkBinaryPlist(dangling)).toThrow(/does not exist/);
    expect(() => checkBinaryPlist(Buffer.from('bplist00'))).toThrow(/too short/);
  });
});
