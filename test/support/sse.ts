/** A minimal SSE reader for tests: collects frames from a fetch stream. */

/** One parsed frame. */
export interface Frame {
  id: number | null;
  event: string | null;
  data: string;
}

/** Opens the stream and calls onFrame per frame (and onComment per comment) until abort. */
export async function readSse(
  url: string,
  init: RequestInit,
  onFrame: (f: Frame) => void,
  onComment?: (c: string) => void,
): Promise<Response> {
  const res = await fetch(url, init);
  if (!res.body) return res;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += value;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const f: Frame = { id: null, event: null, data: '' };
          let isFrame = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) onComment?.(line.slice(1).trim());
            else if (line.startsWith('id: ')) {
              f.id = Number(line.slice(4));
              isFrame = true;
            } else if (line.startsWith('event: ')) f.event = line.slice(7);
            else if (line.startsWith('data: ')) {
              f.data += line.slice(6);
              isFrame = true;
            }
          }
          if (isFrame) onFrame(f);
        }
      }
    } catch {
      // aborted
    }
  })();
  return res;
}

/** Waits until check() is true, polling; throws after timeoutMs with the message. */
export async function waitFor(check: () => boolean, timeoutMs: number, message: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out: ${message}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
