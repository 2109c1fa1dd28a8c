/**
 * What one household member's client token may ask of the helper and what it hears, against a real fts-helper (its
 * job system and bring-back engine on a sandbox) and two real Unix users standing for two members:
 * - a computer has one bring-back waiting or running at a time, a path already waiting is not queued twice, and a
 *   token that asks in a loop is told to slow down; an admin is not limited;
 * - a name inside a folder the member cannot enter is "not there" for bring-back, whoever owns it;
 * - one search at a time per client token;
 * - runs and events name only what the member could see (paths of other members' closed folders are left out,
 *   counts stay), and a Time Machine warning reaches only the Mac it is about; admin tokens see everything.
 */
import { chmodSync, chownSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRun, type FtsEvent } from '../../contract/index.js';
import { HIDDEN_PATH } from '../../server-helper/api/client-view.js';
import { eventFromFrame, parseReadyComment, SseParser } from '../../contract/sse.js';
import { HelperHttpError, requestJson } from '../../electron/core/http.js';
import type { RunningHelper } from '../../server-helper/daemon.js';
import { checkTimeMachineAndWarn } from '../../server-helper/timemachine/check.js';
import { memberFile, startHouseholdHelper, stopHouseholdHelper, uidOf } from '../support/household-helper.js';
import { buildBundle } from '../support/timemachine.js';

const ANA = 'fts-scope-ana';
const BOB = 'fts-scope-bob';
const DAY = 86_400_000;

let dir: string;
let helper: RunningHelper;
let admin: string;
let anaToken: string;
let space: string;
let flux: string;
const asAdmin = () => ({ url: helper.url, token: admin });
const asAna = () => ({ url: helper.url, token: anaToken });
const daysAgo = (d: number) => new Date(Date.now() - d * DAY);

/** A folder of a member's closed to the others (mode 0700). */
function closedFolder(root: string, rel: string, owner: string): void {
  chownSync(join(root, rel), uidOf(owner), uidOf(owner));
  chmodSync(join(root, rel), 0o700);
}

/** A client token paired with a Samba user (as `fts-helper clients pair ID --user USER` makes it), with flux and space. */
async function pairedClient(clientId: string, sambaUser: string | null): Promise<string> {
  const token = helper.store.tokens.create(`client-${clientId}`, 'client', {
    clientId,
    ...(sambaUser ? { sambaUser } : {}),
  });
  await requestJson({ url: helper.url, token }, 'PUT', `/api/v1/clients/${clientId}/state`, {
    hostName: `${clientId}.local`,
    os: 'darwin',
    appVersion: '0.1.0',
    shares: ['flux', 'space'].map((share) => ({ share, state: 'unmounted', mountPoint: null, errorCode: null })),
  });
  return token;
}

async function runOf(runId: number): Promise<JobRun> {
  return JobRun.parse(helper.store.runs.get(runId));
}

async function ended(runId: number): Promise<JobRun> {
  await expect.poll(async () => (await runOf(runId)).status, { timeout: 60_000 }).not.toMatch(/queued|running/);
  return runOf(runId);
}

/** What a request answers: its status and message, or 'ok'. */
function outcome(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (e: unknown) => (e instanceof HelperHttpError ? e.message.replace(/^the helper answered /, '') : String(e)),
  );
}

/** An event stream read from `since` until `enough` says so: its events and raw text, after the replay's ready comment. */
async function readStream(
  token: string,
  since: number,
  enough: (events: FtsEvent[], ready: boolean) => boolean,
): Promise<{ events: FtsEvent[]; text: string }> {
  const ctl = new AbortController();
  const res = await fetch(`${helper.url}/api/v1/events?since=${since}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: ctl.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const parser = new SseParser({ comments: true });
  const decoder = new TextDecoder();
  const events: FtsEvent[] = [];
  let text = '';
  let ready = false;
  try {
    while (!enough(events, ready)) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the event stream ended');
      const chunk = decoder.decode(value, { stream: true });
      text += chunk;
      for (const f of parser.push(chunk)) {
        if (f.comment !== undefined) ready ||= parseReadyComment(f.comment) !== null;
        else {
          const e = eventFromFrame(f);
          if (e) events.push(e);
        }
      }
    }
  } finally {
    ctl.abort();
  }
  return { events, text };
}

/** The newest event id now. */
const lastEventId = () => helper.store.events.latest(1)[0]?.id ?? 0;

/** Holds flux and space as a run would, so bring-backs wait in the queue; returns the release. */
function holdBothSides(): () => void {
  const holder = helper.store.runs.create('test-hold', 'graduation', 'manual', Date.now(), process.pid, null);
  expect(helper.store.jobLocks.tryAcquire(['flux', 'space'], holder)).toEqual([]);
  return () => {
    helper.store.jobLocks.release(holder);
    helper.store.runs.finish(holder, 'succeeded', null, null);
  };
}

beforeAll(async () => {
  ({ dir, helper, admin, space, flux } = await startHouseholdHelper('fts-client-scope-', [ANA, BOB], {
    sseHeartbeatMs: 500,
  }));
  anaToken = await pairedClient('ana-mbp', ANA);
}, 60_000);

afterAll(async () => {
  await stopHouseholdHelper({ helper, dir }, [ANA, BOB]);
});

describe('bring-back queue', () => {
  it('one bring-back per computer at a time; a path already waiting is not queued again; an admin is not limited', async () => {
    memberFile(space, 'Family/ana-1.txt', ANA);
    memberFile(space, 'Family/ana-2.txt', ANA);
    memberFile(space, 'Family/bob-1.txt', BOB);
    const release = holdBothSides();
    let first: number;
    try {
      first = (
        await requestJson<{ runId: number }>(asAna(), 'POST', '/api/v1/bring-back', { path: 'Family/ana-1.txt' })
      ).runId;
      expect((await runOf(first)).status).toBe('queued');
      const runsBefore = helper.store.runs.list({ limit: 100 }).length;
      // Her second, while the first waits: refused, naming the run she has.
      expect(await outcome(requestJson(asAna(), 'POST', '/api/v1/bring-back', { path: 'Family/ana-2.txt' }))).toBe(
        `409: client "ana-mbp" already has a bring-back waiting: run ${first} (Family/ana-1.txt); a computer brings back one thing at a time, so ask again when it has ended`,
      );
      // The same path again, even from an admin: it is already on its way.
      expect(await outcome(requestJson(asAdmin(), 'POST', '/api/v1/bring-back', { path: 'Family/ana-1.txt' }))).toBe(
        `409: path: Family/ana-1.txt is already waiting to come back in run ${first}; watch that run instead`,
      );
      expect(helper.store.runs.list({ limit: 100 })).toHaveLength(runsBefore);
      // An admin may queue another path beside hers.
      const byAdmin = await requestJson<{ runId: number }>(asAdmin(), 'POST', '/api/v1/bring-back', {
        path: 'Family/bob-1.txt',
      });
      release();
      expect((await ended(byAdmin.runId)).status).toBe('succeeded');
    } catch (err) {
      release();
      throw err;
    }
    expect((await ended(first)).status).toBe('succeeded');
    // Once it has ended she may ask again.
    const again = await requestJson<{ runId: number }>(asAna(), 'POST', '/api/v1/bring-back', {
      path: 'Family/ana-2.txt',
    });
    expect((await ended(again.runId)).status).toBe('succeeded');
  });

  it('a token that asks for bring-backs in a loop is told to slow down', async () => {
    const token = await pairedClient('ana-loop', ANA);
    const answers: string[] = [];
    for (let i = 0; i < 11; i++)
      answers.push(
        await outcome(requestJson({ url: helper.url, token }, 'POST', '/api/v1/bring-back', { path: 'Nothing/here' })),
      );
    expect(answers.slice(0, 10)).toEqual(Array(10).fill('404: path: space has no Nothing/here'));
    expect(answers[10]).toMatch(
      /^429: the token "client-ana-loop" has made 10 bring-back requests in 60 s, the most it may: try again in \d+ s$/,
    );
  });
});

describe('bring-back of what the member cannot see', () => {
  it('a name inside a folder the member cannot enter is not there, whoever owns it', async () => {
    memberFile(space, 'bob-closed/divorce-settlement.pdf', BOB);
    memberFile(space, 'bob-closed/ana-left-here.txt', ANA);
    closedFolder(space, 'bob-closed', BOB);
    const ask = (path: string) => outcome(requestJson(asAna(), 'POST', '/api/v1/bring-back', { path }));
    // Bob's file, Ana's own file, and a name that is not there answer alike.
    expect(await ask('bob-closed/divorce-settlement.pdf')).toBe(
      '404: path: space has no bob-closed/divorce-settlement.pdf',
    );
    expect(await ask('bob-closed/ana-left-here.txt')).toBe('404: path: space has no bob-closed/ana-left-here.txt');
    expect(await ask('bob-closed/holiday.pdf')).toBe('404: path: space has no bob-closed/holiday.pdf');
    // Bob's own folder, whose name Ana sees, is still Bob's: 403.
    expect(await ask('bob-closed')).toMatch(/^403: path: bob-closed belongs to another member of space/);
  });
});

describe('search', () => {
  it('one search at a time per client token; an admin is not limited', async () => {
    // Enough folders that a search yields to the event loop many times while it walks.
    for (let d = 0; d < 2000; d++) mkdirSync(join(flux, 'many', `d${d}`), { recursive: true });
    const search = (token: string) =>
      outcome(requestJson({ url: helper.url, token }, 'GET', '/api/v1/search?q=nomatchxyz&limit=5'));
    const asClient = await Promise.all(Array.from({ length: 6 }, () => search(anaToken)));
    expect(asClient).toContain('ok');
    expect(asClient.filter((a) => a !== 'ok')[0]).toBe(
      '429: the token "client-ana-mbp" already has a search running: wait for its answer before asking again',
    );
    expect(await Promise.all(Array.from({ length: 6 }, () => search(admin)))).toEqual(Array(6).fill('ok'));
    rmSync(join(flux, 'many'), { recursive: true });
  });
});

describe('runs and events name what the member could see', () => {
  it('another member’s closed folder stays closed in runs and events, live and replayed; counts stay; admin unchanged', async () => {
    // Bob's closed folders: in space (an admin brings it back) and in flux (a graduation dry run lists it).
    memberFile(space, 'bob-secret/divorce-letter.pdf', BOB);
    memberFile(space, 'bob-secret/divorce-lawyer.pdf', BOB);
    closedFolder(space, 'bob-secret', BOB);
    memberFile(flux, 'bob-drafts/divorce-draft.docx', BOB, { mtime: daysAgo(400) });
    closedFolder(flux, 'bob-drafts', BOB);
    memberFile(flux, 'Family/ana-old.txt', ANA, { mtime: daysAgo(400) });
    const noUser = await pairedClient('reader-pc', null);
    const from = lastEventId();

    // Ana's tray follows the stream live while the admin works.
    const ended2 = (events: FtsEvent[], type: string) => events.some((e) => e.type === type);
    const live = readStream(
      anaToken,
      from,
      (ev, ready) => ready && ended2(ev, 'bringback.finished') && ended2(ev, 'graduation.finished'),
    );
    const bring = await requestJson<{ runId: number }>(asAdmin(), 'POST', '/api/v1/bring-back', { path: 'bob-secret' });
    expect((await ended(bring.runId)).status).toBe('succeeded');
    const jobs = await requestJson<{ name: string; kind: string }[]>(asAdmin(), 'GET', '/api/v1/jobs');
    const grad = helper.ctx.jobs!.start(jobs.find((j) => j.kind === 'graduation')!.name, 'api', { dryRun: true });
    expect((await ended(grad.id)).status).toBe('succeeded');

    // The admin sees every name.
    const adminRuns = JSON.stringify(await requestJson(asAdmin(), 'GET', '/api/v1/runs?limit=50'));
    expect(adminRuns).toContain('bob-drafts/divorce-draft.docx');

    // Ana's run history: the counts, her own names, none of Bob's closed folders.
    const anaRuns = await requestJson<JobRun[]>(asAna(), 'GET', '/api/v1/runs?limit=50');
    expect(JSON.stringify(anaRuns)).not.toContain('divorce');
    const gradAsAna = anaRuns.find((r) => r.id === grad.id)!;
    expect(gradAsAna.summary).toMatchObject({ eligible: 2, dryRun: true });
    expect(gradAsAna.summary!.examples).toEqual(['Family/ana-old.txt']);
    expect(anaRuns.find((r) => r.id === bring.runId)!.summary).toMatchObject({ moved: 2 });
    const jobsAsAna = JSON.stringify(await requestJson(asAna(), 'GET', '/api/v1/jobs'));
    expect(jobsAsAna).not.toContain('divorce');
    expect(jobsAsAna).toContain('Family/ana-old.txt');
    // A token that does not say which Samba user it is sees no names, only counts.
    const readerRuns = await requestJson<JobRun[]>({ url: helper.url, token: noUser }, 'GET', '/api/v1/runs?limit=50');
    expect(readerRuns.find((r) => r.id === grad.id)!.summary).toMatchObject({ eligible: 2, examples: [] });

    // Her stream, live and replayed, the same.
    const liveText = (await live).text;
    const replayed = await readStream(anaToken, from, (_ev, ready) => ready);
    for (const { text, events } of [{ text: liveText, events: (await live).events }, replayed]) {
      expect(text).not.toContain('divorce');
      const done = events.find((e) => e.type === 'bringback.finished' && e.data.runId === bring.runId);
      expect(done?.data).toMatchObject({ moved: 2 });
      const graduated = events.find((e) => e.type === 'graduation.finished' && e.data.runId === grad.id);
      expect(graduated?.data).toMatchObject({ eligible: 2, examples: ['Family/ana-old.txt'] });
    }
    const adminReplay = await readStream(admin, from, (_ev, ready) => ready);
    expect(adminReplay.text).toContain('bob-drafts/divorce-draft.docx');
    expect(adminReplay.text).toContain('bob-secret/divorce-l');
    const readerReplay = await readStream(noUser, from, (_ev, ready) => ready);
    const readerGrad = readerReplay.events.find((e) => e.type === 'graduation.finished');
    expect(readerGrad?.data).toMatchObject({ eligible: 2, examples: [] });
    expect(HIDDEN_PATH).not.toContain('divorce');
  });

  it('a Time Machine warning reaches only the Mac it is about; an admin hears every one', async () => {
    const time = join(space, '..', 'time');
    const stale = new Date(Math.floor((Date.now() - 9 * DAY) / 1000) * 1000);
    for (const [owner, name] of [
      [ANA, 'ana-mbp'],
      [BOB, "Bob's iMac"],
    ] as const)
      buildBundle(time, { owner, name, completions: [stale], bands: [{ name: '0', bytes: 4096, mtime: stale }] });
    const from = lastEventId();
    const checked = await checkTimeMachineAndWarn({
      config: helper.ctx.config,
      store: helper.store,
      bus: helper.ctx.bus,
    });
    expect(checked.announced).toHaveLength(2);
    const hosts = async (token: string) =>
      (await readStream(token, from, (_ev, ready) => ready)).events
        .filter((e) => e.type === 'timemachine.warning')
        .map((e) => (e.type === 'timemachine.warning' ? e.data.host : ''))
        .sort();
    expect(await hosts(anaToken)).toEqual(['ana-mbp']);
    expect(await hosts(admin)).toEqual(["Bob's iMac", 'ana-mbp']);
  });
});
