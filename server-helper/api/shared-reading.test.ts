import { describe, expect, it } from 'vitest';
import { sharedReading } from './shared-reading.js';

/** A reading the test finishes by hand, on a clock the test moves. */
function harness() {
  let clock = 0;
  const started: { resolve: (v: number) => void; reject: (e: Error) => void }[] = [];
  const read = sharedReading(
    () => new Promise<number>((resolve, reject) => started.push({ resolve, reject })),
    10_000,
    () => clock,
  );
  return { read, started, advance: (ms: number) => (clock += ms) };
}

describe('sharedReading', () => {
  it('shares the reading in flight, however long it takes, and keeps its result 10 s from when it ended', async () => {
    const h = harness();
    const first = h.read();
    h.advance(60_000); // a reading of a minute: a request meanwhile does not start a second one
    expect(h.read()).toBe(first);
    expect(h.started).toHaveLength(1);
    h.started[0]!.resolve(1);
    expect(await first).toBe(1);
    h.advance(9_999);
    expect(await h.read()).toBe(1);
    expect(h.started).toHaveLength(1);
    h.advance(1);
    const next = h.read();
    expect(h.started).toHaveLength(2);
    h.started[1]!.resolve(2);
    expect(await next).toBe(2);
  });

  it('keeps a failure for the same 10 s', async () => {
    const h = harness();
    const first = h.read();
    h.started[0]!.reject(new Error('unreadable share'));
    await expect(first).rejects.toThrow('unreadable share');
    const again = h.read();
    expect(h.started).toHaveLength(1);
    await expect(again).rejects.toThrow('unreadable share');
    h.advance(10_000);
    void h.read();
    expect(h.started).toHaveLength(2);
  });
});
