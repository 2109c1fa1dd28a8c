// Worker of plist-parser.ts: parses the plists it is sent (already size-checked on the main thread) and posts
// each value or error back, so a slow or greedy parse costs this thread, never the daemon's event loop.
import { parentPort } from 'node:worker_threads';
import { parse, parseBinary } from 'plist';

parentPort.on('message', ({ id, data, binary }) => {
  try {
    const value = binary ? parseBinary(Buffer.from(data)) : parse(Buffer.from(data).toString('utf8'));
    parentPort.postMessage({ id, value });
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
