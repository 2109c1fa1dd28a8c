/**
 * The tray's Time Machine, "Where is my file?" and "Bring back to flux" against a real fts-helper (its job system and
 * real bring-back engine on a sandbox), through the real client core (ClientCoreFacade with the folder mounter):
 * - a Time Machine warning reaches (and notifies, once) only the Mac it is about, no other member's computer;
 * - a client token sees only its own Mac's backups (another's name asked for is 403), an admin token every Mac;
 * - a client searches its shares and sees the names its Samba user could see; it brings back its user's own file,
 *   another member's is refused with the reason (and stays), an admin still brings back anything.
 * Two Unix users stand for two household members (Samba maps each Samba user to the Unix account of that name).
 */
import { chmodSync, chownSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreNotification } from '../../contract/ipc.js';
import { JobRun, type Job, type TimeMachineReport } from '../../contract/index.js';
import { HelperHttpError, requestJson } from '../../electron/core/http.js';
import { TestMounterCore } from '../../electron/dev/test-mounter-core.js';
import type { RunningHelper } from '../../server-helper/daemon.js';
import { checkTimeMachineAndWarn } from '../../server-helper/timemachine/check.js';
import { memberFile, startHouseholdHelper, stopHouseholdHelper, uidOf } from '../support/household-helper.js';
import { buildBundle } from '../support/timemachine.js';

const ANA = 'fts-tray-ana';
const BOB = 'fts-tray-bob';
const DAY = 86_400_000;

let dir: string;
let helper: RunningHelper;
let admin: string;
let ana: TestMounterCore;
let anaToken: string;
let space: string;
let flux: string;
const notes: CoreNotification[] = [];

/** A computer paired as `clients pair ID --user USER` makes it, and its first state report; returns its token. */
async function pairAndReport(
  id: string,
  user: string,
  state: { hostName: string; os: string; shares?: unknown[] },
): Promise<string> {
  const token = helper.store.tokens.create(`client-${id}`, 'client', { clientId: id, sambaUser: user });
  await requestJson({ url: helper.url, token }, 'PUT', `/api/v1/clients/${id}/state`, {
    appVersion: '0.1.0',
    shares: [],
    ...state,
  });
  return token;
}

async function runOf(runId: number): Promise<JobRun> {
  const runs = await requestJson<unknown[]>({ url: helper.url, token: admin }, 'GET', '/api/v1/runs?limit=50');
  return JobRun.parse(runs.find((r) => (r as JobRun).id === runId));
}

beforeAll(async () => {
  ({ dir, helper, admin, space, flux } = await startHouseholdHelper('fts-tray-files-', [ANA, BOB], {
    sseHeartbeatMs: 500,
  }));
  // As `fts-helper clients pair ana-mbp --user fts-tray-ana` makes it.
  anaToken = helper.store.tokens.create('client-ana-mbp', 'client', { clientId: 'ana-mbp', sambaUser: ANA });
  ana = new TestMounterCore({
    helperUrl: helper.url,
    token: anaToken,
    clientId: 'ana-mbp',
    // What os.hostname() says on the Mac whose computer name is "Ana's MacBook Pro".
    hostName: 'Anas-MacBook-Pro.local',
    os: 'darwin',
    mountRoot: join(dir, 'mounts'),
  });
  ana.onNotification((n) => notes.push(n));
  await ana.start();
  // The helper knows the tray (its first report) and the tray follows the event stream live.
  while (!ana.getState().activity.some((e) => e.type === 'client.seen' && e.data.clientId === 'ana-mbp'))
    await new Promise((r) => setTimeout(r, 50));
}, 60_000);

afterAll(async () => {
  await ana?.close();
  await stopHouseholdHelper({ helper, dir }, [ANA, BOB]);
});

describe('other computers in the household', () => {
  it("another member's computer coming online is not heard by this tray, and GET /clients shows only its own", async () => {
    await pairAndReport('bob-imac', BOB, { hostName: 'Bobs-iMac.local', os: 'darwin' });
    // An event this tray does hear, published after Bob's: once it arrives, Bob's would have arrived before it.
    helper.ctx.bus.publish('client.seen', { clientId: 'ana-mbp', hostName: 'marker', wasOfflineMs: 1 });
    await expect
      .poll(() => ana.getState().activity.some((e) => e.type === 'client.seen' && e.data.hostName === 'marker'))
      .toBe(true);
    const seen = ana
      .getState()
      .activity.filter((e) => e.type === 'client.seen')
      .map((e) => e.data.clientId);
    expect(seen).not.toContain('bob-imac');
    const listed = await requestJson<{ id: string }[]>({ url: helper.url, token: anaToken }, 'GET', '/api/v1/clients');
    expect(listed.map((c) => c.id)).toEqual(['ana-mbp']);
    const all = await requestJson<{ id: string }[]>({ url: helper.url, token: admin }, 'GET', '/api/v1/clients');
    expect(all.map((c) => c.id).sort()).toEqual(['ana-mbp', 'bob-imac']);
  });
});

describe('Time Machine in the tray', () => {
  it('a stale backup notifies on its own Mac once and on no other; a client sees only its own Mac', async () => {
    const time = join(space, '..', 'time');
    // Whole seconds: a plist date has no fraction.
    const stale = new Date(Math.floor((Date.now() - 9 * DAY) / 1000) * 1000);
    // Each member's Mac in their own folder of the per-user time share, both without a backup for 9 days.
    for (const [owner, name] of [
      [ANA, "Ana's MacBook Pro"],
      [BOB, "Bob's iMac"],
    ] as const)
      buildBundle(time, {
        owner,
        name,
        completions: [stale],
        bands: [{ name: '0', bytes: 4096, mtime: stale }],
      });
    const checked = await checkTimeMachineAndWarn({
      config: helper.ctx.config,
      store: helper.store,
      bus: helper.ctx.bus,
    });
    expect(checked.announced.map((a) => a.code).sort()).toEqual(['stale', 'stale']);

    // Only the warning about this Mac reaches its tray (another member's Mac is not its business), and it notifies.
    await expect
      .poll(() =>
        ana
          .getState()
          .activity.filter((e) => e.type === 'timemachine.warning')
          .map((e) => e.data.host),
      )
      .toEqual(["Ana's MacBook Pro"]);
    const tm = notes.filter((n) => n.kind === 'timemachine');
    expect(tm).toHaveLength(1);
    expect(tm[0]).toMatchObject({ severity: 'warning', title: 'Time Machine has not backed up this Mac for a while' });
    expect(tm[0]!.body).toContain("Ana's MacBook Pro");

    // The same conditions checked again announce nothing, so nothing notifies again.
    await checkTimeMachineAndWarn({ config: helper.ctx.config, store: helper.store, bus: helper.ctx.bus });
    expect(notes.filter((n) => n.kind === 'timemachine')).toHaveLength(1);

    // The check as the scheduler runs it: its error names a Mac. The tray reads it as a count wherever jobs are
    // listed (the status summary too), the admin reads it whole.
    const checkRun = helper.ctx.jobs!.start('timemachine-check', 'manual');
    await expect.poll(async () => (await runOf(checkRun.id)).status, { timeout: 30_000 }).toBe('warning');
    const lastCheck = async (token: string, path: '/api/v1/status' | '/api/v1/jobs') => {
      const got = await requestJson<{ jobs: Job[] } | Job[]>({ url: helper.url, token }, 'GET', path);
      const jobs = Array.isArray(got) ? got : got.jobs;
      return jobs.find((j) => j.name === 'timemachine-check')?.lastRun?.error;
    };
    for (const path of ['/api/v1/status', '/api/v1/jobs'] as const) {
      expect(await lastCheck(anaToken, path), path).toBe(
        "2 Time Machine warnings in the household; this computer is told of its own Mac's",
      );
      expect(await lastCheck(admin, path), path).toMatch(/has not completed a Time Machine backup/);
    }

    // The tray's line: this Mac's backups only, read with its own token.
    const own = await ana.timeMachine();
    expect(own?.macs.map((m) => m.name)).toEqual(["Ana's MacBook Pro"]);
    expect(own?.macs[0]!.lastBackup).toBe(stale.toISOString());
    const anaEp = { url: helper.url, token: anaToken };
    const asAna = await requestJson<TimeMachineReport>(anaEp, 'GET', '/api/v1/timemachine');
    expect(asAna.macs.map((m) => m.name)).toEqual(["Ana's MacBook Pro"]);
    const asking = requestJson(anaEp, 'GET', `/api/v1/timemachine?host=${encodeURIComponent("Bob's iMac")}`);
    await expect(asking).rejects.toThrow(/403: host: .*sees only its own Mac's backups, not "Bob's iMac"/);
    const asAdmin = await requestJson<TimeMachineReport>(
      { url: helper.url, token: admin },
      'GET',
      '/api/v1/timemachine',
    );
    expect(asAdmin.macs.map((m) => m.name).sort()).toEqual(["Ana's MacBook Pro", "Bob's iMac"]);

    // A client that calls itself by Bob's host name still does not see the backups in Bob's folder.
    const spoof = await pairAndReport('spoof', ANA, { hostName: 'Bobs-iMac.local', os: 'darwin' });
    const spoofed = await requestJson<TimeMachineReport>(
      { url: helper.url, token: spoof },
      'GET',
      `/api/v1/timemachine?host=${encodeURIComponent('Bobs-iMac.local')}`,
    );
    expect(spoofed.macs).toEqual([]);
  });
});

describe('Where is my file? and Bring back to flux in the tray', () => {
  it('finds what its user could see, brings back its own file, refuses another member’s; admin unchanged', async () => {
    memberFile(space, 'Family/ana-tax-2019.pdf', ANA);
    memberFile(space, 'Family/bob-tax-2019.pdf', BOB);
    // Bob's folder closed to the others: over SMB Ana sees its name, not what is inside.
    memberFile(space, 'bob-private/tax-2019-secret.pdf', BOB);
    chownSync(join(space, 'bob-private'), uidOf(BOB), uidOf(BOB));
    chmodSync(join(space, 'bob-private'), 0o700);

    const report = await ana.searchFiles('tax-2019');
    const found = Object.fromEntries(report.results.map((r) => [r.path, r]));
    expect(Object.keys(found).sort()).toEqual(['Family/ana-tax-2019.pdf', 'Family/bob-tax-2019.pdf']);
    expect(found['Family/ana-tax-2019.pdf']!.action).toBe('bring-back');
    expect(found['Family/bob-tax-2019.pdf']!.action).toBeNull();
    expect(found['Family/bob-tax-2019.pdf']!.where).toContain('belongs to another member');
    // The backup is the dashboard's to search.
    expect(report.sources.map((s) => s.source)).toEqual(['flux', 'space', 'journal']);

    // Ana's own file comes back to flux.
    const mine = await ana.bringBack('Family/ana-tax-2019.pdf');
    await expect.poll(async () => (await runOf(mine.runId)).status, { timeout: 60_000 }).toBe('succeeded');
    expect(readFileSync(join(flux, 'Family/ana-tax-2019.pdf'), 'utf8')).toBe(`Family/ana-tax-2019.pdf of ${ANA}\n`);
    expect(existsSync(join(space, 'Family/ana-tax-2019.pdf'))).toBe(false);

    // Bob's is refused, with the reason, and no run starts; a name in his closed folder is not there for Ana.
    const runsBefore = helper.store.runs.list({ limit: 50 }).length;
    for (const [path, status, message] of [
      [
        'Family/bob-tax-2019.pdf',
        403,
        `path: Family/bob-tax-2019.pdf belongs to another member of space, not to ${ANA}`,
      ],
      ['bob-private/tax-2019-secret.pdf', 404, 'path: space has no bob-private/tax-2019-secret.pdf'],
    ] as const) {
      const refused = await ana.bringBack(path).then(
        () => null,
        (e: unknown) => e,
      );
      expect(refused, path).toBeInstanceOf(HelperHttpError);
      expect((refused as HelperHttpError).status).toBe(status);
      expect((refused as Error).message).toContain(message);
      expect(existsSync(join(space, path))).toBe(true);
    }
    expect(helper.store.runs.list({ limit: 50 })).toHaveLength(runsBefore);

    // A folder of Ana's with a file of Bob's in it: hers come back, his stays in space.
    memberFile(space, 'ana-shared/mine.txt', ANA);
    memberFile(space, 'ana-shared/his.txt', BOB);
    chownSync(join(space, 'ana-shared'), uidOf(ANA), uidOf(ANA));
    const folder = await ana.bringBack('ana-shared');
    await expect.poll(async () => (await runOf(folder.runId)).status, { timeout: 60_000 }).toBe('succeeded');
    expect(existsSync(join(flux, 'ana-shared/mine.txt'))).toBe(true);
    expect(existsSync(join(flux, 'ana-shared/his.txt'))).toBe(false);
    expect(existsSync(join(space, 'ana-shared/his.txt'))).toBe(true);
    expect((await runOf(folder.runId)).summary).toMatchObject({ moved: 1, skipped: { 'another-owner': 1 } });

    // An admin token still brings back any member's file.
    const byAdmin = await requestJson<{ runId: number }>(
      { url: helper.url, token: admin },
      'POST',
      '/api/v1/bring-back',
      {
        path: 'Family/bob-tax-2019.pdf',
      },
    );
    await expect.poll(async () => (await runOf(byAdmin.runId)).status, { timeout: 60_000 }).toBe('succeeded');
    expect(existsSync(join(flux, 'Family/bob-tax-2019.pdf'))).toBe(true);
  });

  it('a client without flux and space has nothing to search; a token bound to no client is refused', async () => {
    const pc = await pairAndReport('pc', BOB, {
      hostName: 'pc',
      os: 'win32',
      shares: [{ share: 'time', state: 'unmounted', mountPoint: null, errorCode: null }],
    });
    await expect(requestJson({ url: helper.url, token: pc }, 'GET', '/api/v1/search?q=tax')).rejects.toThrow(
      /403: client "pc" has neither flux nor space among its shares/,
    );
    const unbound = helper.store.tokens.create('reader', 'client');
    await expect(requestJson({ url: helper.url, token: unbound }, 'GET', '/api/v1/search?q=tax')).rejects.toThrow(
      /403: the token "reader" is not bound to a client/,
    );
  });
});
