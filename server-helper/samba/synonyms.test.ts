/** Samba's synonyms, from `testparm --show-all-parameters` captured in test/fixtures, and the deny-list applied through them. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTestparmParameters } from '../system/testparm.js';
import { resolveParameter, SAMBA_SYNONYMS } from './synonyms.js';
import { DENIED_PARAMETERS, MANAGED_PARAMETERS, refuseParameter } from './validate.js';

const captured = parseTestparmParameters(
  readFileSync(new URL('../../test/fixtures/samba/testparm-show-all-parameters.txt', import.meta.url), 'utf8'),
);
const synonymsOf = (param: string) => captured.filter((p) => p.synonymOf === param).map((p) => p.name);

describe('testparm --show-all-parameters', () => {
  it('parses every parameter once, with its scope and what a synonym stands for', () => {
    expect(captured.length).toBeGreaterThan(450);
    expect(new Set(captured.map((p) => p.name)).size).toBe(captured.length);
    expect(captured.find((p) => p.name === 'directory')).toEqual({
      name: 'directory',
      scope: 'local',
      synonymOf: 'path',
      inverse: false,
    });
    expect(captured.find((p) => p.name === 'writable')).toEqual({
      name: 'writable',
      scope: 'local',
      synonymOf: 'read only',
      inverse: true,
    });
    expect(captured.find((p) => p.name === 'root dir')).toEqual({
      name: 'root dir',
      scope: 'global',
      synonymOf: 'root directory',
      inverse: false,
    });
    expect(captured.find((p) => p.name === 'path')).toEqual({
      name: 'path',
      scope: 'local',
      synonymOf: null,
      inverse: false,
    });
  });

  it('the synonym table is exactly the captured one', () => {
    const fromCapture = Object.fromEntries(
      captured
        .filter((p) => p.synonymOf)
        .map((p) => [p.name, p.inverse ? { of: p.synonymOf, inverse: true } : { of: p.synonymOf }]),
    );
    expect(SAMBA_SYNONYMS).toEqual(fromCapture);
  });
});

describe('resolveParameter', () => {
  it('maps a synonym, in any case and spacing, to its parameter', () => {
    expect(resolveParameter('Directory').key).toBe('path');
    expect(resolveParameter('ONLY  guest')).toMatchObject({ key: 'guestonly', synonym: { of: 'guest only' } });
    expect(resolveParameter('write ok')).toMatchObject({
      key: 'readonly',
      synonym: { of: 'read only', inverse: true },
    });
    expect(resolveParameter('create mask')).toEqual({ key: 'createmask', synonym: null });
  });
});

describe('the deny-list judges the parameter smbd reads', () => {
  const guarded = [...DENIED_PARAMETERS, ...Object.keys(MANAGED_PARAMETERS).filter((n) => !n.includes(':'))];

  it('names only parameters Samba has, never a synonym (a synonym would leave its parameter open)', () => {
    const known = new Map(captured.map((p) => [p.name, p]));
    for (const name of guarded) {
      expect(known.has(name), `${name} is not a Samba 4.17 parameter`).toBe(true);
      expect(known.get(name)!.synonymOf, `${name} is a synonym`).toBeNull();
    }
  });

  const cases = guarded.flatMap((param) => synonymsOf(param).map((alias) => [alias, param] as const));
  it('covers the synonyms that exist', () => {
    // directory, group, exec, only guest, print ok, public, writeable/writable/write ok, smb encrypt, vfs object,
    // and the household's masks: create mode, directory mode
    expect(cases.map(([alias]) => alias).sort()).toEqual([
      'create mode',
      'directory',
      'directory mode',
      'exec',
      'group',
      'only guest',
      'print ok',
      'public',
      'smb encrypt',
      'vfs object',
      'writable',
      'write ok',
      'writeable',
    ]);
  });

  it.each(cases)('refuses %j, a synonym of %j, however it is written', (alias, param) => {
    for (const written of [
      alias,
      alias.toUpperCase(),
      alias.replace(/ /g, '  '),
      ` ${alias}`.trimStart().replace(/^(\w)/, (c) => c.toUpperCase()),
    ]) {
      const why = refuseParameter(written, 'x');
      expect(why, written).not.toBeNull();
      expect(why).toContain(`synonym of "${param}"`);
    }
  });

  it('allows the synonyms of parameters it does not guard', () => {
    expect(refuseParameter('deny hosts', '10.0.0.1')).toBeNull();
    expect(refuseParameter('browsable', 'no')).toBeNull();
    expect(refuseParameter('allow hosts', '192.168.1.0/24')).toBeNull();
  });
});
