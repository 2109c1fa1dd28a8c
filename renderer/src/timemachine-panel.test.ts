/** The dashboard's Time Machine panel when no Mac was found: it says so without claiming none backed up, and shows why. */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { TimeMachineReport } from '../../contract/timemachine.js';
import { TimeMachinePanel } from './components/TimeMachinePanel.js';

const empty = (warnings: string[]): TimeMachineReport =>
  ({ share: 'time', macs: [], warnings, openFilesKnown: true }) as unknown as TimeMachineReport;

describe('Time Machine panel without a Mac', () => {
  it('shows the share-wide warning, and does not claim no Mac has backed up', () => {
    const warning =
      'The folder “alice” in the Time Machine share holds more than 100,000 folders; only 100,000 were checked';
    const html = renderToStaticMarkup(createElement(TimeMachinePanel, { report: empty([warning]) }));
    expect(html).toContain('No Mac backup found in the share “time”.');
    expect(html).not.toContain('No Mac has backed up');
    expect(html).toContain(warning);
  });

  it('with no warning, says no Mac has backed up yet', () => {
    const html = renderToStaticMarkup(createElement(TimeMachinePanel, { report: empty([]) }));
    expect(html).toContain('No Mac has backed up to time yet.');
    expect(html).not.toContain('class="warnings"');
  });
});
