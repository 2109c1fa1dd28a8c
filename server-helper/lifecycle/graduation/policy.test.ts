import { describe, expect, it } from 'vitest';
import { GraduationConfig } from '../../config/schema.js';
import {
  excludeMatcher,
  globToRegExp,
  isIncluded,
  isOldEnough,
  mayContainIncluded,
  normalizeIncludes,
} from './policy.js';
import { suffixedName } from './safe-move.js';

describe('graduation policy', () => {
  const excluded = excludeMatcher(GraduationConfig.parse({}).exclude);

  it('excludes the default Mac, Windows and Office litter and Time Machine bundles', () => {
    for (const n of [
      '.DS_Store',
      'Thumbs.db',
      '~$report.docx',
      'x.tmp',
      '.Trashes',
      '.Trash-1000',
      '.fts-grad-1-2',
      'Mac.sparsebundle',
      'Mac.backupbundle',
    ]) {
      expect(excluded(n), n).toBe(true);
    }
    for (const n of ['report.docx', 'tmp', 'x.tmp.txt', 'DS_Store', '$DATA', 'a~$b'])
      expect(excluded(n), n).toBe(false);
  });

  it('treats glob metacharacters of regular expressions literally', () => {
    expect(globToRegExp('a.(b)+').test('a.(b)+')).toBe(true);
    expect(globToRegExp('a.(b)+').test('aX(b)+')).toBe(false);
    expect(globToRegExp('?x*').test('\nx\nmore')).toBe(true);
  });

  it('limits to include paths and walks only folders that can hold them', () => {
    const inc = normalizeIncludes(['/Projects/', 'Photos/2019']);
    expect(inc).toEqual(['Projects', 'Photos/2019']);
    expect(isIncluded('Projects/a.txt', inc)).toBe(true);
    expect(isIncluded('ProjectsX/a.txt', inc)).toBe(false);
    expect(isIncluded('Photos/2020/a.jpg', inc)).toBe(false);
    expect(mayContainIncluded('Photos', inc)).toBe(true);
    expect(mayContainIncluded('Music', inc)).toBe(false);
    expect(isIncluded('anything', [])).toBe(true);
  });

  it('judges age by mtime', () => {
    expect(isOldEnough(0, 30 * 86400e3, 30 * 86400e3)).toBe(true);
    expect(isOldEnough(1, 30 * 86400e3, 30 * 86400e3)).toBe(false);
  });

  it('suffixes a conflicting name before its extension and stays within 255 bytes', () => {
    expect(suffixedName('a/report.pdf', 1)).toBe('a/report (graduated).pdf');
    expect(suffixedName('report.pdf', 3)).toBe('report (graduated 3).pdf');
    expect(suffixedName('.hidden', 1)).toBe('.hidden (graduated)');
    const long = `${'é'.repeat(125)}x.txt`;
    const s = suffixedName(long, 2);
    expect(Buffer.byteLength(s)).toBeLessThanOrEqual(255);
    expect(s.endsWith(' (graduated 2).txt')).toBe(true);
  });
});
