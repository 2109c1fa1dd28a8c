/** Is a mounted share usable? Its root must list within a time limit (a dead server makes a read fail or hang). */
import { readdir } from 'node:fs/promises';

// A read of a dead network mount can hang in libuv's thread pool; one pending read per path at most, so a hung
// mount costs one thread however often it is checked.
const pending = new Map<string, Promise<boolean>>();

/** True when `path` lists within `timeoutMs`; false when it fails or takes longer. */
export function readableWithin(path: string, timeoutMs: number): Promise<boolean> {
  let read = pending.get(path);
  if (!read) {
    read = readdir(path).then(
      () => true,
      () => false,
    );
    pending.set(path, read);
    void read.finally(() => pending.delete(path));
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
  });
  return Promise.race([read, late]).finally(() => clearTimeout(timer));
}

/**
 * Waits until `path` lists, polling, up to `timeoutMs`; true when it did. gvfs answers EIO for about 1.5 s on a
 * share mounted again soon after it was unmounted (its FUSE view of the mount lags): a share is reported mounted
 * only once a person could open it.
 */
export async function untilReadable(path: string, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await readableWithin(path, Math.max(1, Math.min(2000, deadline - Date.now())))) return true;
    if (Date.now() + intervalMs > deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
