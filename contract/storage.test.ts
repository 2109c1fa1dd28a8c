/** The storage projection on fixed samples: growth per week by least squares, when the space runs out, and the words. */
import { describe, expect, it } from 'vitest';
import { describeStorage, humanHorizon, projectStorage, type StorageSample } from './storage.js';

const DAY = 86_400_000;
const START = Date.parse('2025-01-01T02:10:00Z');
const GB = 1e9;

/** Daily samples of one role: used grows by perDay, available shrinks by the same. */
function daily(
  role: StorageSample['role'],
  days: number,
  used0: number,
  perDay: number,
  available0: number,
  noise: (i: number) => number = () => 0,
): StorageSample[] {
  return Array.from({ length: days }, (_, i) => ({
    role,
    at: new Date(START + i * DAY).toISOString(),
    usedBytes: used0 + i * perDay + noise(i),
    availableBytes: available0 - i * perDay - noise(i),
    sizeBytes: used0 + available0,
  }));
}

describe('projectStorage', () => {
  it('reads "flux grows ~4 GB/week and is full in ~14 months" from 30 days of steady growth', () => {
    // 4 GB a week, and 240 GB left at the newest sample: 60 weeks = 420 days ≈ 13.8 months.
    const samples = daily('flux', 30, 500 * GB, (4 * GB) / 7, 240 * GB + 29 * ((4 * GB) / 7));
    const t = projectStorage('flux', samples);
    expect(t.bytesPerWeek).toBeCloseTo(4 * GB, -3);
    expect(Date.parse(t.fullAt!) - Date.parse(samples.at(-1)!.at)).toBeCloseTo(420 * DAY, -5);
    expect(t.summary).toBe('flux grows ~4 GB/week and is full in ~14 months at this rate');
  });

  it('fits a line through noisy samples (a graduation frees space one day, files arrive the next)', () => {
    const noise = (i: number) => (i % 2 === 0 ? 3 * GB : -3 * GB);
    const t = projectStorage('space', daily('space', 90, 1000 * GB, (2 * GB) / 7, 2000 * GB, noise));
    expect(t.bytesPerWeek! / GB).toBeGreaterThan(1.9);
    expect(t.bytesPerWeek! / GB).toBeLessThan(2.1);
    expect(t.summary).toMatch(/^space grows ~2 GB\/week and is full in ~1\d years at this rate$/);
  });

  it('ignores other roles and the order the samples come in', () => {
    const mixed = [...daily('time', 10, 10 * GB, GB, 100 * GB), ...daily('flux', 10, 10 * GB, 0, 100 * GB)].reverse();
    expect(projectStorage('time', mixed).bytesPerWeek).toBeCloseTo(7 * GB, -3);
    expect(projectStorage('flux', mixed).summary).toBe('flux is steady');
  });

  it('says steady, shrinks, full now, or that there is too little history', () => {
    expect(projectStorage('flux', daily('flux', 20, 10 * GB, 1000, 50 * GB)).summary).toBe('flux is steady');
    expect(projectStorage('flux', daily('flux', 20, 100 * GB, -GB, 50 * GB)).summary).toBe('flux shrinks ~7 GB/week');
    const full = daily('time', 10, 10 * GB, GB, 9 * GB);
    expect(projectStorage('time', full).summary).toBe('time grows ~7 GB/week and is full now');
    expect(projectStorage('flux', daily('flux', 2, 10 * GB, GB, 50 * GB)).summary).toBe(
      'flux: not enough history for a trend yet',
    );
    expect(projectStorage('flux', [])).toEqual({
      role: 'flux',
      bytesPerWeek: null,
      fullAt: null,
      summary: 'flux: no measurements yet',
    });
  });

  it('joins the drives into one paragraph', () => {
    const samples = [
      ...daily('flux', 30, 500 * GB, (4 * GB) / 7, 300 * GB),
      ...daily('space', 30, 500 * GB, 0, 300 * GB),
    ];
    expect(describeStorage([projectStorage('flux', samples), projectStorage('space', samples)])).toMatch(
      /^flux grows ~4 GB\/week and is full in ~\d+ months at this rate; space is steady\.$/,
    );
    expect(describeStorage([])).toBe('No drive is measured yet.');
  });

  it('writes horizons roughly', () => {
    expect(humanHorizon(3 * DAY)).toBe('~3 days');
    expect(humanHorizon(35 * DAY)).toBe('~5 weeks');
    expect(humanHorizon(420 * DAY)).toBe('~14 months');
    expect(humanHorizon(1000 * DAY)).toBe('~3 years');
    expect(humanHorizon(DAY / 2)).toBe('less than a day');
  });
});
