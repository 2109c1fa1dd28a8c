import { describe, expect, it } from 'vitest';
import { seedConfig } from '../config/seed.js';
import { sambaIssues, refuseParameter, type Realpath } from './validate.js';

// /flux/evil is a symlink to /etc; everything else resolves to itself.
const realpath: Realpath = (p) =>
  p === '/flux/evil'
    ? '/etc'
    : p.startsWith('/flux/evil/')
      ? `/etc/${p.slice('/flux/evil/'.length)}`
      : ['/', '/flux', '/time', '/space', '/flux/ok'].includes(p)
        ? p
        : null;

describe('share names', () => {
  it.each([
    ['bad[name', /cannot contain/],
    ['bad]name', /cannot contain/],
    ['semi;colon', /cannot contain/],
    ['hash#', /cannot contain/],
    ['per%cent', /cannot contain/],
    ['sl/ash', /cannot contain/],
    ['back\\slash', /cannot contain/],
    ['new\nline', /cannot contain/],
    ['tab\there', /cannot contain/],
    ['del\u007f', /cannot contain/],
    ['x'.repeat(81), /at most 80/],
    ['', /empty/],
    [' padded', /space/],
    ['global', /reserved/],
    ['HOMES', /reserved/],
    ['printers', /reserved/],
    ['IPC$', /reserved/],
  ])('refuses %j', (name, why) => {
    const c = seedConfig();
    c.shares[0]!.name = name;
    const issues = sambaIssues(c, realpath);
    expect(issues[0]).toMatchObject({ field: 'shares[0].name' });
    expect(issues[0]!.message).toMatch(why);
  });
  it('refuses duplicate names, case-insensitively', () => {
    const c = seedConfig();
    c.shares[2]!.name = 'FLUX';
    expect(sambaIssues(c, realpath)).toEqual([
      { field: 'shares[2].name', message: expect.stringMatching(/duplicates shares\[0\]/) },
    ]);
  });
  it('accepts the seed', () => {
    expect(sambaIssues(seedConfig(), realpath)).toEqual([]);
  });
});

describe('share paths', () => {
  it.each([
    ['relative/path', /absolute/],
    ['/etc', /inside one of samba.roots/],
    ['/fluxion', /inside one of samba.roots/],
    ['/flux/../etc', /normalized/],
    ['/flux//x', /normalized/],
    ['/flux/./x', /normalized/],
    ['/flux/a\nb', /line break/],
    ['/flux/%U', /%/],
    ['/flux/a\\', /backslash/],
    ['/flux/evil', /symlink/],
    ['/flux/evil/deeper/missing', /symlink/],
  ])('refuses %j', (path, why) => {
    const c = seedConfig();
    c.shares[0]!.path = path;
    const issues = sambaIssues(c, realpath);
    expect(issues[0]).toMatchObject({ field: 'shares[0].path' });
    expect(issues[0]!.message).toMatch(why);
  });
  it('accepts a folder inside a root, existing or not', () => {
    const c = seedConfig();
    c.shares[0]!.path = '/flux/ok/new';
    expect(sambaIssues(c, realpath)).toEqual([]);
  });
});

describe('parameters', () => {
  it.each([
    ['include', '/etc/passwd'],
    ['root preexec', '/bin/sh -c id'],
    ['Root  PreExec', 'x'],
    ['root_preexec', 'x'],
    ['preexec', 'x'],
    ['postexec', 'x'],
    ['wide links', 'yes'],
    ['guest ok', 'yes'],
    ['public', 'yes'],
    ['guest only', 'yes'],
    ['map to guest', 'bad user'],
    ['force user', 'root'],
    ['admin users', 'alice'],
    ['magic script', 'x.sh'],
    ['print command', 'x'],
    ['add share command', 'x'],
    ['dfree command', 'x'],
    ['path', '/etc'],
    ['vfs objects', 'acl_xattr'],
    ['valid users', 'nobody'],
    ['fruit:time machine', 'no'],
    ['copy', 'flux'],
    ['config file', '/tmp/x'],
    ['comment', 'x'],
    ['bad\nname', 'x'],
    ['create mask', '0644\n[evil]'],
    ['create mask', '0644 \\'],
    ['create mask', '0644'],
    ['force directory mode', '0777'],
    ['Force Group', 'root'],
  ])('refuses %j = %j', (name, value) => {
    const c = seedConfig();
    c.shares[1]!.parameters = { [name]: value };
    const issues = sambaIssues(c, realpath);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.field).toBe(`shares[1].parameters["${name}"]`);
  });
  it('allows ordinary share parameters', () => {
    for (const [k, v] of [
      ['oplocks', 'no'],
      ['hide dot files', true],
      ['hosts allow', '192.168.1.0/24'],
      ['fruit:encoding', 'native'],
    ] as const) {
      expect(refuseParameter(k, v)).toBeNull();
    }
  });
});

describe('other fields', () => {
  it('names comment, validUsers, fruitModel and read-only Time Machine', () => {
    const c = seedConfig();
    c.shares[0]!.comment = 'a\nb';
    c.shares[0]!.validUsers = ['Root Admin'];
    c.samba.fruitModel = 'Mac\nSamba';
    c.shares[1]!.readOnly = true;
    expect(sambaIssues(c, realpath).map((i) => i.field)).toEqual([
      'samba.fruitModel',
      'shares[0].comment',
      'shares[0].validUsers[0]',
      'shares[1].readOnly',
    ]);
  });
});
