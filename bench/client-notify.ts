/**
 * `npm run bench -- client-notify [RUNS]`: the tray's two promises, measured end to end.
 *  1. A finished run on the helper → the tray's notification: RUNS real graduation runs started through the API of
 *     `fts-helper serve` (its own process; each run moves one old file), timed from the `graduation.finished`
 *     event's timestamp (the helper's clock, ms) to the tray facade raising its notification (the SSE stream over
 *     loopback TCP, the event gate and the notification model).
 *  2. "Mount all" in the tray → three shares mounted through gvfs against a real smbd (the facade with the real
 *     Linux mounter), median of 5.
 *  3. smbd stopped while mounted and started again → the share mounted and readable by the core's own health passes
 *     (the product's 3 s recheck), median of 3.
 * Runs as root (smbd, useradd), in its own D-Bus session with gvfsd.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDuration } from '../contract/index.js';
import { ClientCoreFacade } from '../electron/app/client-core-facade.js';
import { memoryEventStore } from '../electron/app/event-gate.js';
import { defaultSettings } from '../electron/app/settings.js';
import { KEYCHAIN_KEYS } from '../electron/core/credentials.js';
import { MountManager } from '../electron/core/mount-all.js';
import { LinuxMounter } from '../electron/platform/mounter-linux.js';
import { MemoryCredentialStore, type Mounter } from '../electron/platform/index.js';
import { ensureSandbox } from '../server-helper/sandbox.js';
import { shareDirs } from '../test/client/support.js';
import { startDesktopSession } from '../test/support/desktop-session.js';
import { startSmbd } from '../test/support/smbd.js';
import { fmt, line, percentile, startChild } from './_util.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const RUNS = Number(process.argv[2] ?? 100);
const median = (xs: number[]) => percentile(xs, 50);
const pairing = { vault: 'kv-miket-ops', tenant: 'bench', appId: 'bench', clientId: 'count-zero' };

async function notifyLatency(): Promise<void> {
  // The helper runs as `fts-helper serve` in its own process, as on the server: its work after a run (history,
  // storage samples) does not share the tray's event loop.
  const sb = join(mkdtempSync(join(tmpdir(), 'fts-bench-notify-')), 'sb');
  const sandbox = ensureSandbox(sb);
  const { child, match } = await startChild(
    process.execPath,
    [join(root, 'bin/fts-helper.mjs'), 'serve', '--sandbox', sb, '--listen', '127.0.0.1:0'],
    /"url":"(http:\/\/[^"]+)"/,
  );
  const url = match[1]!;
  // The admin token may report for any client; the bench's tray uses it instead of pairing.
  const token = readFileSync(sandbox.adminTokenFile, 'utf8').trim();
  const store = new MemoryCredentialStore();
  await store.set(KEYCHAIN_KEYS.helperToken, token);
  const noMounts: Mounter = {
    os: 'linux',
    mount: async (t) => ({ mountPoint: `/mnt/${t.share}` }),
    unmount: async () => undefined,
    list: async () => [],
  };
  const tray = new ClientCoreFacade({
    settings: { ...defaultSettings('darwin'), pairing, helperUrl: url },
    eventMemory: memoryEventStore(),
    deps: {
      store,
      mounter: noMounts,
      mountOptions: { probe: async () => true, autoRetry: false },
      host: { hostName: 'count-zero', os: 'darwin', osVersion: 'bench' },
    },
    account: () => ({ current: async () => 'bench', signIn: async () => 'bench', signOut: async () => undefined }),
  });
  // Wall-clock milliseconds with sub-millisecond resolution; the helper stamps each event with Date.now() (ms).
  const wallNow = () => performance.timeOrigin + performance.now();
  let waiting: { runId: number; resolve: (ms: number) => void } | null = null;
  tray.onNotification((n) => {
    const at = wallNow();
    const runId = Number(n.id.split('#')[1]);
    if (!waiting || runId !== waiting.runId) return;
    const w = waiting;
    // The tray's state takes the event right after its listeners run.
    queueMicrotask(() => {
      const e = tray.getState().activity.find((x) => x.type === 'graduation.finished' && x.data.runId === runId)!;
      w.resolve(at - Date.parse(e.ts));
    });
  });
  await tray.start();
  while (tray.client.link().current.state !== 'connected') await new Promise((r) => setTimeout(r, 20));
  const minAge = parseDuration(sandbox.config.graduation.minAge)!;
  const latencies: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const file = join(sb, 'flux', 'bench', `file-${i}.bin`);
      mkdirSync(join(sb, 'flux', 'bench'), { recursive: true });
      writeFileSync(file, Buffer.alloc(4096, i % 256));
      const old = (Date.now() - minAge - 86_400_000) / 1000;
      utimesSync(file, old, old);
      const res = await fetch(`${url}/api/v1/jobs/graduation/run`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      const run = (await res.json()) as { id: number };
      if (!res.ok) throw new Error(`starting a graduation: HTTP ${res.status}`);
      latencies.push(
        await new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`run ${run.id} was not notified within 30 s`)), 30_000);
          waiting = { runId: run.id, resolve: (ms) => (clearTimeout(timer), resolve(ms)) };
        }),
      );
    }
  } finally {
    await tray.close();
    child.kill('SIGTERM');
  }
  line(`finished run → notification, ${RUNS} graduation runs, p50`, `${fmt(percentile(latencies, 50), 1)} ms`);
  line(`finished run → notification, p99`, `${fmt(percentile(latencies, 99), 1)} ms`);
  line(`finished run → notification, max`, `${fmt(Math.max(...latencies), 1)} ms`);
}

/** The tray's "Mount all" (the facade over the real core and the gvfs mounter); resolves with the time it took. */
async function trayMountAll(mounter: Mounter, smbPort: number): Promise<{ ms: number; tray: ClientCoreFacade }> {
  const store = new MemoryCredentialStore();
  await store.set(KEYCHAIN_KEYS.smb, JSON.stringify({ username: 'ftsbench', password: 'bench-pw' }));
  const tray = new ClientCoreFacade({
    settings: { ...defaultSettings('linux'), pairing },
    baseConfig: { server: { host: '127.0.0.1', smbPort }, helper: { url: 'http://127.0.0.1:9' } },
    deps: {
      store,
      mounter,
      mountOptions: { autoRetry: false },
      host: { hostName: 'count-zero', os: 'linux', osVersion: 'bench' },
    },
    account: () => ({ current: async () => 'bench', signIn: async () => 'bench', signOut: async () => undefined }),
  });
  const t = performance.now();
  await tray.mountAll();
  const ms = performance.now() - t;
  if (!tray.getState().shares.every((s) => s.state === 'mounted'))
    throw new Error(`Mount all failed: ${JSON.stringify(tray.getState().shares)}`);
  return { ms, tray };
}

async function mountAndRecovery(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'fts-bench-notify-shares-'));
  chmodSync(root, 0o755);
  const smbd = await startSmbd({ shares: shareDirs(root, ['flux', 'time', 'space']) });
  smbd.addUser('ftsbench', 'bench-pw');
  writeFileSync(join(root, 'flux', 'note.txt'), 'here');
  try {
    // 2a. A login's "Mount all": the first mount of the shares in a desktop session (a fresh gvfsd each round).
    const first: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = await startDesktopSession({ gvfs: true, keyring: false });
      const { ms, tray } = await trayMountAll(new LinuxMounter(s.runtimeDir), smbd.port);
      first.push(ms);
      await tray.unmountAll();
      await tray.close();
      await s.stop();
    }
    line('"Mount all" → 3 gvfs shares readable, first in session (med 5)', `${fmt(median(first))} ms`);
  } catch (err) {
    await smbd.stop();
    throw err;
  }
  const session = await startDesktopSession({ gvfs: true, keyring: false });
  const mounter = new LinuxMounter(session.runtimeDir);
  try {
    // 2b. "Mount all" again right after "Unmount all" (gvfs's folder lags about 1.5 s behind such a remount).
    const again: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { ms, tray } = await trayMountAll(mounter, smbd.port);
      if (i > 0) again.push(ms);
      await tray.unmountAll();
      await tray.close();
    }
    line('"Mount all" right after "Unmount all" (median of 4)', `${fmt(median(again))} ms`);

    // 3. The server goes away and comes back: the core's own passes bring the share back.
    const bounds: number[] = [];
    for (let i = 0; i < 3; i++) {
      const cred = { username: 'ftsbench', password: 'bench-pw' };
      const m = new MountManager({
        mounter,
        credentials: { smb: async () => cred, refreshSmb: async () => cred },
        server: { host: '127.0.0.1', smbPort: smbd.port, workgroup: 'WORKGROUP' },
        shares: [{ name: 'flux', mount: true }],
        autoRetry: false,
        retries: 0,
        healthIntervalMs: 30_000,
        degradedIntervalMs: 3000,
      });
      await m.mountAll();
      m.watch();
      await smbd.stop();
      await m.checkHealth();
      if (m.states()[0]!.state !== 'error') throw new Error('the outage was not seen');
      await smbd.restart();
      const t = performance.now();
      while (m.states()[0]!.state !== 'mounted') await new Promise((r) => setTimeout(r, 20));
      await readFile(join(m.states()[0]!.mountPoint!, 'note.txt'));
      bounds.push(performance.now() - t);
      m.dispose();
      await m.unmount();
    }
    line(
      'smbd back → share readable again by itself (median of 3)',
      `${fmt(median(bounds))} ms`,
      '≤ recheck 3 s + one check',
    );
  } finally {
    await smbd.stop();
    await session.stop();
  }
}

await notifyLatency();
await mountAndRecovery();
process.exit(0);
