/** A Server-Sent Events parser: bytes in, `{id, event, data}` out (pure; fed chunk by chunk). */

/** One dispatched event. */
export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

/** Incremental parser following the WHATWG event-stream rules (comments ignored, `retry:` reported). */
export class SseParser {
  private buf = '';
  private data: string[] = [];
  private event = '';
  private id: string | null = null;
  /** The last `retry:` value the server sent. */
  retryMs: number | null = null;

  /** Feeds text; returns the events completed by it. */
  push(chunk: string): SseMessage[] {
    this.buf += chunk;
    const out: SseMessage[] = [];
    let i: number;
    while ((i = this.buf.search(/\r\n|\n|\r/)) >= 0) {
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + (this.buf.startsWith('\r\n', i) ? 2 : 1));
      if (line === '') {
        if (this.data.length) out.push({ id: this.id, event: this.event || 'message', data: this.data.join('\n') });
        this.data = [];
        this.event = '';
        continue;
      }
      if (line.startsWith(':')) continue;
      const c = line.indexOf(':');
      const field = c < 0 ? line : line.slice(0, c);
      const value = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
      if (field === 'data') this.data.push(value);
      else if (field === 'event') this.event = value;
      else if (field === 'id' && !value.includes('\0')) this.id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    }
    return out;
  }
}
