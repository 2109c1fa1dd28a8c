/**
 * `GET /api/v1/events`: Server-Sent Events with replay from `Last-Event-ID` and heartbeat comments.
 *
 * One client must not be able to starve the others or the helper's memory: a token holds at most
 * `api.sseStreamsPerToken` streams (more get 429); replay reaches back no further than the retention window and
 * is written only as fast as the reader takes it (it waits for `drain`, and a reader that takes nothing for
 * `api.sseStallTimeout` is dropped); a live stream whose reader leaves `api.sseMaxBufferedBytes` unread is dropped.
 * A dropped client reconnects with its last id and loses nothing the store still holds.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { parseDuration, parseSize, type ApiError, type FtsEvent } from '../../contract/index.js';
import { readyComment } from '../../contract/sse.js';
import { ClientViews, type ClientView } from './client-view.js';
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

/** How much one stream may hold of the helper. */
export interface SseLimits {
  /** Open streams per token; one more is refused with 429. */
  streamsPerToken: number;
  /** Bytes a live stream may leave unread before it is dropped. */
  maxBufferedBytes: number;
  /** How long a replay waits for its reader to take anything before the stream is dropped. */
  stallTimeoutMs: number;
  /** The most events a replay sends: the store's retention window. */
  replayWindow: number;
}

/** The limits the config sets. */
export function sseLimitsOf(ctx: AppContext): SseLimits {
  return {
    streamsPerToken: ctx.config.api.sseStreamsPerToken,
    maxBufferedBytes: parseSize(ctx.config.api.sseMaxBufferedBytes)!,
    stallTimeoutMs: parseDuration(ctx.config.api.sseStallTimeout)!,
    replayWindow: ctx.config.store.eventRetention,
  };
}

/** Events per replay step; small, so a replay holds little beyond the socket's own buffer. */
const REPLAY_BATCH = 100;

/**
 * Recent frames by event id, shared by every replay: when many clients replay the same events (a reconnect storm
 * after a restart), each frame is read from the store and serialised once, not once per client. Bounded in bytes;
 * the oldest entries go first.
 */
export class FrameCache {
  private readonly frames = new Map<number, string>();
  private bytes = 0;

  constructor(private readonly maxBytes = 16 * 2 ** 20) {}

  /** The frame of event id, if cached. */
  get(id: number): string | undefined {
    return this.frames.get(id);
  }

  /** Keeps an event's frame, evicting the oldest entries beyond the byte limit. */
  put(id: number, frame: string): void {
    if (this.frames.has(id)) return;
    this.frames.set(id, frame);
    this.bytes += frame.length;
    for (const [old, f] of this.frames) {
      if (this.bytes <= this.maxBytes) break;
      this.frames.delete(old);
      this.bytes -= f.length;
    }
  }
}

/**
 * Keeps the open streams and writes each live event once, serialised once, to all that have caught up: once for
 * every admin stream, and once per client view (client-view.ts) for the client streams that share it.
 */
export class SseHub {
  /** Streams that have caught up and receive live events, with the view of a client token's (null: an admin's). */
  private readonly live = new Map<Socket, ClientView | null>();
  private readonly openPerToken = new Map<string, number>();
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;
  private replayingCount = 0;
  private waitingCount = 0;
  /** How long the last event took to hand to every stream, in ms (the helper's share of fan-out latency). */
  lastBroadcastMs = 0;
  /** Streams dropped because their reader did not read. */
  dropped = 0;
  /** Frames of recent events, for replays. */
  readonly frames = new FrameCache();
  /** What each client token's streams may hear. */
  readonly views: ClientViews;

  constructor(
    ctx: AppContext,
    readonly limits: SseLimits = sseLimitsOf(ctx),
  ) {
    this.views = new ClientViews(ctx);
    this.unsubscribe = ctx.bus.subscribe((e) => {
      const t0 = performance.now();
      const frame = sseFrame(e);
      this.frames.put(e.id, frame);
      this.broadcast(frame, e);
      this.lastBroadcastMs = performance.now() - t0;
    });
    this.heartbeat = setInterval(() => this.broadcast(': heartbeat\n\n'), ctx.sseHeartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  /** Open streams now, replaying or live. */
  get size(): number {
    let n = 0;
    for (const v of this.openPerToken.values()) n += v;
    return n;
  }

  /** Streams still replaying what their client missed. */
  get replaying(): number {
    return this.replayingCount;
  }

  /** Replaying streams waiting for their reader to take what was sent. */
  get waiting(): number {
    return this.waitingCount;
  }

  /** Counts a new stream for a token; false when the token already holds its limit. */
  open(token: string): boolean {
    const n = this.openPerToken.get(token) ?? 0;
    if (n >= this.limits.streamsPerToken) return false;
    this.openPerToken.set(token, n + 1);
    return true;
  }

  /** Forgets a stream that closed. */
  close(token: string, stream: Socket): void {
    this.live.delete(stream);
    const n = (this.openPerToken.get(token) ?? 1) - 1;
    if (n > 0) this.openPerToken.set(token, n);
    else this.openPerToken.delete(token);
  }

  /** Adds a stream that has caught up to the live set, with its client view (null: an admin's stream). */
  join(stream: Socket, view: ClientView | null = null): void {
    if (!stream.destroyed) this.live.set(stream, view);
  }

  /** Marks the start and end of a replay, and its waits for a slow reader (for metrics and tests). */
  track(what: 'replaying' | 'waiting', delta: 1 | -1): void {
    if (what === 'replaying') this.replayingCount += delta;
    else this.waitingCount += delta;
  }

  /** Drops a stream whose reader does not read. */
  drop(stream: Socket): void {
    this.live.delete(stream);
    this.dropped++;
    stream.destroy();
  }

  /** Writes a frame (an event's, given with it, or a comment) to every live stream: a client view's own when it has one. */
  private broadcast(text: string, event?: FtsEvent): void {
    // Encode once: thousands of sockets share one buffer instead of each re-encoding the string; a client view's
    // frame is made once for all the streams of that view.
    const frame = Buffer.from(text, 'utf8');
    const perView = new Map<string, Buffer | null>();
    const frameOf = (view: ClientView): Buffer | null => {
      let f = perView.get(view.key);
      if (f === undefined) {
        let seen: FtsEvent | null = null;
        try {
          seen = view.event(event!);
        } catch {
          // What the view cannot judge it does not send; the other streams still get the event.
          seen = null;
        }
        f = seen === null ? null : seen === event ? frame : Buffer.from(sseFrame(seen), 'utf8');
        perView.set(view.key, f);
      }
      return f;
    };
    for (const [s, view] of this.live) {
      if (s.writableLength > this.limits.maxBufferedBytes) {
        this.drop(s);
        continue;
      }
      const f = view && event ? frameOf(view) : frame;
      if (f) s.write(f);
    }
  }

  /** Ends every stream and stops listening. */
  shutdown(): void {
    this.unsubscribe();
    clearInterval(this.heartbeat);
    for (const s of this.live.keys()) s.end();
    this.live.clear();
  }
}

/** Resolves true when the socket drained, false when it closed or its reader took nothing for timeoutMs. */
function drained(socket: Socket, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('drain', onDrain);
    socket.on('close', onClose);
  });
}

/**
 * Sends what the client missed, from `from` but no further back than the replay window, as fast as the reader
 * takes it; then joins the live stream in the same turn of the event loop as the last check, so no event falls
 * between replay and live.
 */
export async function replayThenJoin(
  socket: Socket,
  from: number,
  ctx: AppContext,
  hub: SseHub,
  view: ClientView | null = null,
): Promise<void> {
  hub.track('replaying', 1);
  try {
    // Deliver anything stored but not yet pushed, so `upTo` is current; live streams get it, this one replays it.
    ctx.bus.deliverPending();
    let cursor = Math.max(from, ctx.bus.lastDeliveredId() - hub.limits.replayWindow);
    // The replay ends with `: ready <newest id>` in the same tick as the join, so a client tells replayed events
    // from live ones, and sees a helper whose newest id is older than its cursor (a reinstalled helper).
    const goLive = (upTo: number) => {
      socket.write(readyComment(upTo));
      return hub.join(socket, view);
    };
    for (;;) {
      if (socket.destroyed) return;
      ctx.bus.deliverPending();
      const upTo = ctx.bus.lastDeliveredId();
      if (cursor >= upTo) return goLive(upTo);
      // One write per step: a replay of thousands of events is then a few hundred system calls, not thousands.
      let text = '';
      let n = 0;
      if (view) {
        // A client's replay: each event as its view has it (not the shared frames, which are an admin's).
        const batch = ctx.store.events.since(cursor, REPLAY_BATCH);
        const before = cursor;
        for (const e of batch) {
          if (e.id > upTo) break;
          const seen = view.event(e);
          if (seen) text += sseFrame(seen);
          cursor = e.id;
        }
        // Nothing stored after the cursor up to the newest delivered: what was missed has been trimmed away.
        if (cursor === before) return goLive(upTo);
        if (text === '') continue;
      }
      for (
        let f = view ? undefined : hub.frames.get(cursor + 1);
        f !== undefined && n < REPLAY_BATCH && cursor < upTo;
        f = hub.frames.get(cursor + 1)
      ) {
        text += f;
        cursor++;
        n++;
      }
      if (n === 0 && !view) {
        const batch = ctx.store.events.since(cursor, REPLAY_BATCH);
        // Nothing stored after the cursor: what was missed has been trimmed away; go live.
        if (batch.length === 0) return goLive(upTo);
        for (const e of batch) {
          if (e.id > upTo) break;
          const frame = sseFrame(e);
          hub.frames.put(e.id, frame);
          text += frame;
          cursor = e.id;
        }
      }
      const room = socket.write(text);
      if (!room) {
        hub.track('waiting', 1);
        const ok = await drained(socket, hub.limits.stallTimeoutMs);
        hub.track('waiting', -1);
        if (!ok) {
          if (!socket.destroyed) hub.drop(socket);
          return;
        }
      }
    }
  } finally {
    hub.track('replaying', -1);
  }
}

/** Registers the events stream. */
export function registerSse(app: FastifyInstance, ctx: AppContext, hub: SseHub): void {
  app.get('/api/v1/events', { config: { role: 'client' } }, (req, reply) => {
    const from = resumeId(req.headers['last-event-id'], (req.query as Record<string, unknown>).since);
    const token = req.principal!.name;
    if (!hub.open(token)) {
      const body: ApiError = {
        error: 'too-many-requests',
        message: `the token "${token}" already holds ${hub.limits.streamsPerToken} event streams (api.sseStreamsPerToken): close one first`,
      };
      return reply.code(429).send(body);
    }
    reply.hijack();
    // The stream is written to the socket itself: with thousands of clients, http's per-write chunk framing
    // costs more than the events. The body then ends when the connection closes, which SSE expects.
    const res = req.raw.socket;
    let closed = false;
    const done = () => {
      if (closed) return;
      closed = true;
      hub.close(token, res);
    };
    res.on('close', done);
    res.on('error', done);
    res.setNoDelay(true);
    res.setTimeout(0);
    res.write(
      'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\ncache-control: no-store\r\n' +
        'x-content-type-options: nosniff\r\nconnection: close\r\nx-accel-buffering: no\r\n\r\n',
    );
    res.write('retry: 2000\n\n');
    void hub.views
      .of(req.principal!)
      .then((view) => replayThenJoin(res, from, ctx, hub, view))
      .catch((err: unknown) => {
        req.log.error({ err }, 'event replay failed');
        res.destroy();
      });
  });
}
