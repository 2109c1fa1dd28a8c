/**
 * The household's share folders after the disks are mounted, over real smbd, loop-mounted ext4 and the CLI: a fresh
 * filesystem mounted over a share folder the install prepared is root:root 0755 with lost+found, so a member's
 * smbclient put is refused; samba check, config check --config and drives check name the folder and the fix;
 * samba apply --dry-run says what it would set and sets nothing; samba apply sets root:GROUP 2770, the put
 * succeeds and lost+found is not listed. `drives apply` gives a new disk's share folder its owner and mode itself,
 * and `drives plan` refuses a missing or mounted device. `status` prints df's Use%.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installServerInto } from './support/install-server.js';
import { freePort } from './support/ports.js';
import { requireBinaries, requireRoot } from './support/require.js';
import { makePrivateDirs, privateGlobal, startSmbd, type TestSmbd } from './support/smbd.js';

const repo = join(import.meta.dirname, '..');
const tag = randomBytes(2).toString('hex');
const group = `ftsr${tag}`;
const alice = `ftsra${tag}`;
const PW = `alice-Pa55-${tag}`;
let root = '';
let cfg = '';
let smbd: TestSmbd | null = null;
const mounted: string[] = [];
const loops: string[] = [];

/** fts-helper as an admin runs it. */
function cli(args: string[], input = ''): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(repo, 'bin/fts-helper.mjs'), ...args]);
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
    p.stdin.end(input);
  });
}

const gid = () => Number(execFileSync('getent', ['group', group], { encoding: 'utf8' }).split(':')[2]);
const owner = (p: string) => {
  const st = lstatSync(p);
  return { uid: st.uid, gid: st.gid, mode: (st.mode & 0o7777).toString(8) };
};
function ext4(name: string, label: string | null): string {
  const img = join(root, `${name}.img`);
  execFileSync('truncate', ['-s', '64M', img]);
  if (label) execFileSync('mkfs.ext4', ['-q', '-L', label, img]);
  return img;
}

beforeAll(async () => {
  requireRoot('loop-mounted disks, a Unix user and group, smbd');
  requireBinaries('/usr/sbin/smbd', '/usr/bin/smbclient', '/usr/bin/testparm', '/usr/sbin/mkfs.ext4');
  root = mkdtempSync(join(tmpdir(), 'fts-roots-'));
  chmodSync(root, 0o755);
  cfg = join(root, 'etc/fts/helper.yaml');
  installServerInto(root, { group, listen: `127.0.0.1:${await freePort()}`, extra: ['--no-packages'] });
  const state = join(root, 'var/lib/samba-private');
  mkdirSync(state, { recursive: true });
  makePrivateDirs(state);
  const smbPort = await freePort();
  writeFileSync(join(root, 'etc/samba/smb.conf'), privateGlobal(state, smbPort));
  smbd = await startSmbd({
    existing: {
      conf: join(root, 'etc/samba/smb.conf'),
      dir: state,
      port: smbPort,
      includeFile: join(root, 'etc/samba/fts-shares.conf'),
    },
  });
  for (const args of [
    ['samba', 'apply', '--config', cfg],
    ['samba', 'users', 'add', alice, '--password-stdin', '--config', cfg],
  ]) {
    const r = await cli(args, `${PW}\n`);
    if (r.code !== 0) throw new Error(`fts-helper ${args.join(' ')}: ${r.err || r.out}`);
  }
}, 180_000);

afterAll(async () => {
  await smbd?.stop();
  for (const mp of mounted.reverse()) spawnSync('umount', [mp]);
  for (const dev of loops) spawnSync('losetup', ['-d', dev]);
  spawnSync('userdel', [alice]);
  spawnSync('groupdel', [group]);
  if (root) rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('share folders after the disks are mounted', () => {
  it('a disk mounted over space after the install: members cannot write, the checks say so, samba apply fixes it', async () => {
    const put = (share: string, name: string) => {
      const local = join(root, `${name}.local`);
      writeFileSync(local, `from ${alice}\n`);
      return smbd!.smbclient(share, alice, PW, `put ${local} ${name}`);
    };
    expect(put('space', 'before-mount.txt').out).not.toMatch(/NT_STATUS_/);

    const space = join(root, 'space');
    execFileSync('mount', ['-o', 'loop', ext4('space', 'space'), space]);
    mounted.push(space);
    expect(owner(space)).toEqual({ uid: 0, gid: 0, mode: '755' });
    expect(put('space', 'after-mount.txt').out).toContain('NT_STATUS_ACCESS_DENIED');

    const report = `${space} is root:root 0755, so members of ${group} cannot write in it; fts-helper samba apply sets it to root:${group} 2770`;
    const check = await cli(['samba', 'check', '--config', cfg]);
    expect(check.code).toBe(1);
    expect(check.out).toContain(report);
    const config = await cli(['config', 'check', '--config', cfg]);
    expect(config.code, config.err).toBe(2);
    expect(config.out).toContain(`problem: shares[2].path: ${report}`);
    const drives = await cli(['drives', 'check', '--json', '--config', cfg]);
    expect(drives.code, drives.err).toBe(0);
    expect(JSON.parse(drives.out).announced).toContainEqual({
      role: 'space',
      warning: { code: 'share-root', message: report },
    });

    const dry = await cli(['samba', 'apply', '--dry-run', '--config', cfg]);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain(`would set ${space} to root:${group} 2770 (it is root:root 0755)`);
    expect(owner(space)).toEqual({ uid: 0, gid: 0, mode: '755' });

    const apply = await cli(['samba', 'apply', '--config', cfg]);
    expect(apply.code, apply.err).toBe(0);
    expect(apply.out).toContain(`set ${space} to root:${group} 2770 (was root:root 0755)`);
    expect(owner(space)).toEqual({ uid: 0, gid: gid(), mode: '2770' });
    expect(put('space', 'after-apply.txt').out).not.toMatch(/NT_STATUS_/);
    const list = smbd!.smbclient('space', alice, PW, 'ls');
    expect(list.out).toContain('after-apply.txt');
    expect(list.out).not.toContain('lost+found');
    expect((await cli(['samba', 'check', '--config', cfg])).code).toBe(0);
    // A second apply has nothing to put right.
    expect((await cli(['samba', 'apply', '--config', cfg])).out).not.toMatch(/\bset \//);
  }, 180_000);

  it("status prints a drive's Use% as df does", async () => {
    const space = join(root, 'space');
    execFileSync('dd', ['if=/dev/zero', `of=${join(space, 'fill')}`, 'bs=1M', 'count=40', 'status=none']);
    const df = execFileSync('df', ['--output=pcent', space], { encoding: 'utf8' }).split('\n')[1]!.trim();
    const st = await cli(['status', '--config', cfg]);
    expect(st.code, st.err).toBe(0);
    expect(st.out).toMatch(new RegExp(`^\\s*space\\s+${space}\\s+mounted\\s+${df} used`, 'm'));
  }, 60_000);

  it('drives apply gives the new filesystem its share folder as the household needs it; plan checks the device', async () => {
    const mp = join(root, 'mnt/archive');
    const cfgB = join(root, 'archive.yaml');
    writeFileSync(
      cfgB,
      JSON.stringify({
        store: { path: join(root, 'archive.db') },
        shares: [{ name: 'archive', role: 'space', path: mp }],
        drives: { space: { mountPoint: mp, label: 'archive' } },
        samba: { group, roots: [join(root, 'mnt')] },
      }),
    );
    const dev = execFileSync('losetup', ['-f', '--show', ext4('archive', null)], { encoding: 'utf8' }).trim();
    loops.push(dev);
    const fstab = join(root, 'fstab');
    writeFileSync(fstab, '');
    const base = ['--role', 'space', '--fstab', fstab, '--config', cfgB];

    const missing = await cli(['drives', 'plan', '--device', '/dev/fts-no-such-disk', ...base]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('/dev/fts-no-such-disk does not exist');

    const plan = await cli(['drives', 'plan', '--device', dev, ...base]);
    expect(plan.code, plan.err).toBe(0);
    expect(plan.out).toContain(`install -d -o root -g ${group} -m 2770 ${mp}`);

    const apply = await cli(['drives', 'apply', '--device', dev, '--yes', ...base]);
    expect(apply.code, apply.err).toBe(0);
    mounted.push(mp);
    expect(owner(mp)).toEqual({ uid: 0, gid: gid(), mode: '2770' });

    const again = await cli(['drives', 'plan', '--device', dev, ...base]);
    expect(again.code).toBe(2);
    expect(again.err).toContain(`${dev} is mounted at ${mp}`);
    spawnSync('umount', [mp]);
    mounted.pop();
    const used = await cli(['drives', 'plan', '--device', dev, ...base]);
    expect(used.code, used.err).toBe(0);
    expect(used.out).toMatch(new RegExp(`warning: ${dev} holds an ext4 filesystem labelled archive .*--wipe`));
  }, 180_000);
});
