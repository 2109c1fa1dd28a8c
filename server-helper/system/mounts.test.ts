import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBlkidExport } from './blkid.js';
import { parseFindmntJson as parseFindmnt } from './findmnt.js';
import { parseOpenFiles } from './smbstatus.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../test/fixtures/graduation/${name}`, import.meta.url), 'utf8');

describe('findmnt, blkid and smbstatus parsers', () => {
  it('reads a loop-mounted ext4 with its uuid and label', () => {
    expect(parseFindmnt(fixture('findmnt-loop.json'))).toEqual([
      {
        target: '/tmp/xt/m',
        source: '/dev/loop0',
        fsType: 'ext4',
        uuid: '9c1dd865-de1d-4b40-aad3-3062a82606a0',
        label: 't',
        options: '',
      },
    ]);
  });

  it('flattens the nested tree findmnt prints without -T, with null uuid and label', () => {
    const all = parseFindmnt(fixture('findmnt-all.json'));
    expect(all[0]).toMatchObject({ target: '/', source: '/dev/vda', fsType: 'ext4', uuid: null, label: null });
    expect(all.some((m) => m.target === '/proc' && m.fsType === 'proc')).toBe(true);
    expect(all.length).toBeGreaterThan(5);
  });

  it('reads output with no filesystems as no mounts', () => {
    expect(parseFindmnt('{"x":1}')).toEqual([]);
  });

  it('reads blkid -o export', () => {
    expect(parseBlkidExport(fixture('blkid-export.txt'))).toMatchObject({
      UUID: '9c1dd865-de1d-4b40-aad3-3062a82606a0',
      LABEL: 't',
      TYPE: 'ext4',
    });
  });

  it('reads open files from smbstatus --json, and none when Samba has no locking database yet', () => {
    expect(parseOpenFiles(fixture('smbstatus-idle.json')).size).toBe(0);
    const open = parseOpenFiles(fixture('smbstatus-open.json'));
    expect([...open]).toEqual([expect.stringMatching(/\/flux\/Reports\/q3 draft\.docx$/)]);
  });
});
