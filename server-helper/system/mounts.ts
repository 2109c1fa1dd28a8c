/** What is mounted where: `findmnt --json` and `blkid` parsed into plain records (the drive check of graduation and backup). */
import { exec, ExecError } from '../../lib/exec.js';

/** One mounted filesystem. */
export interface MountInfo {
  target: string;
  source: string;
  fstype: string;
  uuid: string | null;
  label: string | null;
}

interface FindmntFs {
  target?: string;
  source?: string;
  fstype?: string;
  uuid?: string | null;
  label?: string | null;
  children?: FindmntFs[];
}

/** Parses `findmnt --json` output (nested `children` flattened); throws on text that is not findmnt JSON. */
export function parseFindmnt(text: string): MountInfo[] {
  const doc = JSON.parse(text) as { filesystems?: FindmntFs[] };
  if (!doc || !Array.isArray(doc.filesystems)) throw new Error('findmnt output has no "filesystems" array');
  const out: MountInfo[] = [];
  const visit = (fs: FindmntFs) => {
    if (typeof fs.target === 'string') {
      out.push({ target: fs.target, source: fs.source ?? '', fstype: fs.fstype ?? '', uuid: fs.uuid || null, label: fs.label || null });
    }
    for (const c of fs.children ?? []) visit(c);
  };
  doc.filesystems.forEach(visit);
  return out;
}

/** Parses `blkid -o export DEVICE` (KEY=value lines) into uuid, label and type. */
export function parseBlkidExport(text: string): { uuid: string | null; label: string | null; type: string | null } {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv.set(line.slice(0, i), line.slice(i + 1));
  }
  return { uuid: kv.get('UUID') ?? null, label: kv.get('LABEL') ?? null, type: kv.get('TYPE') ?? null };
}

/** The filesystem that holds path (its mount), with uuid/label filled from blkid when findmnt lacks them (no udev). */
export async function mountOf(path: string, signal?: AbortSignal): Promise<MountInfo> {
  const r = await exec('findmnt', ['--json', '-o', 'TARGET,SOURCE,FSTYPE,UUID,LABEL', '-T', path], { timeoutMs: 10_000, signal });
  const m = parseFindmnt(r.stdout)[0];
  if (!m) throw new Error(`findmnt found no filesystem for ${path}`);
  if ((m.uuid === null || m.label === null) && m.source.startsWith('/dev/')) {
    try {
      const b = parseBlkidExport((await exec('blkid', ['-o', 'export', m.source], { timeoutMs: 10_000, signal })).stdout);
      return { ...m, uuid: m.uuid ?? b.uuid, label: m.label ?? b.label };
    } catch (err) {
      // blkid exits 2 when the device has no recognisable filesystem; findmnt's answer stands.
      if (!(err instanceof ExecError)) throw err;
    }
  }
  return m;
}
