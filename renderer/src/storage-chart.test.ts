/** The storage chart's time axis: the history's whole window, whatever the number of samples. */
import { describe, expect, it } from 'vitest';
import { timeRange } from './components/StorageChart.js';

const DAY = 86_400;
const now = Date.UTC(2026, 11, 4) / 1000;

describe('storage chart time axis', () => {
  it('one sample sits at the end of the last 90 days, not stretched over years', () => {
    expect(timeRange([now - 60], 90, now)).toEqual([now - 90 * DAY, now]);
  });

  it('no sample yet still gives the window; older samples widen it', () => {
    expect(timeRange([], 30, now)).toEqual([now - 30 * DAY, now]);
    expect(timeRange([now - 100 * DAY, now - DAY], 90, now)).toEqual([now - 100 * DAY, now]);
  });
});
