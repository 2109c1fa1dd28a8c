/**
 * "Where is my file?" for a member (a client token with a Samba user) counts only what the member could see over SMB:
 * the walk never reads a folder the member cannot list, and the journal's graduations into such a folder are passed
 * over before they count. So the answer's counts (looked, truncated) for a name hidden in another member's closed
 * folder equal those for a name that exists nowhere, and hidden matches never use up the member's `limit`.
 * Real fts-helper over a sandbox, real graduations, two Unix users standing for two household members.
 */
import { chmodSync, chownSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchReport } from '../../contract/index.js';
import { requestJson } from '../../electron/core/http.js';
import type { RunningHelper } from '../../server-helper/daemon.js';
import { memberFile, startHouseholdHelper, stopHouseholdHelper, uidOf } from '../support/household-helper.js';

const ANA = 'fts-vis-ana';
const BOB = 'fts-vis-bob';
const OLD = (Date.now() - 400 * 86_400_000) / 1000;
let dir: string;
let helper: RunningHelper;
let admin: string;
let anaToken: string;
let space: string;
let flux: string;

/** Runs the graduation job through the API and waits for its end. */
async function graduate(): Promise<void> {
  const ep = { url: helper.url, token: admin };
  const jobs = await requestJson<{ name: string; kind: string }[]>(ep, 'GET', '/api/v1/jobs');
  const name = jobs.find((j) => j.kind === 'graduation')!.name;
  const { id } = await requestJson<{ id: number }>(ep, 'POST', `/api/v1/jobs/${name}/run`);
  for (;;) {
    const runs = await requestJson<{ id: number; status: string; error: string | null }[]>(
      ep,
      'GET',
      '/api/v1/runs?limit=50',
    );
    const run = runs.find((r) => r.id === id);
    if (run && run.status !== 'queued' && run.status !== 'running') {
      if (run.status !== 'succeeded') throw new Error(`the graduation ended ${run.status}: ${run.error}`);
      return;
    }
    await new Promise((res) => setTimeout(res, 50));
  }
}

const searchAs = (token: string, q: string, limit: number) =>
  requestJson<SearchReport>(
    { url: helper.url, token },
    'GET',
    `/api/v1/search?q=${encodeURIComponent(q)}&limit=${limit}`,
  );

beforeAll(async () => {
  ({ dir, helper, admin, space, flux } = await startHouseholdHelper('fts-search-vis-', [ANA, BOB]));
  anaToken = helper.store.tokens.create('client-ana', 'client', { clientId: 'ana-mbp', sambaUser: ANA });
  await requestJson({ url: helper.url, token: anaToken }, 'PUT', '/api/v1/clients/ana-mbp/state', {
    hostName: 'Anas-MacBook-Pro.local',
    os: 'darwin',
    appVersion: '0.1.0',
    shares: [
      { share: 'flux', state: 'unmounted', mountPoint: null, errorCode: null },
      { share: 'space', state: 'unmounted', mountPoint: null, errorCode: null },
    ],
  });

  // Ana's papers graduate first (the older journal row); she deletes them from space later.
  memberFile(flux, 'Family/ana-divorce-papers.pdf', ANA, { mtime: OLD });
  await graduate();
  rmSync(join(space, 'Family/ana-divorce-papers.pdf'));
  for (let i = 0; i < 5; i++) memberFile(space, `Family/f${i}.txt`, ANA, { mtime: OLD });
  // Bob's letters graduate after hers (newer rows) into his folder, which he keeps closed to the others (0700).
  memberFile(flux, 'bob-private/divorce-lawyer-letter.pdf', BOB, { mtime: OLD });
  memberFile(flux, 'bob-private/divorce-settlement.pdf', BOB, { mtime: OLD });
  await graduate();
  chownSync(join(space, 'bob-private'), uidOf(BOB), uidOf(BOB));
  chmodSync(join(space, 'bob-private'), 0o700);
  // And a name in a folder of his that only he may list, though the others may pass through it (0711).
  memberFile(space, 'bob-passage/divorce-diary.txt', BOB, { mtime: OLD });
  chownSync(join(space, 'bob-passage'), uidOf(BOB), uidOf(BOB));
  chmodSync(join(space, 'bob-passage'), 0o711);
}, 120_000);

afterAll(async () => {
  await stopHouseholdHelper({ helper, dir }, [ANA, BOB]);
});

describe('a member’s search counts only what the member could see', () => {
  it('a name hidden in another member’s closed folder answers exactly as a name that exists nowhere', async () => {
    // The spelling-out attack: each guess of the next letter is asked with limit 1; any difference is an oracle.
    for (const [hidden, absent] of [
      ['divorce-s', 'divorce-x'],
      ['divorce-l', 'divorce-q'],
      ['divorce-d', 'divorce-z'],
      ['settlement', 'zzzznothing'],
    ] as const) {
      for (const limit of [1, 5]) {
        const yes = await searchAs(anaToken, hidden, limit);
        const no = await searchAs(anaToken, absent, limit);
        expect(yes.results, `${hidden} limit ${limit}`).toEqual([]);
        expect(yes.sources, `${hidden} vs ${absent}, limit ${limit}`).toEqual(no.sources);
      }
    }
  });

  it('hidden matches do not use up the member’s limit: her own graduated file is found with limit 1', async () => {
    const r = await searchAs(anaToken, 'divorce', 1);
    expect(r.results.map((x) => [x.source, x.path])).toEqual([['journal', 'Family/ana-divorce-papers.pdf']]);
    const journal = r.sources.find((s) => s.source === 'journal')!;
    // Her row is the only one she can see: nothing more to say, and it was the only one counted.
    expect(journal).toMatchObject({ looked: 1, truncated: false });
    expect(r.sources.find((s) => s.source === 'space')).toMatchObject({ truncated: false });
  });

  it('an admin’s search is unchanged: it sees every member’s names', async () => {
    const r = await searchAs(admin, 'divorce', 50);
    expect(r.results.map((x) => x.path).sort()).toEqual([
      'Family/ana-divorce-papers.pdf',
      'bob-passage/divorce-diary.txt',
      'bob-private/divorce-lawyer-letter.pdf',
      'bob-private/divorce-settlement.pdf',
    ]);
  });
});
