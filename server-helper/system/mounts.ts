/** The filesystem that holds a path, for the drive check before data moves (findmnt -T, then blkid when udev is absent). */
import { exec, ExecError } from '../../lib/exec.js';
import { parseBlkidExport } from './blkid.js';
import { parseFindmntJson, type MountInfo } from './findmnt.js';

/** The mount that holds path, with uuid/label filled from blkid when findmnt lacks them (no udev). */
export async function mountOf(path: string, signal?: AbortSignal): Promise<MountInfo> {
  const r = await exec('findmnt', ['--json', '-o', 'SOURCE,TARGET,FSTYPE,UUID,LABEL,OPTIONS', '-T', path], {
    timeoutMs: 10_000,
    signal,
  });
  const m = parseFindmntJson(r.stdout)[0];
  if (!m) throw new Error(`findmnt found no filesystem for ${path}`);
  if ((m.uuid === null || m.label === null) && m.source.startsWith('/dev/')) {
    try {
      const b = parseBlkidExport(
        (await exec('blkid', ['-o', 'export', m.source], { timeoutMs: 10_000, signal })).stdout,
      );
      return { ...m, uuid: m.uuid ?? b.UUID ?? null, label: m.label ?? b.LABEL ?? null };
    } catch (err) {
      // blkid exits 2 when the device has no recognisable filesystem; findmnt's answer stands.
      if (!(err instanceof ExecError)) throw err;
    }
  }
  return m;
}
