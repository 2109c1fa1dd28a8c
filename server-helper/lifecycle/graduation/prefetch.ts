/** Read-ahead for a batch of small files: worker threads pull the next files into the page cache while the copy runs. */
import { Worker } from 'node:worker_threads';

/** Starts reading paths in `workers` threads (interleaved); `stop()` ends them. Errors are ignored: it is only a hint. */
export function prefetch(paths: readonly string[], workers = 2): { stop: () => Promise<void> } {
  if (paths.length < 64) return { stop: async () => {} };
  const threads = Array.from({ length: workers }, (_, k) => {
    // No execArgv: the worker is plain JavaScript and needs none of the parent's loaders (tsx would compile itself again).
    const w = new Worker(new URL('./prefetch-worker.mjs', import.meta.url), { execArgv: [] });
    w.on('error', () => {});
    w.postMessage(paths.filter((_, i) => i % workers === k));
    return w;
  });
  return { stop: async () => void (await Promise.all(threads.map((t) => t.terminate()))) };
}
