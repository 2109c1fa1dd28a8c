/**
 * Graduation as the systemd unit runs it (build/server/fts-helper.service): root fenced to CAP_CHOWN,
 * CAP_FOWNER, the DAC overrides and CAP_SYS_RAWIO. Owners, modes and xattrs must still come along. And why
 * not a plain service user with those capabilities: smbstatus refuses to run for one.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, chmodSync, lstatSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getAttributeSync, setAttributeSync } from '@napi-rs/xattr';
import { afterAll, describe, expect, it } from 'vitest';
import { grantsChown } from '../../server-helper/lifecycle/graduation/copy-core.mjs';
import { requireBinaries, requireRoot } from '../support/require.js';
import { tempDir } from './helpers.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'fts-helper.mjs');
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe('capabilities', () => {
  it('reads CAP_CHOWN from CapEff in /proc/PID/status', () => {
    // Captured: the unit's set (chown, dac_override, dac_read_search, fowner), a plain user, and root.
    expect(grantsChown('Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t000000000000000f\nCapBnd:\t000000000000000f\n')).toBe(true);
    expect(grantsChown('Name:\tnode\nCapEff:\t0000000000000000\n')).toBe(false);
    expect(grantsChown('Name:\tnode\nCapEff:\t000001ffffffffff\n')).toBe(true);
    expect(grantsChown('Name:\tnode\nCapEff:\t000001fffffffffe\n')).toBe(false);
    expect(grantsChown('no such line')).toBe(false);
  });
});

const CAPS = ['chown', 'fowner', 'dac_override', 'dac_read_search', 'sys_rawio'];

describe('graduation as the service runs it', () => {
  it('keeps owner, mode and xattrs as root fenced to the unit\'s capabilities', () => {
    requireRoot('running a child as another user');
    requireBinaries('/usr/bin/setpriv');
    const base = tempDir('svc-user');
    made.push(base);
    const flux = join(base, 'flux');
    const space = join(base, 'space');
    mkdirSync(join(flux, 'Alice'), { recursive: true });
    mkdirSync(space);
    const file = join(flux, 'Alice', 'plan.txt');
    writeFileSync(file, 'the plan');
    setAttributeSync(file, 'user.DOSATTRIB', Buffer.from('0x20'));
    chownSync(join(flux, 'Alice'), 1234, 1234);
    chownSync(file, 1234, 1234);
    chmodSync(file, 0o640);
    utimesSync(file, (Date.now() - 40 * 86400e3) / 1000, (Date.now() - 40 * 86400e3) / 1000);
    const r = spawnSync(
      'setpriv',
      [`--bounding-set=-all,${CAPS.map((c) => `+${c}`).join(',')}`, '--no-new-privs', process.execPath, BIN, 'graduate', '--from', flux, '--to', space, '--min-age', '1d', '--json'],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ moved: 1, failed: [] });
    const moved = lstatSync(join(space, 'Alice', 'plan.txt'));
    expect({ uid: moved.uid, gid: moved.gid, mode: moved.mode & 0o7777 }).toEqual({ uid: 1234, gid: 1234, mode: 0o640 });
    const folder = lstatSync(join(space, 'Alice'));
    expect({ uid: folder.uid, gid: folder.gid }).toEqual({ uid: 1234, gid: 1234 });
    expect(getAttributeSync(join(space, 'Alice', 'plan.txt'), 'user.DOSATTRIB')?.toString()).toBe('0x20');
  });

  it('cannot run as a plain service user even with those capabilities: smbstatus refuses, and says so', () => {
    requireRoot('running a child as another user');
    requireBinaries('/usr/bin/setpriv', '/usr/bin/smbstatus');
    // smbstatus itself, as graduation runs it before moving anything (the helper's own code is not run as
    // nobody: a checkout in a 0700 temp folder, as a clean clone often is, would not be readable to it).
    const caps = CAPS.map((c) => `+${c}`).join(',');
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', `--inh-caps=${caps}`, `--ambient-caps=${caps}`, 'smbstatus', '--json'], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toContain('smbstatus only works as root');
  });
});
