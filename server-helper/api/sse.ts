/** `GET /api/v1/events`: Server-Sent Events with replay from `Last-Event-ID` and heartbeat comments. */
import type { FastifyInstance } from 'fastify';
import type { FtsEvent } from '../../contract/index.js';
import { readyComment } from '../../contract/sse.js';
import type { AppContext } from './context.js';

/** Formats one event as an SSE frame. */
export function sseFrame(e: FtsEvent): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

/** Reads the resume point: the `Last-Event-ID` header, else `?since=`. */
export function resumeId(header: string | string[] | undefined, since: unknown): number {
  const raw = Array.isArray(header) ? header[0] : (header ?? (typeof since === 'string' ? since : undefined));
  const n = raw !== undefined && /^\d{1,15}$/.test(raw.trim()) ? Number(raw) : 0;
  return n;
}

/** Keeps the set of open streams and writes each event once, serialised once, to all of them. */
export class SseHub {
  private readonly streams = new Set<NodeJS.WritableStream & { writableLength: number; destroy(): void }>();
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;
  /** How long the last event took to hand to every stream, in ms (the helper's share of fan-out latency). */
  lastBroadcastMs = 0;

  constructor(ctx: AppContext) {
    this.unsubscribe = ctx.bus.subscribe((e) => {
      const t0 = performance.now();
      this.broadcast(sseFrame(e));
      this.lastBroadcastMs = performance.now() - t0;
    });
    this.heartbeat = setInterval(() => this.broadcast(': heartbeat\n\n'), ctx.sseHeartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  /** Open streams now. */
  get size(): number {
    return this.streams.size;
  }

  add(stream: NodeJS.WritableStream & { writableLength: number; destroy(): void }): void {
    this.streams.add(stream);
  }

  remove(stream: NodeJS.WritableStream & { writableLength: number; destroy(): void }): void {
    this.streams.delete(stream);
  }

  private broadcast(text: string): void {
    // Encode once: thousands of sockets share one buffer instead of each re-encoding the string.
    const frame = Buffer.from(text, 'utf8');
    for (const s of this.streams) {
      // A client that stopped reading (8 MiB queued) is dropped; it reconnects and replays from its last id.
      if (s.writableLength > 8 * 1024 * 1024) {
        this.streams.delete(s);
        s.destroy();
        continue;
      }
      s.write(frame);
    }
  }

  close(): void {
    this.unsubscribe();
    clearInterval(this.heartbeat);
    for (const s of this.streams) s.end();
    this.streams.clear();
  }
}

/** Registers the events stream. */
export function registerSse(app: FastifyInstance, ctx: AppContext, hub: SseHub): void {
  app.get('/api/v1/events', { config: { role: 'client' } }, (req, reply) => {
    const from = resumeId(req.headers['last-event-id'], (req.query as Record<string, unknown>).since);
    reply.hijack();
    // The stream is written to the socket itself: with thousands of clients, http's per-write chunk framing
    // costs more than the events. The body then ends when the connection closes, which SSE expects.
    const res = req.raw.socket;
    res.setNoDelay(true);
    res.setTimeout(0);
    res.write(
      'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\ncache-control: no-store\r\n' +
        'connection: close\r\nx-accel-buffering: no\r\n\r\n',
    );
    res.write('retry: 2000\n\n');
    // Deliver anything stored but not yet pushed, then replay what this client missed and join the live stream
    // in the same tick, so no event falls between replay and subscription.
    ctx.bus.deliverPending();
    let cursor = from;
    const upTo = ctx.bus.lastDeliveredId();
    while (cursor < upTo) {
      const batch = ctx.store.events.since(cursor, 1000);
      if (batch.length === 0) break;
      for (const e of batch) {
        if (e.id > upTo) break;
        res.write(sseFrame(e));
        cursor = e.id;
      }
    }
    // The replay ends here: clients tell replayed events from live ones, and see a helper older than their cursor.
    res.write(readyComment(upTo));
    hub.add(res);
    const done = () => hub.remove(res);
    res.on('close', done);
    res.on('error', done);
  });
}
