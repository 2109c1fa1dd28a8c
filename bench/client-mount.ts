/**
 * `npm run bench -- client-mount`: how long "Mount all" takes, against what a person would do instead.
 *  1. Three real shares through gvfs on a real smbd: mountAll (parallel) vs `gio mount` one share after another,
 *     both until the three folders can be read (gvfs's folder lags ~1.5 s behind a share mounted again soon after
 *     an unmount; mountAll waits for it, so the person's way is timed to the same point).
 *  2. A server that does not answer (a blackholed address): our report of server-unreachable vs a bare `gio mount`.
 *  3. Three shares whose mounter takes 300 ms each: parallel vs sequential (the concurrency alone).
 * Runs as root (smbd, useradd), in its own D-Bus session with gvfsd.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MountManager } from '../electron/core/mount-all.js';
import { probeSmb } from '../electron/core/probe.js';
import { LinuxMounter } from '../electron/platform/mounter-linux.js';
import { untilReadable } from '../electron/platform/usable.js';
import { gvfsMountPoint } from '../electron/platform/parsers.js';
import type { Mounter } from '../electron/platform/index.js';
import { startDesktopSession } from '../test/support/desktop-session.js';
import { startSmbd } from '../test/support/smbd.js';
import { shareDirs } from '../test/client/support.js';

const ROUNDS = Number(process.argv[2] ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

const session = await startDesktopSession({ gvfs: true, keyring: false });
const root = mkdtempSync(join(tmpdir(), 'fts-bench-shares-'));
chmodSync(root, 0o755);
const smbd = await startSmbd({ shares: shareDirs(root, ['flux', 'time', 'space']) });
smbd.addUser('ftsbench', 'bench-pw');
const names = ['flux', 'time', 'space'];
const cred = { username: 'ftsbench', password: 'bench-pw' };
const server = { host: '127.0.0.1', smbPort: smbd.port, workgroup: 'WORKGROUP' };
const linux = new LinuxMounter(session.runtimeDir);
const manager = (mounter: Mounter, srv = server, probe?: () => Promise<boolean>) =>
  new MountManager({
    mounter,
    credentials: { smb: async () => cred, refreshSmb: async () => cred },
    server: srv,
    shares: names.map((name) => ({ name, mount: true })),
    autoRetry: false,
    retries: 0,
    ...(probe ? { probe } : {}),
  });

try {
  const parallel: number[] = [];
  const sequential: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const m = manager(linux);
    parallel.push(await time(() => m.mountAll()));
    if (!m.states().every((s) => s.state === 'mounted'))
      throw new Error(`mountAll failed: ${JSON.stringify(m.states())}`);
    await m.unmount();
    sequential.push(
      await time(async () => {
        for (const share of names) {
          const r = spawnSync('gio', ['mount', `smb://127.0.0.1:${smbd.port}/${share}`], {
            input: `ftsbench\nWORKGROUP\nbench-pw\n`,
            env: process.env,
          });
          if (r.status !== 0) throw new Error(`gio mount ${share} failed`);
        }
        for (const share of names)
          await untilReadable(gvfsMountPoint(session.runtimeDir, '127.0.0.1', smbd.port, share), 10_000);
      }),
    );
    for (const share of names)
      spawnSync('gio', ['mount', '-u', `smb://127.0.0.1:${smbd.port}/${share}`], { env: process.env });
  }
  const p = median(parallel);
  const s = median(sequential);
  console.log(
    `real gvfs, 3 shares, median of ${ROUNDS}: mountAll ${p.toFixed(0)} ms | gio mount one by one ${s.toFixed(0)} ms | ratio ${(s / p).toFixed(2)}x`,
  );

  // The server is down (smbd stopped): how fast does the person learn it?
  await smbd.stop();
  const ours = await time(() => manager(linux).mountAll());
  const bare = await time(async () => {
    spawnSync('gio', ['mount', `smb://127.0.0.1:${smbd.port}/flux`], {
      input: 'a\nWORKGROUP\nb\n',
      env: process.env,
      timeout: 30_000,
    });
  });
  console.log(
    `smbd stopped: server-unreachable for 3 shares in ${ours.toFixed(0)} ms | one bare gio mount fails in ${bare.toFixed(0)} ms | ratio ${(bare / ours).toFixed(1)}x`,
  );
  // A port that accepts connections but never speaks SMB (a captive network): the probe still says no, in ~1 s.
  const { createServer } = await import('node:net');
  const mute = createServer(() => undefined);
  await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
  const mutePort = (mute.address() as { port: number }).port;
  const muteTime = await time(() => manager(linux, { ...server, smbPort: mutePort }).mountAll());
  mute.close();
  console.log(
    `port that accepts but never answers: server-unreachable in ${muteTime.toFixed(0)} ms (probe timeout 1 s)`,
  );
  const closed = await time(() => probeSmb('127.0.0.1', smbd.port, 1000));
  console.log(`closed port (smbd stopped): probe answers in ${closed.toFixed(1)} ms`);

  // The concurrency alone: three 300 ms mounts.
  const slow: Mounter = {
    os: 'linux',
    mount: async () => (await new Promise((r) => setTimeout(r, 300)), { mountPoint: '/x' }),
    unmount: async () => undefined,
    list: async () => [],
  };
  const par = await time(() => manager(slow, server, async () => true).mountAll());
  const seq = await time(async () => {
    for (let i = 0; i < 3; i++) await slow.mount({ share: 'x', host: 'h', port: 445, workgroup: 'W' }, cred);
  });
  console.log(
    `3 × 300 ms mounter: mountAll ${par.toFixed(0)} ms | sequential ${seq.toFixed(0)} ms | ratio ${(seq / par).toFixed(2)}x`,
  );
} finally {
  await smbd.stop();
  await session.stop();
}
