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

/** A plist that is neither XML nor binary, or not a dictionary where one is expected. */
export class PlistError extends Error {
  override readonly name = 'PlistError';
}

/**
 * Parses a property list in either encoding: binary ones start with `bplist`, the rest are read as XML. A binary
 * one is first checked to expand to a bounded tree (bplist-guard.ts): anyone on the time share can write one.
 */
export function parsePlist(data: Uint8Array): PlistValue {
  const head = Buffer.from(data.subarray(0, 6)).toString('latin1');
  try {
    if (head === 'bplist') checkBinaryPlist(data);
    return head === 'bplist' ? parseBinary(data) : parse(Buffer.from(data).toString('utf8'));
  } catch (err) {
    throw new PlistError(`not a property list (${head === 'bplist' ? 'binary' : 'XML'}): ${(err as Error).message}`);
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
