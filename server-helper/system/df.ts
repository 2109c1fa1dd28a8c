/** `df -B1`: size, used and available bytes and inodes of the filesystem holding a path. */
import { exec } from '../../lib/exec.js';

/** One filesystem's usage. */
export interface FsUsage {
  source: string;
  fsType: string;
  sizeBytes: number;
  usedBytes: number;
  availableBytes: number;
  inodesTotal: number | null;
  inodesUsed: number | null;
  target: string;
}

const num = (v: string | undefined) => (v === undefined || v === '-' ? null : Number(v));

/** Parses `df -B1 --output=source,fstype,size,used,avail,itotal,iused,target` (pure; first data row). */
export function parseDf(text: string): FsUsage | null {
  const row = text
    .split('\n')
    .slice(1)
    .find((l) => l.trim() !== '');
  if (!row) return null;
  const f = row.trim().split(/\s+/);
  if (f.length < 8) return null;
  const target = f.slice(7).join(' ');
  return {
    source: f[0]!,
    fsType: f[1]!,
    sizeBytes: num(f[2]) ?? 0,
    usedBytes: num(f[3]) ?? 0,
    availableBytes: num(f[4]) ?? 0,
    inodesTotal: num(f[5]),
    inodesUsed: num(f[6]),
    target,
  };
}

/** Usage of the filesystem that holds path. */
export async function fsUsage(path: string): Promise<FsUsage | null> {
  const r = await exec('df', ['-B1', '--output=source,fstype,size,used,avail,itotal,iused,target', '--', path], {
    timeoutMs: 15_000,
  });
  return parseDf(r.stdout);
}
