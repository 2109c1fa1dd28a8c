/** `blkid`: what a block device holds (filesystem type, UUID, label, partition table), read from the device itself. */
import { exec, ExecError } from '../../lib/exec.js';

/** Parses `blkid -o export` (pure): KEY=value lines. */
export function parseBlkidExport(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

/** Low-level probe of a device (`blkid -p`, bypassing the cache); null when it holds nothing blkid recognises. */
export async function probeDevice(device: string): Promise<Record<string, string> | null> {
  try {
    const r = await exec('blkid', ['-p', '-o', 'export', '--', device], { timeoutMs: 15_000 });
    return parseBlkidExport(r.stdout);
  } catch (err) {
    // Exit 2: nothing found on the device.
    if (err instanceof ExecError && err.failure === 'exit' && err.exitCode === 2) return null;
    throw err;
  }
}
