/**
 * A pure parser for the helper's event stream (text/event-stream), for readers that use fetch() and a
 * ReadableStream because EventSource cannot send an Authorization header (the dashboard, the client core).
 */
import { FtsEvent } from './events.js';

/** One parsed frame: its id, event name and data (null fields when absent). */
export interface SseFrame {
  id: string | null;
  event: string | null;
  data: string;
  /** Set instead of the rest for a comment, when the parser was asked for comments. */
  comment?: string;
}

/**
 * After the replay of what a client missed, the helper writes this comment with the id of the newest event it has
 * (`: ready 1234`). A comment is invisible to every SSE reader that does not look for it; the tray reads it to tell
 * replayed events from live ones (a first launch notifies nothing from before it started) and to see that the
 * helper's newest id is older than its own (a reinstalled helper: resume from the start of its retention).
 */
export function readyComment(lastEventId: number): string {
  return `: ready ${lastEventId}\n\n`;
}

/** The newest event id in a `ready` comment's text (`ready 1234`), or null for any other comment. */
export function parseReadyComment(comment: string): number | null {
  const m = /^ ?ready (\d{1,15})$/.exec(comment);
  return m ? Number(m[1]) : null;
}

/** Feeds text chunks in, gets complete frames out; keeps a partial frame between chunks. */
export class SseParser {
  private buffer = '';
  /** A chunk's trailing CR waits for the next chunk: it may be the first half of a CRLF. */
  private pendingCr = false;

  /** With `comments`, each comment comes out as a frame `{ comment }`, in stream order with the others. */
  constructor(private readonly opts: { comments?: boolean } = {}) {}

  /** Adds a chunk and returns the frames it completed. Comments (`: heartbeat`) and `retry:` lines are dropped. */
  push(chunk: string): SseFrame[] {
    let text = (this.pendingCr ? '\r' : '') + chunk;
    this.pendingCr = text.endsWith('\r');
    if (this.pendingCr) text = text.slice(0, -1);
    this.buffer += text.replace(/\r\n?/g, '\n');
    const frames: SseFrame[] = [];
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) !== -1) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let id: string | null = null;
      let event: string | null = null;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':') && this.opts.comments)
          frames.push({ id: null, event: null, data: '', comment: line.slice(1) });
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') id = value;
        else if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) frames.push({ id, event, data: data.join('\n') });
    }
    return frames;
  }
}

/** Parses a frame's data as an FtsEvent; null for anything the contract does not know (a newer helper). */
export function eventFromFrame(frame: SseFrame): FtsEvent | null {
  try {
    const parsed = FtsEvent.safeParse(JSON.parse(frame.data));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Reads the event stream with fetch until `signal` aborts, calling `onEvent` for each event. Resolves with the
 * last event id seen when the stream ends (the caller reconnects with `Last-Event-ID`).
 */
export async function readEventStream(
  fetchFn: typeof fetch,
  url: string,
  opts: { token: string; lastEventId?: number; signal?: AbortSignal; onEvent(e: FtsEvent): void; onOpen?(): void },
): Promise<number> {
  const headers: Record<string, string> = { authorization: `Bearer ${opts.token}`, accept: 'text/event-stream' };
  if (opts.lastEventId) headers['last-event-id'] = String(opts.lastEventId);
  const res = await fetchFn(url, { headers, signal: opts.signal, cache: 'no-store' });
  if (!res.ok || !res.body) throw new Error(`event stream: HTTP ${res.status}`);
  opts.onOpen?.();
  let last = opts.lastEventId ?? 0;
  const parser = new SseParser();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return last;
    for (const frame of parser.push(value)) {
      const e = eventFromFrame(frame);
      if (!e) continue;
      last = Math.max(last, e.id);
      opts.onEvent(e);
    }
  }
}
