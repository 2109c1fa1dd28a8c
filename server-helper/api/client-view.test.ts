/** ClientView.run: what a member's tray reads of runs it did not start (no names of other computers or Macs). */
import { describe, expect, it } from 'vitest';
import type { JobRun } from '../../contract/index.js';
import type { Principal } from '../store/tokens.js';
import { ClientView } from './client-view.js';

const tray: Principal = { name: 'client-ana-mbp', role: 'client', clientId: 'ana-mbp', sambaUser: null };
const monitor: Principal = { name: 'hall-display', role: 'client', clientId: null, sambaUser: null };
// run() reads neither the config nor the store; only event() looks a run up.
const view = (p: Principal) => new ClientView({} as never, p, null);

function run(over: Partial<JobRun>): JobRun {
  return {
    id: 7,
    job: 'x',
    kind: 'bring-back',
    status: 'succeeded',
    trigger: 'api',
    startedAt: '2026-12-05T01:00:00.000Z',
    finishedAt: '2026-12-05T01:00:01.000Z',
    durationMs: 1000,
    summary: null,
    error: null,
    params: null,
    undoable: false,
    ...over,
  };
}

describe('ClientView.run', () => {
  it("drops which computer and whose files from another computer's bring-back, keeps them on its own", () => {
    const bobs = run({ params: { path: 'x', clientId: 'bobs-macbook', ownerUid: 1002 } });
    expect(view(tray).run(bobs).params).not.toHaveProperty('clientId');
    expect(view(tray).run(bobs).params).not.toHaveProperty('ownerUid');
    const anas = run({ params: { path: 'x', clientId: 'ana-mbp', ownerUid: 1001 } });
    expect(view(tray).run(anas).params).toMatchObject({ clientId: 'ana-mbp', ownerUid: 1001 });
  });

  it("replaces a Time Machine check's error (it names a Mac) with a count for a tray; a monitor reads it whole", () => {
    const check = run({
      job: 'timemachine-check',
      kind: 'timemachine-check',
      status: 'warning',
      summary: { macs: 2, warnings: 3, announced: 1, running: 0 },
      error: 'Bobs-MacBook-Pro has not completed a Time Machine backup in 12 days',
    });
    expect(view(tray).run(check).error).toBe(
      "3 Time Machine warnings in the household; this computer is told of its own Mac's",
    );
    expect(view(tray).run(check).summary).toEqual(check.summary);
    expect(view(monitor).run(check).error).toBe(check.error);
    expect(view(tray).run({ ...check, status: 'succeeded', error: null }).error).toBeNull();
  });
});
