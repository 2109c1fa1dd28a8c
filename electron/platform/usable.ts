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
