import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FtsEvent } from '../contract/index.js';
import { openStore } from '../server-helper/store/index.js';
import { EventBus } from '../server-helper/runs/bus.js';
import { startTestHelper, type TestHelper } from './support/helper.js';
import { readSse, waitFor, type Frame } from './support/sse.js';

let h: TestHelper;
beforeAll(async () => {
  h = await startTestHelper({ start: { sseHeartbeatMs: 100 } });
});
afterAll(() => h?.stop());

const publishGraduation = (runId: number, n: number) =>
  h.ctx.bus.publish('graduation.progress', {
    runId,
    job: 'graduation',
    scanned: n,
    moved: n,
    bytesMoved: n * 10,
    currentPath: `file-${n}`,
  });

function follow(lastId: number | null) {
  const frames: Frame[] = [];
  const comments: string[] = [];
  const ac = new AbortController();
  const headers: Record<string, string> = { authorization: `Bearer ${h.adminToken}` };
  if (lastId !== null) headers['last-event-id'] = String(lastId);
  const res = readSse(
    `${h.url}/api/v1/events`,
    { headers, signal: ac.signal },
    (f) => frames.push(f),
    (c) => comments.push(c),
  );
  return { frames, comments, res, stop: () => ac.abort() };
}

describe('event stream', () => {
  it('streams live events, each valid against the contract, with monotonic ids', async () => {
    const s = follow(h.ctx.bus.lastDeliveredId());
    expect((await s.res).headers.get('content-type')).toMatch(/text\/event-stream/);
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 1; i <= 5; i++) publishGraduation(1, i);
    await waitFor(() => s.frames.length >= 5, 5000, 'five live events');
    const events = s.frames.map((f) => FtsEvent.parse(JSON.parse(f.data)));
    expect(events.map((e) => e.type)).toEqual(Array(5).fill('graduation.progress'));
    const ids = s.frames.map((f) => f.id!);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(5);
    expect(s.frames.every((f, i) => f.id === events[i]!.id && f.event === events[i]!.type)).toBe(true);
    s.stop();
  });

  it('a client that reconnects with Last-Event-ID misses nothing and sees nothing twice', async () => {
    const a = follow(h.ctx.bus.lastDeliveredId());
    await a.res;
    for (let i = 1; i <= 3; i++) publishGraduation(2, i);
    await waitFor(() => a.frames.length >= 3, 5000, 'first three');
    const last = a.frames.at(-1)!.id!;
    a.stop();
    // While disconnected: more events, some from another process writing the same store (a CLI run).
    for (let i = 4; i <= 6; i++) publishGraduation(2, i);
    const other = openStore(h.ctx.config.store.path);
    const otherBus = new EventBus(other.events);
    otherBus.publish('backup.failed', {
      runId: 9,
      job: 'backup',
      reason: 'B2 rejected the application key',
      operation: 'backup',
      cancelled: false,
    });
    other.close();
    publishGraduation(2, 7);
    const b = follow(last);
    await b.res;
    publishGraduation(2, 8);
    await waitFor(() => b.frames.length >= 6, 5000, 'replay and live');
    const got = b.frames.map((f) => FtsEvent.parse(JSON.parse(f.data)));
    expect(got.map((e) => (e.type === 'graduation.progress' ? e.data.scanned : e.type))).toEqual([
      4,
      5,
      6,
      'backup.failed',
      7,
      8,
    ]);
    expect(got[0]!.id).toBe(last + 1);
    b.stop();
  });

  it('replays from ?since= too, and sends heartbeat comments', async () => {
    const first = h.store.events.since(0, 1)[0]!;
    const frames: Frame[] = [];
    const comments: string[] = [];
    const ac = new AbortController();
    await readSse(
      `${h.url}/api/v1/events?since=${first.id}`,
      { headers: { authorization: `Bearer ${h.adminToken}` }, signal: ac.signal },
      (f) => frames.push(f),
      (c) => comments.push(c),
    );
    await waitFor(() => comments.includes('heartbeat'), 3000, 'a heartbeat comment');
    expect(frames[0]!.id).toBe(first.id + 1);
    ac.abort();
  });

  it('events from another process reach connected clients without a publish in this one', async () => {
    const s = follow(h.ctx.bus.lastDeliveredId());
    await s.res;
    const other = openStore(h.ctx.config.store.path);
    new EventBus(other.events).publish('share.changed', { shares: ['flux'], reason: 'samba apply' });
    other.close();
    await waitFor(() => s.frames.some((f) => f.event === 'share.changed'), 3000, 'the foreign event');
    s.stop();
  });
});
