/**
 * "Running" through real Samba: a client holds a band of a per-user bundle open over SMB (smbclient's `open`),
 * smbstatus --json lists it, and the Time Machine report calls that Mac's backup running until the file closes.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelperConfig } from '../server-helper/config/schema.js';
import { readSmbStatus } from '../server-helper/system/smbstatus.js';
import { inspectTimeMachine } from '../server-helper/timemachine/inspect.js';
import { requireBinaries } from './support/require.js';
import { startSmbd, type TestSmbd } from './support/smbd.js';
import { buildBundle } from './support/timemachine.js';

const USER = 'ftstmuser';
const PASSWORD = 'tm-test-Pa55';
let smbd: TestSmbd;
let timeRoot: string;
let config: HelperConfig;

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const n of readdirSync(path)) chownTree(join(path, n), uid, gid);
}

let lastClient: { output: () => string } | null = null;

/** An smbclient session that stays connected, reading commands from its stdin. */
function interactiveClient(): {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  send(cmd: string): void;
  quit(): Promise<void>;
} {
  const auth = join(smbd.dir, 'tm-auth');
  writeFileSync(auth, `username = ${USER}\npassword = ${PASSWORD}\ndomain = WORKGROUP\n`, { mode: 0o600 });
  const child = spawn('smbclient', ['//127.0.0.1/time', '-p', String(smbd.port), '-A', auth, '-s', smbd.conf]);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  lastClient = { output: () => out };
  return {
    child,
    output: () => out,
    send: (cmd) => child.stdin.write(`${cmd}\n`),
    quit: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin.end('quit\n');
      await exited;
    },
  };
}

/** Polls until smbstatus agrees with `want` (each look is a real smbstatus run; no time is asserted). */
async function waitForOpen(want: boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const s = await readSmbStatus(smbd.conf);
    if (s.openFiles.some((f) => f.path.includes('count-zero.sparsebundle/bands/')) === want) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `smbstatus never showed the band ${want ? 'open' : 'closed'}: ${JSON.stringify(await readSmbStatus(smbd.conf))} ${lastClient?.output() ?? ''}`,
  );
}

beforeAll(async () => {
  requireBinaries('/usr/bin/smbstatus', '/usr/bin/smbclient');
  smbd = await startSmbd();
  timeRoot = join(smbd.dir, 'time');
  mkdirSync(timeRoot);
  chmodSync(timeRoot, 0o755);
  writeFileSync(smbd.includeFile, `[time]\n   path = ${timeRoot}\n   read only = no\n   valid users = ${USER}\n`);
  smbd.addUser(USER, PASSWORD);
  smbd.reload();
  // alice's own folder in a per-user Time Machine share, as the Mac left it: a bundle, no history file.
  buildBundle(timeRoot, {
    owner: 'alice',
    name: 'count-zero',
    kind: 'sparsebundle',
    bands: [{ name: '0', bytes: 8192, mtime: new Date(Date.now() - 86_400_000) }],
  });
  // The folder is alice's (the Samba user's), as smbd would have created it for her.
  const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
  chownTree(join(timeRoot, 'alice'), id('-u'), id('-g'));
  config = HelperConfig.parse({
    store: { path: join(smbd.dir, 'helper.db') },
    samba: { smbConf: smbd.conf, includeFile: smbd.includeFile, roots: [timeRoot] },
    shares: [{ name: 'time', role: 'time', path: timeRoot, timeMachine: {} }],
  });
});

afterAll(async () => {
  await smbd?.stop();
  if (smbd) rmSync(smbd.dir, { recursive: true, force: true });
});

describe('Time Machine "running" through real smbd', () => {
  it('is running while a band inside the bundle is open over SMB, and not after it closes', async () => {
    const before = await inspectTimeMachine(config, { clients: [] });
    expect(before.openFilesKnown).toBe(true);
    expect(before.macs.map((m) => [m.path, m.running])).toEqual([['alice/count-zero.sparsebundle', false]]);
    // Idle and without SnapshotHistory.plist: the band's mtime is the last backup.
    expect(before.macs[0]!.lastBackupSource).toBe('last-write');

    const client = interactiveClient();
    try {
      client.send('open alice/count-zero.sparsebundle/bands/0');
      await waitForOpen(true);
      const during = await inspectTimeMachine(config, { clients: [] });
      expect(during.macs[0]).toMatchObject({ running: true, lastBackup: null, warnings: [] });
    } finally {
      await client.quit();
    }
    expect(client.output()).not.toMatch(/NT_STATUS_(ACCESS_DENIED|OBJECT_NAME_NOT_FOUND|LOGON_FAILURE)/);
    await waitForOpen(false);
    const after = await inspectTimeMachine(config, { clients: [] });
    expect(after.macs[0]).toMatchObject({ running: false, lastBackupSource: 'last-write' });
  });
});
