import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seedConfig } from '../config/seed.js';
import { changedShares, formatSambaSize, renderInclude, shareSections, withInclude } from './render.js';
import { lineDiff } from './diff.js';

const GOLDEN = new URL('../../test/fixtures/samba/golden-seed-include.conf', import.meta.url);

describe('render', () => {
  it('matches the golden file for the seed: fruit + streams_xattr on all three shares, Time Machine on time', () => {
    const text = renderInclude(seedConfig());
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
    const sections = shareSections(text);
    expect([...sections.keys()]).toEqual(['flux', 'time', 'space']);
    for (const body of sections.values()) {
      expect(body).toMatch(/^\s*vfs objects = catia fruit streams_xattr$/m);
      expect(body).toMatch(/^\s*guest ok = no$/m);
    }
    expect(sections.get('time')).toMatch(/^\s*fruit:time machine = yes$/m);
    expect(sections.get('time')).toMatch(/^\s*fruit:time machine max size = 2T$/m);
    expect(sections.get('flux')).not.toMatch(/time machine/);
    expect(text).toMatch(/^\s*fruit:metadata = stream$/m);
    expect(text).toMatch(/^\s*restrict anonymous = 2$/m);
  });

  it("hides lost+found on every share, keeping an admin's own veto files (under any of its names) after it", () => {
    const c = seedConfig();
    c.shares[0]!.parameters = { 'veto files': '/.DS_Store/' };
    const sections = shareSections(renderInclude(c));
    expect(sections.get('flux')!.match(/veto files/g)).toHaveLength(1);
    expect(sections.get('flux')).toMatch(/^\s*veto files = \/lost\+found\/\.DS_Store\/$/m);
    for (const s of ['time', 'space']) expect(sections.get(s)).toMatch(/^\s*veto files = \/lost\+found\/$/m);
  });

  it('writes valid users, read only and extra parameters in a stable order', () => {
    const c = seedConfig();
    c.shares[0]!.validUsers = ['alice', 'bob'];
    c.shares[2]!.readOnly = true;
    c.shares[2]!.parameters = { 'hide dot files': 'yes', 'delete readonly': 'yes' };
    const s = shareSections(renderInclude(c));
    expect(s.get('flux')).toMatch(/valid users = alice bob/);
    expect(s.get('space')).toMatch(/read only = yes/);
    expect(s.get('space')!.indexOf('delete readonly')).toBeLessThan(s.get('space')!.indexOf('hide dot files'));
  });

  it('household access: the group admitted and forced, group-writable masks; Time Machine per user and private', () => {
    const s = shareSections(renderInclude(seedConfig()));
    for (const share of ['flux', 'space']) {
      expect(s.get(share)).toContain(
        'valid users = @fts-users\n   force group = fts-users\n   create mask = 0660\n   force create mode = 0660\n   directory mask = 2770\n   force directory mode = 2770',
      );
    }
    expect(s.get('time')).toMatch(/path = \/time\/%u$/m);
    expect(s.get('time')).toContain('valid users = @fts-users\n   create mask = 0600\n   directory mask = 0700');
    expect(s.get('time')).not.toContain('force group');
    const c = seedConfig();
    c.samba.group = null;
    c.shares[1]!.timeMachine = { perUser: false };
    const plain = shareSections(renderInclude(c));
    expect(plain.get('flux')).not.toMatch(/valid users|force group|mask/);
    expect(plain.get('time')).toMatch(/path = \/time$/m);
  });

  it('formats sizes in the largest exact binary unit', () => {
    expect(formatSambaSize(2 * 1024 ** 4)).toBe('2T');
    expect(formatSambaSize(1536 * 1024 ** 3)).toBe('1536G');
    expect(formatSambaSize(1000)).toBe('1000');
  });
});

describe('withInclude', () => {
  const inc = '/etc/samba/fts-shares.conf';
  it('adds the include as the last parameter of [global] and leaves every other line alone', () => {
    const conf =
      '# Debian\n[global]\n   workgroup = WORKGROUP\n   map to guest = bad user\n\n#==== Shares ====\n[homes]\n   browseable = no\n';
    const out = withInclude(conf, inc);
    expect(out).toBe(
      '# Debian\n[global]\n   workgroup = WORKGROUP\n   map to guest = bad user\n   include = /etc/samba/fts-shares.conf\n\n#==== Shares ====\n[homes]\n   browseable = no\n',
    );
    expect(withInclude(out, inc)).toBe(out);
  });
  it('keeps exactly one include, moving a misplaced or duplicated one', () => {
    const conf = `[global]\n   include = ${inc}\n   workgroup = W\n   include = ${inc}\n[x]\n   path = /x\n   include = /other.conf\n`;
    const out = withInclude(conf, inc);
    expect(out.match(/fts-shares/g)).toHaveLength(1);
    expect(out).toBe(`[global]\n   workgroup = W\n   include = ${inc}\n[x]\n   path = /x\n   include = /other.conf\n`);
  });
  it('creates [global] when smb.conf has none', () => {
    expect(withInclude('[x]\n   path = /x\n', inc)).toBe(`[global]\n   include = ${inc}\n\n[x]\n   path = /x\n`);
    expect(withInclude('', inc)).toBe(`[global]\n   include = ${inc}\n\n`);
  });
  it('steps past a continued line', () => {
    expect(withInclude('[global]\n   a = 1 \\\n     2\n', inc)).toBe(
      `[global]\n   a = 1 \\\n     2\n   include = ${inc}\n`,
    );
  });
});

describe('diff and changed shares', () => {
  it('names the shares that changed and shows line changes', () => {
    const a = renderInclude(seedConfig());
    const c = seedConfig();
    c.shares[0]!.comment = 'Hot';
    const b = renderInclude(c);
    expect(changedShares(a, b)).toEqual(['flux']);
    expect(changedShares('', a)).toEqual(['flux', 'space', 'time']);
    const d = lineDiff('/x', a, b);
    expect(d).toContain('-   comment = Hot working files');
    expect(d).toContain('+   comment = Hot');
    expect(lineDiff('/x', a, a)).toBe('');
  });
});
