/**
 * Flushes a whole filesystem to disk (syncfs(2), through fts-native: Node has none); one per batch beats an
 * fsync per file. Linux reports a write-back error to the file descriptors open when it happened, so a mover
 * opens its handle before it writes and syncs through that one: a descriptor opened only to sync could miss
 * an error that someone else's sync saw first.
 */
import { closeSync, openSync } from 'node:fs';
import { syncfs } from '../native/index.mjs';

/** An open handle on one filesystem, to sync everything written to it since the handle was opened. */
export class FilesystemSync {
  private readonly fd: number;

  constructor(private readonly path: string) {
    this.fd = openSync(path, 'r');
  }

  /** Makes every write to the filesystem durable; rejects on a write-back error since the handle was opened. */
  async sync(signal?: AbortSignal): Promise<void> {
    // syncfs cannot be interrupted once started; an abort before it is honoured.
    signal?.throwIfAborted();
    await syncfs(this.fd, this.path);
  }

  /** Closes the handle. */
  close(): void {
    closeSync(this.fd);
  }
}

/** Makes every write to the filesystem holding path durable (for writes made before it was called, prefer a FilesystemSync opened first). */
export async function syncFilesystem(path: string, signal?: AbortSignal): Promise<void> {
  const handle = new FilesystemSync(path);
  try {
    await handle.sync(signal);
  } finally {
    handle.close();
  }
}
