/** Parsers of command output, on output captured from the real commands (test/fixtures/). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBlkidExport } from './blkid.js';
import { parseDf } from './df.js';
import { parseFindmntJson } from './findmnt.js';
import { parseSmartctlJson } from './smartctl.js';
import { parseSmbStatusJson, realOpenPaths } from './smbstatus.js';
import { parseTestparmDump, parseTestparmStderr } from './testparm.js';
import { missingVfsModules, parseSmbdBuild } from './smbd-build.js';
import { parsePdbeditList } from './smbpasswd.js';
import { parseGroupList } from './unix-users.js';

const fx = (p: string) => readFileSync(new URL(`../../test/fixtures/${p}`, import.meta.url), 'utf8');

describe('drive parsers', () => {
  it('findmnt --json', () => {
    expect(parseFindmntJson(fx('drives/findmnt-loop.json'))).toEqual([
      {
        source: '/dev/loop0',
        target: '/tmp/cap/mnt',
        fsType: 'ext4',
        uuid: 'b7324c6e-3e9e-4d86-8323-094e116650a8',
        label: 'space',
        options: 'rw,relatime',
      },
    ]);
    expect(
      parseFindmntJson(
        '{"filesystems":[{"source":"/dev/sda1","target":"/","fstype":"ext4","uuid":null,"label":null,"options":"rw","children":[{"source":"/dev/sdb1","target":"/space","fstype":"ext4","uuid":"u","label":"space","options":"rw"}]}]}',
      ).map((m) => m.target),
    ).toEqual(['/', '/space']);
  });
  it('df -B1', () => {
    expect(parseDf(fx('drives/df-loop.txt'))).toEqual({
      source: '/dev/loop0',
      fsType: 'ext4',
      sizeBytes: 57381888,
      usedBytes: 14336,
      availableBytes: 52671488,
      inodesTotal: 16384,
      inodesUsed: 11,
      target: '/tmp/cap/mnt',
    });
    expect(parseDf('Filesystem Type 1B-blocks Used Avail Inodes IUsed Mounted on\n')).toBeNull();
  });
  it('blkid -p -o export', () => {
    expect(parseBlkidExport(fx('drives/blkid-probe-loop.txt'))).toMatchObject({
      LABEL: 'space',
      TYPE: 'ext4',
      UUID: 'b7324c6e-3e9e-4d86-8323-094e116650a8',
    });
  });
  it('smartctl -j -H: passed, failed, and unknown with the reason', () => {
    expect(parseSmartctlJson(fx('drives/smartctl-passed.json'))).toEqual({ health: 'passed', reason: null });
    expect(parseSmartctlJson(fx('drives/smartctl-failed.json')).health).toBe('failed');
    expect(parseSmartctlJson(fx('drives/smartctl-loop-unsupported.json'))).toEqual({
      health: 'unknown',
      reason: '/dev/loop0: Unable to detect device type',
    });
    expect(parseSmartctlJson('garbage').health).toBe('unknown');
  });
});

describe('samba parsers', () => {
  it('pdbedit -L: the account names', () => {
    expect(parsePdbeditList(fx('samba/pdbedit-list.txt'))).toEqual(['daemon', 'bin']);
    expect(parsePdbeditList('')).toEqual([]);
  });
  it('id -nG: the group names', () => {
    expect(parseGroupList('alice fts-users audio\n')).toEqual(['alice', 'fts-users', 'audio']);
  });
  it('smbstatus --json with a session, a tree connect and an open file', () => {
    const st = parseSmbStatusJson(fx('samba/smbstatus-open-file.json'));
    expect(st.sessions).toEqual([
      {
        sessionId: '1142878786',
        user: 'ftstcap',
        group: 'ftstcap',
        remoteMachine: '127.0.0.1',
        address: 'ipv4:127.0.0.1:42818',
        dialect: 'SMB3_11',
        encrypted: false,
        shares: ['flux'],
      },
    ]);
    expect(st.openFiles).toEqual([
      {
        path: '/tmp/cap/share/hello.txt',
        sharePath: '/tmp/cap/share',
        share: 'flux',
        users: [1003],
        openedAt: '2026-11-25T22:16:24.885993+00:00',
        access: 'R',
      },
    ]);
    expect(parseSmbStatusJson(fx('samba/smbstatus-idle.json'))).toEqual({ sessions: [], openFiles: [] });
  });
  it('open files: a share reached through a symlink names its files by their real path', () => {
    const real = (dir: string) => (dir === '/srv/flux' ? '/mnt/flux-disk/flux' : dir);
    const files = [
      { path: '/srv/flux/a/b.docx', sharePath: '/srv/flux' },
      { path: '/srv/flux/c.xlsx', sharePath: '/srv/flux' },
      { path: '/srv/space/d.txt', sharePath: '/srv/space' },
      { path: '/elsewhere/e.txt', sharePath: '/srv/flux' },
    ];
    expect([...realOpenPaths(files, real)]).toEqual([
      '/mnt/flux-disk/flux/a/b.docx',
      '/mnt/flux-disk/flux/c.xlsx',
      '/srv/space/d.txt',
      '/elsewhere/e.txt',
    ]);
  });
  it('testparm stderr: unknown parameters are problems, the usual notes are not', () => {
    expect(parseTestparmStderr(fx('samba/testparm-unknown-stderr.txt'))).toEqual({
      unknownParameters: ['bogus thing'],
      problems: ['Unknown parameter encountered: "bogus thing"'],
      warnings: [],
    });
    const w =
      "WARNING: some services use vfs_fruit, others don't. Mounting them in conjunction on OS X clients results in undefined behaviour.";
    expect(parseTestparmStderr(`Load smb config files from x\n${w}\n`)).toEqual({
      unknownParameters: [],
      problems: [],
      warnings: [w],
    });
    expect(
      parseTestparmStderr(
        'Load smb config files from x\nLoaded services file OK.\nWeak crypto is allowed by GnuTLS (e.g. NTLM as a compatibility fallback)\n\nServer role: ROLE_STANDALONE\n',
      ).problems,
    ).toEqual([]);
    expect(
      parseTestparmStderr('set_variable_helper(maybe): value is not boolean!\nError loading services.\n').problems
        .length,
    ).toBeGreaterThan(0);
  });
  it('smbd -b: the modules folder and the built-in modules', () => {
    const b = parseSmbdBuild(fx('samba/smbd-b.txt'));
    expect(b.modulesDir).toBe('/usr/lib/x86_64-linux-gnu/samba');
    expect(b.shlibExt).toBe('so');
    expect(b.builtin).toContain('vfs_default');
    expect(b.builtin).toContain('pdb_tdbsam');
    expect(parseSmbdBuild('Paths:\n   SBINDIR: /usr/sbin\n')).toEqual({
      modulesDir: null,
      shlibExt: 'so',
      builtin: [],
    });
  });
  it('missing VFS modules: each named once, with the first share that uses it', () => {
    const s = parseTestparmDump(fx('samba/testparm-unknown-stdout.txt'));
    expect(missingVfsModules(s, new Set(['catia', 'fruit', 'streams_xattr']))).toEqual([]);
    const missing = missingVfsModules(s, new Set(['catia', 'streams_xattr']));
    expect(missing.map((m) => m.module)).toEqual(['fruit']);
    expect(s.get(missing[0]!.share)?.get('vfs objects')).toMatch(/fruit/);
    const byPath = parseTestparmDump('[a]\n\tvfs objects = /opt/vfs/here.so, /opt/vfs/gone.so catia\n');
    expect(missingVfsModules(byPath, new Set(['catia']), (p) => p === '/opt/vfs/here.so')).toEqual([
      { module: '/opt/vfs/gone.so', share: 'a' },
    ]);
  });
  it('testparm dump: sections and parameters', () => {
    const s = parseTestparmDump(fx('samba/testparm-unknown-stdout.txt'));
    expect(s.get('flux')?.get('vfs objects')).toBe('catia fruit streams_xattr');
    expect(s.get('global')?.get('restrict anonymous')).toBe('2');
  });
});
