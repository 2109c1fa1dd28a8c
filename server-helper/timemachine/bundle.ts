/**
 * What a Time Machine bundle says from the outside, as pure functions over its plists (XML or binary, the
 * `plist` library reads both) and its name. The files and keys are described in docs/timemachine.md.
 */
import { parse, parseBinary, type PlistValue } from 'plist';
import type { TimeMachineBundleKind, TimeMachineVerification } from '../../contract/index.js';
import { checkBinaryPlist } from './bplist-guard.js';

/** Files the helper reads inside a bundle. */
export const MACHINE_ID_PLIST = 'com.apple.TimeMachine.MachineID.plist';
export const SNAPSHOT_HISTORY_PLIST = 'com.apple.TimeMachine.SnapshotHistory.plist';

/**
 * The largest plist the helper reads. MachineID.plist is a few hundred bytes and SnapshotHistory.plist about
 * 250 bytes per snapshot (a few KB; a thousand snapshots would be 256 KB). Anyone on the time share can write
 * these files, and the `plist` library parses XML synchronously at about 2 µs a byte and 150 bytes of memory
 * per byte (8 MiB: 15 s, 1.2 GB), so the bound keeps one file's parse near 150 ms.
 */
export const MAX_PLIST_BYTES = 256 * 1024;

/** A plist that is neither XML nor binary, or not a dictionary where one is expected. */
export class PlistError extends Error {
  override readonly name = 'PlistError';
}

/** The encoding of a plist: binary ones start with `bplist`, the rest are read as XML. */
export function plistEncoding(data: Uint8Array): 'binary' | 'XML' {
  return Buffer.from(data.subarray(0, 6)).toString('latin1') === 'bplist' ? 'binary' : 'XML';
}

/**
 * Throws PlistError unless the plist is small enough to parse: at most MAX_PLIST_BYTES, and a binary one
 * expands to a bounded tree (bplist-guard.ts). Anyone on the time share can write one.
 */
export function checkPlistSize(data: Uint8Array): void {
  if (data.length > MAX_PLIST_BYTES) throw new PlistError(`larger than ${MAX_PLIST_BYTES} bytes`);
  if (plistEncoding(data) === 'binary') {
    try {
      checkBinaryPlist(data);
    } catch (err) {
      throw new PlistError(`not a property list (binary): ${(err as Error).message}`);
    }
  }
}

/** Parses a property list in either encoding, once checkPlistSize passes it. */
export function parsePlist(data: Uint8Array): PlistValue {
  checkPlistSize(data);
  const encoding = plistEncoding(data);
  try {
    return encoding === 'binary' ? parseBinary(data) : parse(Buffer.from(data).toString('utf8'));
  } catch (err) {
    throw new PlistError(`not a property list (${encoding}): ${(err as Error).message}`);
  }
}

type Dict = Record<string, PlistValue>;
const isDict = (v: PlistValue | undefined): v is Dict =>
  !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Uint8Array);
const str = (v: PlistValue | undefined): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const date = (v: PlistValue | undefined): Date | null => (v instanceof Date && !Number.isNaN(v.getTime()) ? v : null);

/** A bundle folder's name split into the Mac's name and the bundle kind; null for any other folder. */
export function bundleNameOf(folder: string): { name: string; kind: TimeMachineBundleKind } | null {
  const m = /^(.+)\.(sparsebundle|backupbundle)$/i.exec(folder);
  if (!m || m[1]!.startsWith('.')) return null;
  // Leopard and early Snow Leopard named the bundle NAME_MACADDRESS (12 hex digits, no colons).
  const name = m[1]!.replace(/_[0-9a-f]{12}$/i, '');
  return { name, kind: m[2]!.toLowerCase() as TimeMachineBundleKind };
}

/** What com.apple.TimeMachine.MachineID.plist says about the Mac and the bundle's last verification. */
export interface MachineId {
  hostUuid: string | null;
  model: string | null;
  verification: TimeMachineVerification;
  verifiedAt: Date | null;
}

/**
 * Reads MachineID.plist. `VerificationState` 1 is a verification that passed and 2 one that failed ("Time Machine
 * completed a verification of your backups. To improve reliability, Time Machine must create a new backup");
 * `RecoveryBackupDeclinedDate` is written when the person chose "Back Up Later" on that dialog, so it also means
 * failed. 0 or a missing key says nothing.
 */
export function readMachineId(doc: PlistValue): MachineId {
  if (!isDict(doc)) throw new PlistError(`${MACHINE_ID_PLIST} is not a dictionary`);
  const state = doc.VerificationState;
  const declined = date(doc.RecoveryBackupDeclinedDate) !== null;
  const verification: TimeMachineVerification = state === 2 || declined ? 'failed' : state === 1 ? 'passed' : 'unknown';
  return {
    hostUuid: str(doc['com.apple.backupd.HostUUID']),
    model: str(doc['com.apple.backupd.ModelID']),
    verification,
    verifiedAt: date(doc.VerificationDate),
  };
}

/** The newest `com.apple.backupd.SnapshotCompletionDate` in SnapshotHistory.plist; null when it lists none. */
export function lastCompletion(doc: PlistValue): Date | null {
  if (!isDict(doc)) throw new PlistError(`${SNAPSHOT_HISTORY_PLIST} is not a dictionary`);
  const snapshots = Array.isArray(doc.Snapshots) ? doc.Snapshots : [];
  let newest: Date | null = null;
  for (const s of snapshots) {
    const d = isDict(s) ? date(s['com.apple.backupd.SnapshotCompletionDate']) : null;
    if (d && (!newest || d > newest)) newest = d;
  }
  return newest;
}

/** Whether any open path is inside the bundle (pure; both sides are real absolute paths). */
export function bundleIsOpen(bundleRealPath: string, openPaths: Iterable<string>): boolean {
  const prefix = `${bundleRealPath.replace(/\/+$/, '')}/`;
  for (const p of openPaths) if (p.startsWith(prefix)) return true;
  return false;
}
