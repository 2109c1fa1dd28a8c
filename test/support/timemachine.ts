/**
 * Builds Time Machine bundles the way a Mac leaves them on an SMB share: `Info.plist`,
 * `com.apple.TimeMachine.MachineID.plist`, optionally `com.apple.TimeMachine.SnapshotHistory.plist`, and `bands/`
 * with fixed-size band files whose mtimes the test sets. The plists are written by Python's plistlib (XML or
 * binary, the encoder CPython ships), not by the library the helper parses them with.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinaries } from './require.js';

/** A plist value; `Date`s become `<date>`. */
export type PlistInput = string | number | boolean | Date | PlistInput[] | { [key: string]: PlistInput };

const PY = `
import json, plistlib, sys, datetime
def conv(v):
    if isinstance(v, dict):
        if set(v) == {"$date"}:
            d = datetime.datetime.fromisoformat(v["$date"].replace("Z", "+00:00"))
            return d.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return {k: conv(x) for k, x in v.items()}
    if isinstance(v, list):
        return [conv(x) for x in v]
    return v
spec = json.load(sys.stdin)
fmt = plistlib.FMT_BINARY if spec["format"] == "binary" else plistlib.FMT_XML
sys.stdout.buffer.write(plistlib.dumps(conv(spec["value"]), fmt=fmt, sort_keys=True))
`;

function toJson(v: PlistInput): unknown {
  if (v instanceof Date) return { $date: v.toISOString() };
  if (Array.isArray(v)) return v.map(toJson);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  return v;
}

/** Encodes a plist with python3's plistlib. */
export function encodePlist(value: PlistInput, format: 'xml' | 'binary'): Buffer {
  requireBinaries('/usr/bin/python3');
  return execFileSync('/usr/bin/python3', ['-c', PY], { input: JSON.stringify({ format, value: toJson(value) }) });
}

/** What a test bundle holds. */
export interface BundleSpec {
  /** The Mac's computer name; the folder is NAME.sparsebundle or NAME.backupbundle. */
  name: string;
  kind?: 'sparsebundle' | 'backupbundle';
  /** A per-user folder inside the share (a per-user Time Machine share), or the share's root. */
  owner?: string;
  format?: 'xml' | 'binary';
  hostUuid?: string;
  model?: string;
  /** MachineID.plist's VerificationState (1 passed, 2 failed); left out when undefined. */
  verificationState?: number;
  verificationDate?: Date;
  /** "Back Up Later" was chosen on the failed-verification dialog. */
  recoveryDeclined?: Date;
  /** Completion dates for SnapshotHistory.plist; no file when undefined (macOS before Big Sur). */
  completions?: Date[];
  /** Band files: name, size in bytes, mtime. */
  bands?: { name: string; bytes: number; mtime: Date }[];
  /** Leave MachineID.plist out. */
  noMachineId?: boolean;
}

/** Builds a bundle under shareRoot; returns its folder. */
export function buildBundle(shareRoot: string, spec: BundleSpec): string {
  const kind = spec.kind ?? 'backupbundle';
  const format = spec.format ?? 'xml';
  const dir = join(shareRoot, ...(spec.owner ? [spec.owner] : []), `${spec.name}.${kind}`);
  mkdirSync(join(dir, 'bands'), { recursive: true });
  const bandSize = 8 * 1024 * 1024;
  writeFileSync(
    join(dir, 'Info.plist'),
    encodePlist(
      {
        CFBundleInfoDictionaryVersion: '6.0',
        'band-size': bandSize,
        'bundle-backingstore-version': 2,
        'diskimage-bundle-type': 'com.apple.diskimage.sparsebundle',
        size: 2 * 1024 ** 4,
      },
      'xml',
    ),
  );
  if (!spec.noMachineId) {
    const id: Record<string, PlistInput> = {
      'com.apple.backupd.HostUUID': spec.hostUuid ?? '6F1C2D3E-4A5B-4C6D-8E9F-0A1B2C3D4E5F',
      VerificationExtendedSkip: false,
    };
    if (spec.model) id['com.apple.backupd.ModelID'] = spec.model;
    if (spec.verificationState !== undefined) id.VerificationState = spec.verificationState;
    if (spec.verificationDate) id.VerificationDate = spec.verificationDate;
    if (spec.recoveryDeclined) id.RecoveryBackupDeclinedDate = spec.recoveryDeclined;
    writeFileSync(join(dir, 'com.apple.TimeMachine.MachineID.plist'), encodePlist(id, format));
  }
  if (spec.completions) {
    const snapshots = spec.completions.map((d) => ({
      'com.apple.backupd.SnapshotCompletionDate': d,
      'com.apple.backupd.SnapshotName': `${d.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}.backup`,
    }));
    writeFileSync(
      join(dir, 'com.apple.TimeMachine.SnapshotHistory.plist'),
      encodePlist({ Snapshots: snapshots }, format),
    );
  }
  for (const b of spec.bands ?? []) {
    const p = join(dir, 'bands', b.name);
    writeFileSync(p, Buffer.alloc(b.bytes, 0x5a));
    utimesSync(p, b.mtime, b.mtime);
  }
  return dir;
}
