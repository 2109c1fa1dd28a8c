import { describe, expect, it } from 'vitest';
import { isHeld } from '../../store/flux-holds.js';
import { placeInRestored, restoredFolderName, restoredName } from './names.js';
import { shownInSnapshot } from './search.js';

describe('where a restore lands', () => {
  it('names the day’s folder by the local date', () => {
    expect(restoredFolderName(new Date(2024, 10, 3, 23, 59))).toBe('Restored 2024-11-03');
  });

  it('puts a path below the backed-up folder that holds it, or names that folder itself', () => {
    expect(placeInRestored('/space/Projects/x', ['/space'])).toEqual({ root: '/space', rel: 'Projects/x' });
    expect(placeInRestored('/space', ['/space'])).toEqual({ root: '/space', rel: 'space' });
    expect(placeInRestored('/srv/space/a', ['/srv', '/srv/space'])).toEqual({ root: '/srv/space', rel: 'a' });
    expect(placeInRestored('/spacecraft/a', ['/space'])).toBeNull();
    expect(placeInRestored('/', ['/space'])).toBeNull();
  });

  it('suffixes a taken name before its extension, within 255 bytes', () => {
    expect(restoredName('Projects/report.pdf', 1)).toBe('Projects/report (restored).pdf');
    expect(restoredName('Projects/2019', 2)).toBe('Projects/2019 (restored 2)');
    expect(restoredName('.hidden', 1)).toBe('.hidden (restored)');
    const long = restoredName(`${'é'.repeat(127)}.txt`, 3);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(255);
    expect(long.endsWith(' (restored 3).txt')).toBe(true);
  });
});

describe('what graduation leaves in flux', () => {
  it('holds a path and everything below it, nothing beside it', () => {
    const held = new Set(['Restored 2024-11-03/Projects', 'Docs/plan.txt']);
    expect(isHeld(held, 'Restored 2024-11-03/Projects/x/a.txt')).toBe(true);
    expect(isHeld(held, 'Restored 2024-11-03/Projects')).toBe(true);
    expect(isHeld(held, 'Restored 2024-11-03/Projects2/a.txt')).toBe(false);
    expect(isHeld(held, 'Docs/plan.txt')).toBe(true);
    expect(isHeld(held, 'Docs/plan.txt.bak')).toBe(false);
    expect(isHeld(new Set(), 'a')).toBe(false);
  });
});

describe('a snapshot path for people', () => {
  it('starts at the backed-up folder’s name', () => {
    expect(shownInSnapshot('/srv/disks/space/Projects/x', ['/srv/disks/space'])).toBe('space/Projects/x');
    expect(shownInSnapshot('/srv/disks/space', ['/srv/disks/space'])).toBe('space');
    expect(shownInSnapshot('/other/x', ['/srv/disks/space'])).toBe('/other/x');
  });
});
