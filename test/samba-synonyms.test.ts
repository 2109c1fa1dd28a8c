/**
 * The installed Samba reads a synonym as its parameter, and knows the synonyms the deny-list resolves: checked with
 * the real testparm, so a Samba upgrade that adds a synonym fails here until server-helper/samba/synonyms.ts has it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMBA_SYNONYMS } from '../server-helper/samba/synonyms.js';
import { refuseParameter } from '../server-helper/samba/validate.js';
import { parseTestparmDump, sambaParameters, testparm } from '../server-helper/system/testparm.js';
import { requireBinaries } from './support/require.js';

let dir: string;
beforeAll(() => {
  requireBinaries('/usr/bin/testparm');
  dir = mkdtempSync(join(tmpdir(), 'fts-synonyms-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Samba synonyms, as the installed testparm sees them', () => {
  it('the installed Samba has exactly the synonyms of the table', async () => {
    const installed = (await sambaParameters()).filter((p) => p.synonymOf);
    expect(
      Object.fromEntries(
        installed.map((p) => [p.name, p.inverse ? { of: p.synonymOf, inverse: true } : { of: p.synonymOf }]),
      ),
    ).toEqual(SAMBA_SYNONYMS);
  });

  // Each guarded synonym with a value, and the parameter and value smbd makes of it.
  it.each([
    ['directory', '/srv/elsewhere', 'path', '/srv/elsewhere'],
    ['group', 'nogroup', 'force group', 'nogroup'],
    ['exec', '/bin/true', 'preexec', '/bin/true'],
    ['only guest', 'yes', 'guest only', 'yes'],
    ['public', 'yes', 'guest ok', 'yes'],
    ['print ok', 'yes', 'printable', 'yes'],
    ['writeable', 'yes', 'read only', 'no'],
    ['writable', 'yes', 'read only', 'no'],
    ['write ok', 'yes', 'read only', 'no'],
    ['smb encrypt', 'required', 'server smb encrypt', 'required'],
    ['vfs object', 'fruit', 'vfs objects', 'fruit'],
  ])('smbd reads %j = %j as %j = %j, and the deny-list refuses it', async (alias, value, param, expected) => {
    const file = join(dir, `${alias.replace(/ /g, '-')}.conf`);
    writeFileSync(
      file,
      `[global]\n   workgroup = WORKGROUP\n[t]\n${alias === 'directory' ? '' : '   path = /tmp\n'}   ${alias} = ${value}\n`,
    );
    const r = await testparm(file);
    const share = parseTestparmDump(r.dump).get('t');
    expect(share?.get(param)?.toLowerCase(), r.dump).toBe(expected);
    expect(share?.has(alias)).toBe(false);
    expect(refuseParameter(alias, value)).toMatch(/^(set by fts-helper|".+" is not allowed)/);
  });
});
