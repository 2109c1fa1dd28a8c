/** The event-stream parser on frames split at awkward places, comments, CRLF and unknown events. */
import { describe, expect, it } from 'vitest';
import { eventFromFrame, parseReadyComment, readEventStream, readyComment, SseParser } from './sse.js';

const ev = {
  id: 3,
  ts: '2026-11-25T10:00:00.000Z',
  type: 'share.changed',
  data: { shares: ['flux'], reason: 'applied' },
};
const frame = `id: 3\nevent: share.changed\ndata: ${JSON.stringify(ev)}\n\n`;

describe('SseParser', () => {
  it('parses frames split across chunks at every position', () => {
    const text = `retry: 2000\n\n: heartbeat\n\n${frame}${frame.replace(/\n/g, '\r\n')}`;
    for (let cut = 1; cut < text.length; cut += 7) {
      const p = new SseParser();
      const frames = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      expect(frames).toHaveLength(2);
      expect(frames[0]).toEqual({ id: '3', event: 'share.changed', data: JSON.stringify(ev) });
    }
  });
  it('parses a stream fed one character at a time, a CRLF split between chunks included (from the core parser)', () => {
    const p = new SseParser();
    const text =
      'retry: 2000\n\n: heartbeat\n\nid: 5\nevent: share.changed\ndata: {"a":\ndata: 1}\n\nid: 6\r\ndata: x\r\ndata: y\r\n\r\n';
    const out = [];
    for (const ch of text) out.push(...p.push(ch));
    expect(out).toEqual([
      { id: '5', event: 'share.changed', data: '{"a":\n1}' },
      { id: '6', event: null, data: 'x\ny' },
    ]);
  });
  it('joins multi-line data and drops unknown events', () => {
    expect(new SseParser().push('data: a\ndata: b\n\n')).toEqual([{ id: null, event: null, data: 'a\nb' }]);
    expect(eventFromFrame({ id: '1', event: 'x', data: '{"id":1,"type":"future.thing"}' })).toBeNull();
    expect(eventFromFrame({ id: '1', event: 'x', data: 'not json' })).toBeNull();
    expect(eventFromFrame({ id: '3', event: 'share.changed', data: JSON.stringify(ev) })).toEqual(ev);
  });
  it('readEventStream sends the token and Last-Event-ID and returns the last id', async () => {
    let headers: Record<string, string> = {};
    const fakeFetch = (async (_url: string, init: RequestInit) => {
      headers = init.headers as Record<string, string>;
      return new Response(frame);
    }) as unknown as typeof fetch;
    const seen: number[] = [];
    const last = await readEventStream(fakeFetch, 'http://h/api/v1/events', {
      token: 't0k',
      lastEventId: 2,
      onEvent: (e) => seen.push(e.id),
    });
    expect(headers).toMatchObject({ authorization: 'Bearer t0k', 'last-event-id': '2' });
    expect(seen).toEqual([3]);
    expect(last).toBe(3);
  });
});

describe('the ready comment', () => {
  it('comes out in stream order when comments are asked for, and is invisible otherwise', () => {
    const text = `retry: 2000\n\n${frame}${readyComment(3)}${frame.replace('id: 3', 'id: 4')}`;
    const withComments = new SseParser({ comments: true }).push(text);
    expect(withComments.map((f) => f.comment ?? f.id)).toEqual(['3', ' ready 3', '4']);
    expect(parseReadyComment(withComments[1]!.comment!)).toBe(3);
    expect(parseReadyComment(' heartbeat')).toBeNull();
    expect(new SseParser().push(text).map((f) => f.id)).toEqual(['3', '4']);
  });
});
