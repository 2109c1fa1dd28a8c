/** Flushes a whole filesystem to disk (`sync -f`, i.e. syncfs(2)); Node has no syncfs, and one per batch beats an fsync per file. */
import { exec } from '../../lib/exec.js';

/** Makes every write to the filesystem holding path durable (data, inodes and directory entries). */
export async function syncFilesystem(path: string, signal?: AbortSignal): Promise<void> {
  await exec('sync', ['-f', path], { timeoutMs: 600_000, signal });
}
