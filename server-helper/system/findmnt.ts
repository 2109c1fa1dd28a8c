/** `findmnt --json`: what is mounted where, with the filesystem's type, UUID and label. */
import { exec, ExecError } from '../../lib/exec.js';

/** One mounted filesystem. */
export interface MountInfo {
  source: string;
  target: string;
  fsType: string;
  uuid: string | null;
  label: string | null;
  options: string;
}

const COLUMNS = 'SOURCE,TARGET,FSTYPE,UUID,LABEL,OPTIONS';
const s = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);

/** Parses `findmnt --json -o SOURCE,TARGET,FSTYPE,UUID,LABEL,OPTIONS` (pure; nested children flattened). */
export function parseFindmntJson(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  const walk = (list: unknown) => {
    if (!Array.isArray(list)) return;
    for (const raw of list as Record<string, unknown>[]) {
      out.push({
        source: s(raw.source) ?? '',
        target: s(raw.target) ?? '',
        fsType: s(raw.fstype) ?? '',
        uuid: s(raw.uuid),
        label: s(raw.label),
        options: s(raw.options) ?? '',
      });
      walk(raw.children);
    }
  };
  walk((JSON.parse(text) as { filesystems?: unknown }).filesystems);
  return out;
}

async function findmnt(args: string[]): Promise<MountInfo[]> {
  try {
    const r = await exec('findmnt', ['--json', '-b', '-o', COLUMNS, ...args], { timeoutMs: 15_000 });
    return parseFindmntJson(r.stdout);
  } catch (err) {
    // findmnt exits 1 when nothing matches.
    if (err instanceof ExecError && err.failure === 'exit' && err.exitCode === 1) return [];
    throw err;
  }
}

/** The filesystem mounted exactly at mountPoint (the last one, if stacked), or null. */
export async function findMountAt(mountPoint: string): Promise<MountInfo | null> {
  return (await findmnt(['--mountpoint', mountPoint])).at(-1) ?? null;
}

/** Every mount of a device (empty when it is not mounted). */
export async function findMountsOf(device: string): Promise<MountInfo[]> {
  return findmnt(['--source', device]);
}
