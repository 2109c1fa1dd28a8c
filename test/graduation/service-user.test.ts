/**
 * Graduation as the systemd unit runs it (build/server/fts-helper.service): root fenced to CAP_CHOWN,
 * CAP_FOWNER, the DAC overrides and CAP_SYS_RAWIO. Owners, modes and xattrs must still come along. And why
 * not a plain service user with those capabilities: smbstatus refuses to run for one.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chownSync,
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { getAttributeSync, setAttributeSync } from '@napi-rs/xattr';
import { afterAll, describe, expect, it } from 'vitest';
import { grantsChown } from '../../server-helper/lifecycle/graduation/copy-core.mjs';
import { LARGE_FILE } from '../../server-helper/lifecycle/graduation/safe-move.js';
import { requireBinaries, requireRoot } from '../support/require.js';
import { fluxAndSpace } from './helpers.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'fts-helper.mjs');
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe('capabilities', () => {
  it('reads CAP_CHOWN from CapEff in /proc/PID/status', () => {
    // Captured: the unit's set (chown, dac_override, dac_read_search, fowner), a plain user, and root.
    expect(
      grantsChown('Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t000000000000000f\nCapBnd:\t000000000000000f\n'),
    ).toBe(true);
    expect(grantsChown('Name:\tnode\nCapEff:\t0000000000000000\n')).toBe(false);
    expect(grantsChown('Name:\tnode\nCapEff:\t000001ffffffffff\n')).toBe(true);
    expect(grantsChown('Name:\tnode\nCapEff:\t000001fffffffffe\n')).toBe(false);
    expect(grantsChown('no such line')).toBe(false);
  });
});

/** Empty flux/ and space/ in a temp base removed after the file. */
const roots = (prefix: string) => {
  const r = fluxAndSpace(prefix);
  made.push(r.base);
  return r;
};
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
/** Each file's sha256 by its path relative to the root, in the given folders. */
const hashes = (root: string, dirs: string[]) =>
  new Map(dirs.flatMap((d) => readdirSync(join(root, d)).map((f) => [`${d}/${f}`, sha(join(root, d, f))] as const)));

const CAPS = ['chown', 'fowner', 'dac_override', 'dac_read_search', 'sys_rawio'];

describe('graduation as the service runs it', () => {
  it("keeps owner, mode and xattrs as root fenced to the unit's capabilities", () => {
    requireRoot('running a child as another user');
    requireBinaries('/usr/bin/setpriv');
    const { flux, space } = roots('svc-user');
    mkdirSync(join(flux, 'Alice'));
    const file = join(flux, 'Alice', 'plan.txt');
    writeFileSync(file, 'the plan');
    setAttributeSync(file, 'user.DOSATTRIB', Buffer.from('0x20'));
    chownSync(join(flux, 'Alice'), 1234, 1234);
    chownSync(file, 1234, 1234);
    chmodSync(file, 0o640);
    utimesSync(file, (Date.now() - 40 * 86400e3) / 1000, (Date.now() - 40 * 86400e3) / 1000);
    const r = spawnSync(
      'setpriv',
      [
        `--bounding-set=-all,${CAPS.map((c) => `+${c}`).join(',')}`,
        '--no-new-privs',
        process.execPath,
        BIN,
        'graduate',
        '--from',
        flux,
        '--to',
        space,
        '--min-age',
        '1d',
        '--json',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ moved: 1, failed: [] });
    const moved = lstatSync(join(space, 'Alice', 'plan.txt'));
    expect({ uid: moved.uid, gid: moved.gid, mode: moved.mode & 0o7777 }).toEqual({
      uid: 1234,
      gid: 1234,
      mode: 0o640,
    });
    const folder = lstatSync(join(space, 'Alice'));
    expect({ uid: folder.uid, gid: folder.gid }).toEqual({ uid: 1234, gid: 1234 });
    expect(getAttributeSync(join(space, 'Alice', 'plan.txt'), 'user.DOSATTRIB')?.toString()).toBe('0x20');
  });

  it("without DAC overrides (an ad hoc run on your own files): read-only files keep mode and xattrs; a read-only folder's files stay, skipped; an unsearchable folder's file counts as unreadable", () => {
    requireRoot("dropping root's capabilities in a child");
    requireBinaries('/usr/bin/setpriv');
    const { flux, space } = roots('no-caps');
    const old = (Date.now() - 40 * 86400e3) / 1000;
    for (const d of ['rw', 'ro']) {
      mkdirSync(join(flux, d));
      // One small file (fts-native's copy) and one over LARGE_FILE (the chunked copy), both read-only.
      for (const [name, bytes] of [
        ['small.txt', randomBytes(100)],
        ['big.bin', randomBytes(LARGE_FILE + 4096)],
      ] as const) {
        const f = join(flux, d, name);
        writeFileSync(f, bytes);
        setAttributeSync(f, 'user.DOSATTRIB', Buffer.from('0x21'));
        chmodSync(f, 0o444);
        utimesSync(f, old, old);
      }
    }
    chmodSync(join(flux, 'ro'), 0o555);
    // A folder it may list but not search: its file cannot be stat'ed, and is counted as unreadable.
    mkdirSync(join(flux, 'nox'));
    writeFileSync(join(flux, 'nox', 'hidden.txt'), 'x');
    utimesSync(join(flux, 'nox', 'hidden.txt'), old, old);
    chmodSync(join(flux, 'nox'), 0o644);
    const before = hashes(flux, ['rw', 'ro']);
    // Still uid 0, so the checkout stays readable, but no capability: as an ordinary owner of these files.
    const r = spawnSync(
      'setpriv',
      [
        '--bounding-set=-all',
        '--inh-caps=-all',
        '--no-new-privs',
        process.execPath,
        BIN,
        'graduate',
        '--from',
        flux,
        '--to',
        space,
        '--min-age',
        '1d',
        '--json',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      moved: 2,
      failed: [],
      skipped: { 'read-only-folder': 2, unreadable: 1 },
    });
    expect(JSON.parse(r.stdout).skipped.vanished).toBeUndefined();
    for (const name of ['small.txt', 'big.bin']) {
      const moved = join(space, 'rw', name);
      expect(lstatSync(moved).mode & 0o7777).toBe(0o444);
      expect(getAttributeSync(moved, 'user.DOSATTRIB')?.toString()).toBe('0x21');
      expect(sha(moved)).toBe(before.get(`rw/${name}`));
      expect(sha(join(flux, 'ro', name))).toBe(before.get(`ro/${name}`));
    }
    // Nothing was made in space for the folder whose files stayed.
    expect(readdirSync(space)).toEqual(['rw']);
  });

  it('cannot run as a plain service user even with those capabilities: smbstatus refuses, and says so', () => {
    requireRoot('running a child as another user');
    requireBinaries('/usr/bin/setpriv', '/usr/bin/smbstatus');
    // smbstatus itself, as graduation runs it before moving anything (the helper's own code is not run as
    // nobody: a checkout in a 0700 temp folder, as a clean clone often is, would not be readable to it).
    const caps = CAPS.map((c) => `+${c}`).join(',');
    const r = spawnSync(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        `--inh-caps=${caps}`,
        `--ambient-caps=${caps}`,
        'smbstatus',
        '--json',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toContain('smbstatus only works as root');
  });
});
