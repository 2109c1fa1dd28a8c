/**
 * Share permissions for a household, over real smbd with two members: what one writes in flux the other reads
 * and edits (group forced, group-writable masks), folders stay setgid and shared, an account outside the
 * household group is refused, and each member's Time Machine share is their own folder (`path = /time/%u`):
 * one cannot see or reach the other's backups.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelperConfig } from '../server-helper/config/schema.js';
import { applySamba, realSambaSystem } from '../server-helper/samba/apply.js';
import { addUser, removeUser } from '../server-helper/samba/users.js';
import { startSmbd, type TestSmbd } from './support/smbd.js';
import { requireBinaries, requireRoot } from './support/require.js';

const tag = randomBytes(3).toString('hex');
const group = `ftsh${tag}`;
const alice = `ftsa${tag}`;
const bob = `ftsb${tag}`;
const outsider = `ftso${tag}`;
const PW = { [alice]: 'alice-Pa55-1', [bob]: 'bob-Pa55-2', [outsider]: 'out-Pa55-3' };
let smbd: TestSmbd;
let root: string;
let local: string;
let config: HelperConfig;

const gid = () => Number(spawnSync('getent', ['group', group], { encoding: 'utf8' }).stdout.split(':')[2]);
const uid = (u: string) => Number(spawnSync('id', ['-u', u], { encoding: 'utf8' }).stdout.trim());
const mode = (p: string) => (lstatSync(p).mode & 0o7777).toString(8);

/** Runs smbclient commands on a share as a user; throws with smbclient's output when it fails. */
function smb(share: string, user: string, command: string): string {
  const r = smbd.smbclient(share, user, PW[user]!, command);
  if (r.code !== 0 || /NT_STATUS_/.test(r.out))
    throw new Error(`smbclient //${share} as ${user}: ${command}\n${r.out}`);
  return r.out;
}

beforeAll(async () => {
  requireRoot('Unix users, a group and share folders owned by it');
  requireBinaries('/usr/sbin/smbd', '/usr/bin/smbclient', '/usr/bin/testparm');
  root = mkdtempSync(join(tmpdir(), 'fts-household-'));
  chmodSync(root, 0o755);
  local = mkdtempSync(join(tmpdir(), 'fts-household-local-'));
  spawnSync('groupadd', ['--system', group]);
  // The folders as install-server.sh makes them.
  for (const [d, m] of [
    ['flux', 0o2770],
    ['space', 0o2770],
    ['time', 0o2750],
  ] as const) {
    mkdirSync(join(root, d));
    chownSync(join(root, d), 0, gid());
    chmodSync(join(root, d), m);
  }
  smbd = await startSmbd();
  config = HelperConfig.parse({
    store: { path: join(root, 'helper.db') },
    shares: [
      { name: 'flux', role: 'flux', path: join(root, 'flux') },
      { name: 'time', role: 'time', path: join(root, 'time'), timeMachine: { maxSize: '1T' } },
      { name: 'space', role: 'space', path: join(root, 'space') },
    ],
    samba: {
      smbConf: smbd.conf,
      includeFile: smbd.includeFile,
      roots: ['flux', 'time', 'space'].map((d) => join(root, d)),
      group,
    },
  });
  for (const u of [alice, bob]) await addUser(config, u, { password: PW[u], vault: null });
  // An account the household group does not hold (made by hand, not by `samba users add`).
  smbd.addUser(outsider, PW[outsider]!);
  await applySamba(config, realSambaSystem());
}, 120_000);

afterAll(async () => {
  await smbd?.stop();
  for (const u of [alice, bob, outsider]) spawnSync('userdel', [u]);
  spawnSync('groupdel', [group]);
  for (const d of [root, local]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('household shares over real smbd', { timeout: 120_000 }, () => {
  it('users add puts each member in the household group and makes their own 0700 Time Machine folder', () => {
    for (const u of [alice, bob]) {
      expect(spawnSync('id', ['-nG', u], { encoding: 'utf8' }).stdout.split(/\s+/)).toContain(group);
      const tm = join(root, 'time', u);
      expect({ mode: mode(tm), uid: lstatSync(tm).uid, gid: lstatSync(tm).gid }).toEqual({
        mode: '700',
        uid: uid(u),
        gid: gid(),
      });
    }
  });

  it('a file alice writes in flux, bob reads and edits, and alice reads his edit', () => {
    writeFileSync(join(local, 'a1.txt'), 'draft by alice\n');
    smb('flux', alice, `put ${join(local, 'a1.txt')} plan.txt`);
    const onDisk = join(root, 'flux', 'plan.txt');
    expect({ mode: mode(onDisk), uid: lstatSync(onDisk).uid, gid: lstatSync(onDisk).gid }).toEqual({
      mode: '660',
      uid: uid(alice),
      gid: gid(),
    });

    smb('flux', bob, `get plan.txt ${join(local, 'b-read.txt')}`);
    expect(readFileSync(join(local, 'b-read.txt'), 'utf8')).toBe('draft by alice\n');
    // Overwriting opens alice's file for writing: it needs the group's write bit.
    writeFileSync(join(local, 'b1.txt'), 'edited by bob\n');
    smb('flux', bob, `put ${join(local, 'b1.txt')} plan.txt`);
    expect(readFileSync(onDisk, 'utf8')).toBe('edited by bob\n');
    smb('flux', alice, `get plan.txt ${join(local, 'a-read.txt')}`);
    expect(readFileSync(join(local, 'a-read.txt'), 'utf8')).toBe('edited by bob\n');
    // And rename and delete, as Finder's safe save and the bin do.
    smb('flux', alice, 'rename plan.txt plan-final.txt');
    smb('flux', bob, 'del plan-final.txt');
  });

  it('a folder bob makes is setgid and group-writable, so alice writes inside it; the same in space', () => {
    for (const share of ['flux', 'space']) {
      smb(share, bob, 'mkdir Photos');
      const dir = join(root, share, 'Photos');
      expect({ mode: mode(dir), gid: lstatSync(dir).gid }).toEqual({ mode: '2770', gid: gid() });
      writeFileSync(join(local, 'p.jpg'), 'jpeg');
      smb(share, alice, `put ${join(local, 'p.jpg')} Photos\\p.jpg`);
      expect(lstatSync(join(dir, 'p.jpg')).gid).toBe(gid());
      smb(share, bob, `get Photos\\p.jpg ${join(local, 'p-back.jpg')}`);
    }
  });

  it('an account outside the household group is refused at the door', () => {
    const r = smbd.smbclient('flux', outsider, PW[outsider]!, 'ls');
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/NT_STATUS_ACCESS_DENIED|NT_STATUS_BAD_NETWORK_NAME/);
  });

  it("each member's Time Machine share is their own folder: alice cannot see or reach bob's backups", () => {
    writeFileSync(join(local, 'band'), 'alice backup band');
    smb('time', alice, `mkdir alice-mac.sparsebundle; put ${join(local, 'band')} alice-mac.sparsebundle\\band0`);
    writeFileSync(join(local, 'band'), 'bob backup band');
    smb('time', bob, `mkdir bob-mac.sparsebundle; put ${join(local, 'band')} bob-mac.sparsebundle\\band0`);
    expect(readFileSync(join(root, 'time', alice, 'alice-mac.sparsebundle', 'band0'), 'utf8')).toBe(
      'alice backup band',
    );
    expect(mode(join(root, 'time', alice, 'alice-mac.sparsebundle', 'band0'))).toBe('600');

    const aliceSees = smb('time', alice, 'ls');
    expect(aliceSees).toContain('alice-mac.sparsebundle');
    expect(aliceSees).not.toContain('bob-mac.sparsebundle');
    expect(aliceSees).not.toContain(bob);
    // Climbing out of the share root is refused by smbd.
    const climb = smbd.smbclient(
      'time',
      alice,
      PW[alice]!,
      `get ..\\${bob}\\bob-mac.sparsebundle\\band0 ${join(local, 'stolen')}`,
    );
    expect(climb.out).toMatch(/NT_STATUS_/);
    expect(() => readFileSync(join(local, 'stolen'))).toThrow();
  });

  it('users remove takes the member out of the household group and keeps their Time Machine folder', async () => {
    const carol = `ftsc${tag}`;
    PW[carol] = 'carol-Pa55-4';
    try {
      await addUser(config, carol, { password: PW[carol], vault: null });
      expect(smbd.smbclient('flux', carol, PW[carol]!, 'ls').code).toBe(0);
      await removeUser(config, carol);
      expect(spawnSync('id', ['-nG', carol], { encoding: 'utf8' }).stdout.split(/\s+/)).not.toContain(group);
      expect(mode(join(root, 'time', carol))).toBe('700');
    } finally {
      spawnSync('userdel', [carol]);
    }
  });
});
