/** Flushes a whole filesystem to disk (syncfs(2), through fts-native: Node has none); one per batch beats an fsync per file. */
import { syncfs } from '../native/index.mjs';

/** Makes every write to the filesystem holding path durable (data, inodes and directory entries). */
export async function syncFilesystem(path: string, signal?: AbortSignal): Promise<void> {
  // syncfs cannot be interrupted once started; an abort before it is honoured.
  signal?.throwIfAborted();
  await syncfs(path);
}
