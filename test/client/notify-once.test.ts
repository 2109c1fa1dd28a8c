/**
 * Each job run notifies once, ever — the tray's facade (real core, real helper, the event memory in a JSON file as
 * electron-store keeps it) against a helper that already holds 50 finished runs:
 * first launch → 0 notifications (old runs are listed, not notified); a new graduation (a real run of the job) → 1;
 * quit and relaunch → 0; the stream dropped during a run (sleep) and resumed → 1 for that run; a stored id newer
 * than the helper's (a reinstalled helper) → its retention is listed from the start, nothing old notified, and its
 * next run notifies.
 * Only the mounter is in memory (this is about events, not mounts).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDuration } from '../../contract/index.js';
import type { CoreNotification } from '../../contract/ipc.js';
import { ClientCoreFacade } from '../../electron/app/client-core-facade.js';
import type { EventMemory, EventMemoryStore } from '../../electron/app/event-gate.js';
import { defaultSettings } from '../../electron/app/settings.js';
import { KEYCHAIN_KEYS } from '../../electron/core/credentials.js';
import { MemoryCredentialStore, type Mounter } from '../../electron/platform/index.js';
import { startHelper, type RunningHelper } from '../../server-helper/daemon.js';
import { serverFeatures } from '../../server-helper/features.js';
import { ensureSandbox, type Sandbox } from '../../server-helper/sandbox.js';

const silent = pino({ level: 'silent' });
const open: ClientCoreFacade[] = [];
const helpers: RunningHelper[] = [];

/** electron-store's behaviour for the `events` store: a JSON file read at launch, rewritten on each write. */
function fileStore(file: string): EventMemoryStore & { writes: number } {
  const s = {
    writes: 0,
    read: () => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as unknown) : {}),
    write: (m: EventMemory) => {
      s.writes++;
      writeFileSync(file, JSON.stringify(m));
    },
  };
  return s;
}

function memoryMounter(): Mounter {
  return {
    os: 'linux',
    mount: async (t) => ({ mountPoint: `/mnt/${t.share}` }),
    unmount: async () => undefined,
    list: async () => [],
  };
}

/** Publishes one finished run of each kind the tray notifies about (what 50 runs of history leave in the store). */
function pastRun(h: RunningHelper, runId: number): void {
  const bus = h.ctx.bus;
  if (runId % 2) {
    bus.publish('graduation.started', { runId, job: 'graduation', from: 'flux', to: 'space', dryRun: false });
    bus.publish('graduation.progress', {
      runId,
      job: 'graduation',
      scanned: 10,
      moved: 1,
      bytesMoved: 100,
      currentPath: 'a',
    });
    bus.publish('graduation.finished', {
      runId,
      job: 'graduation',
      scanned: 10,
      eligible: 2,
      moved: 2,
      bytesMoved: 2e6,
      skipped: {},
      failed: 0,
      examples: ['old/a.pdf'],
      from: 'flux',
      to: 'space',
      durationMs: 10,
    });
  } else {
    bus.publish('backup.started', {
      runId,
      job: 'backup',
      engine: 'restic',
      repository: 's3:https://s3.us-west-000.backblazeb2.com/fts',
      operation: 'backup',
    });
    bus.publish('backup.finished', {
      runId,
      job: 'backup',
      snapshotId: `snap${runId}`,
      filesNew: 1,
      filesChanged: 0,
      dataAdded: 1000,
      durationMs: 10,
      warning: null,
    });
  }
}

/** A file in flux old enough to graduate, so the helper's real graduation job moves it. */
function oldFluxFile(sb: Sandbox, name: string): void {
  const path = join(sb.dir, 'flux', 'projects', name);
  mkdirSync(join(sb.dir, 'flux', 'projects'), { recursive: true });
  writeFileSync(path, Buffer.alloc(4096, 7));
  const old = (Date.now() - parseDuration(sb.config.graduation.minAge)! - 7 * 86_400_000) / 1000;
  utimesSync(path, old, old);
}

async function startSandboxHelper(dir: string, listen = '127.0.0.1:0'): Promise<{ h: RunningHelper; sb: Sandbox }> {
  const sb = ensureSandbox(dir);
  const h = await startHelper({
    config: sb.config,
    listen,
    log: silent,
    sseHeartbeatMs: 500,
    ...serverFeatures(sb.config, { schedule: false }),
  });
  helpers.push(h);
  return { h, sb };
}

/** One launch of the tray's core: the same keychain and event file a real relaunch would find. */
async function launch(h: RunningHelper, token: string, memory: EventMemoryStore) {
  const store = new MemoryCredentialStore();
  await store.set(KEYCHAIN_KEYS.helperToken, token);
  const notes: CoreNotification[] = [];
  const f = new ClientCoreFacade({
    settings: {
      ...defaultSettings('darwin'),
      pairing: { vault: 'kv-miket-ops', tenant: 't', appId: 'a', clientId: 'count-zero' },
      helperUrl: h.url,
    },
    eventMemory: memory,
    deps: {
      store,
      mounter: memoryMounter(),
      mountOptions: { probe: async () => true, autoRetry: false },
      linkOptions: { minBackoffMs: 50, maxBackoffMs: 200 },
      host: { hostName: 'count-zero', os: 'darwin', osVersion: '25' },
    },
    account: () => ({ current: async () => 'ana', signIn: async () => 'ana', signOut: async () => undefined }),
    statusDebounceMs: 20,
  });
  f.onNotification((n) => notes.push(n));
  open.push(f);
  await f.start();
  return { f, notes };
}

/** Resolves once the stream's replay has ended (the helper's ready comment came): what follows is live. */
async function replayed(f: ClientCoreFacade, h: RunningHelper): Promise<void> {
  await expect.poll(() => f.client.link().current.state, { timeout: 15_000 }).toBe('connected');
  // A marker event after the ready comment: once it is in the activity list, the replay is certainly over.
  const marker = h.ctx.bus.publish('share.changed', { shares: ['flux'], reason: 'applied' });
  await expect.poll(() => f.getState().activity.some((e) => e.id === marker.id), { timeout: 15_000 }).toBe(true);
}

afterAll(async () => {
  for (const f of open) await f.close().catch(() => undefined);
  for (const h of helpers) await h.close().catch(() => undefined);
});

describe('each run notifies once, ever (real helper with 50 finished runs)', { timeout: 120_000 }, () => {
  let h: RunningHelper;
  let sb: Sandbox;
  let token: string;
  const eventsFile = join(mkdtempSync(join(tmpdir(), 'fts-events-')), 'events.json');
  const memory = fileStore(eventsFile);

  beforeAll(async () => {
    ({ h, sb } = await startSandboxHelper(mkdtempSync(join(tmpdir(), 'fts-notify-'))));
    token = h.store.tokens.create('count-zero', 'client', { clientId: 'count-zero' });
    for (let runId = 1; runId <= 50; runId++) pastRun(h, 10_000 + runId);
  });

  it('first launch: the 50 old runs are in the activity list, and nothing is notified', async () => {
    const { f, notes } = await launch(h, token, memory);
    await replayed(f, h);
    const finished = f
      .getState()
      .activity.filter((e) => e.type === 'graduation.finished' || e.type === 'backup.finished');
    expect(finished.length).toBeGreaterThanOrEqual(40);
    expect(f.getState().lastGraduation).toMatchObject({ moved: 2, to: 'space' });
    expect(notes).toEqual([]);
    await f.close();
  });

  it('a new graduation (a real run of the job) notifies once', async () => {
    const { f, notes } = await launch(h, token, memory);
    await replayed(f, h);
    oldFluxFile(sb, 'report.pdf');
    const run = h.ctx.jobs!.start('graduation', 'manual');
    await expect.poll(() => notes.length, { timeout: 60_000 }).toBe(1);
    expect(notes[0]).toMatchObject({
      id: `graduation#${run.id}`,
      kind: 'graduation',
      title: 'Graduated 1 file (4.1 KB) from Flux to Space',
    });
    expect(h.store.runs.get(run.id)?.status).toBe('succeeded');
    // The cursor was on disk before the notification was shown.
    expect((JSON.parse(readFileSync(eventsFile, 'utf8')) as EventMemory).lastEventId).toBeGreaterThanOrEqual(
      h.store.events.latest(1)[0]!.id - 1,
    );
    await f.close();
  });

  it('quit and relaunch: nothing is notified again; the activity list is there before the helper answers', async () => {
    const { f, notes } = await launch(h, token, memory);
    expect(f.getState().lastGraduation).toMatchObject({ moved: 1, to: 'space' });
    await replayed(f, h);
    expect(notes).toEqual([]);
    await f.close();
  });

  it('the stream dropped during a run (sleep) and resumed: that run notifies once', async () => {
    const { f, notes } = await launch(h, token, memory);
    await replayed(f, h);
    h.ctx.bus.publish('backup.started', {
      runId: 20_001,
      job: 'backup',
      engine: 'restic',
      repository: 's3:https://s3.us-west-000.backblazeb2.com/fts',
      operation: 'backup',
    });
    await expect
      .poll(() => f.getState().activity.some((e) => e.type === 'backup.started' && e.data.runId === 20_001), {
        timeout: 15_000,
      })
      .toBe(true);
    // The machine sleeps: the helper drops the stream; the run finishes while the client is away.
    h.app.server.closeAllConnections();
    h.ctx.bus.publish('backup.progress', {
      runId: 20_001,
      job: 'backup',
      percentDone: 0.5,
      filesDone: 1,
      totalFiles: 2,
      bytesDone: 1,
      totalBytes: 2,
    });
    h.ctx.bus.publish('backup.finished', {
      runId: 20_001,
      job: 'backup',
      snapshotId: 'abc',
      filesNew: 2,
      filesChanged: 0,
      dataAdded: 2048,
      durationMs: 10,
      warning: null,
    });
    f.onResume();
    await expect.poll(() => notes.map((n) => n.id), { timeout: 15_000 }).toEqual(['backup#20001']);
    expect(notes[0]!.title).toBe('Backup to B2 finished');
    // Dropped again and resumed again: the run is not announced a second time.
    h.app.server.closeAllConnections();
    f.onResume();
    await replayed(f, h);
    expect(notes).toHaveLength(1);
    await f.close();
  });

  it('a stored id newer than the helper has (a reinstalled helper): its retention is listed from the start, nothing old is notified, its next run is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fts-reinstalled-'));
    const fresh = await startSandboxHelper(dir);
    for (let runId = 1; runId <= 5; runId++) pastRun(fresh.h, runId);
    const freshToken = fresh.h.store.tokens.create('count-zero', 'client', { clientId: 'count-zero' });
    // The cursor from the old helper is far ahead of anything the new one has.
    const stored = JSON.parse(readFileSync(eventsFile, 'utf8')) as EventMemory;
    expect(stored.lastEventId).toBeGreaterThan(fresh.h.ctx.bus.lastDeliveredId());
    const { f, notes } = await launch(fresh.h, freshToken, memory);
    await replayed(f, fresh.h);
    // The new helper's history, from the start of its retention: the first of its old runs is listed.
    await expect
      .poll(() => f.getState().activity.some((e) => e.type === 'graduation.finished' && e.data.runId === 1), {
        timeout: 15_000,
      })
      .toBe(true);
    expect(f.getState().activity.every((e) => e.id <= fresh.h.ctx.bus.lastDeliveredId())).toBe(true);
    expect(notes).toEqual([]);
    pastRun(fresh.h, 7);
    await expect.poll(() => notes.map((n) => n.id), { timeout: 15_000 }).toEqual(['graduation#7']);
    await f.close();
    // And the cursor now follows the new helper's ids.
    expect((JSON.parse(readFileSync(eventsFile, 'utf8')) as EventMemory).lastEventId).toBe(
      fresh.h.ctx.bus.lastDeliveredId(),
    );
  });
});
