/**
 * The dashboard's "Storage over time" chart (uPlot) and Time Machine panel against the real helper: the test puts
 * 90 days of samples into the helper's store and builds two Macs' bundles in the sandbox's time folder (plists by
 * python3's plistlib), then checks what the page draws and says, and saves screenshots: into test-results/, or,
 * with FTS_SCREENSHOTS=docs, into docs/screenshots/ where the README shows them (`npm run screenshots`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { projectStorage, type StorageSample } from '../../contract/storage.js';
import { openStore } from '../../server-helper/store/index.js';
import { buildBundle } from '../support/timemachine.js';
import { e2e } from './env.js';

const DAY = 86_400_000;
const GB = 1e9;
/** The README's screenshots are refreshed on purpose, not by every test run (a clean tree stays clean). */
const SHOTS =
  process.env.FTS_SCREENSHOTS === 'docs'
    ? join(import.meta.dirname, '..', '..', 'docs', 'screenshots')
    : join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

/**
 * A household's 90 days, one sample a day: flux (1 TB) fills during the month and drops when files graduate to
 * space (8 TB), which grows steadily; time (4 TB) grows slowly as Time Machine thins old backups.
 */
function household(now: number): StorageSample[] {
  const out: StorageSample[] = [];
  for (let d = 89; d >= 0; d--) {
    const at = new Date(now - d * DAY - 3600_000).toISOString();
    const day = 89 - d;
    const flux = 300 * GB + day * 1.2 * GB - Math.floor(day / 30) * 25 * GB;
    const space = 3000 * GB + day * 6 * GB + Math.floor(day / 30) * 25 * GB;
    const time = 2100 * GB + day * 0.5 * GB + Math.sin(day / 5) * 8 * GB;
    out.push({ role: 'flux', at, usedBytes: flux, availableBytes: 1000 * GB - flux, sizeBytes: 1000 * GB });
    out.push({ role: 'time', at, usedBytes: time, availableBytes: 4000 * GB - time, sizeBytes: 4000 * GB });
    out.push({ role: 'space', at, usedBytes: space, availableBytes: 8000 * GB - space, sizeBytes: 8000 * GB });
  }
  return out;
}

test.beforeAll(() => {
  // The store is the helper's own (WAL, shared across processes like the CLI's): replace whatever the other
  // tests' graduations sampled from this machine's disk with the household's history.
  const store = openStore(join(e2e.sandboxDir, 'helper.db'));
  try {
    store.db.prepare('DELETE FROM storage_samples').run();
    const samples = household(Date.now());
    for (const at of [...new Set(samples.map((s) => s.at))]) {
      store.storageSamples.add(
        samples.filter((s) => s.at === at).map(({ at: _at, ...s }) => s),
        Date.parse(at),
        730 * DAY,
      );
    }
  } finally {
    store.close();
  }
  const time = join(e2e.sandboxDir, 'time');
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000);
  // The tray's own Mac (client count-zero): macOS 13+, a backupbundle with binary plists and a snapshot history.
  buildBundle(time, {
    name: 'count-zero',
    format: 'binary',
    model: 'MacBookPro18,3',
    verificationState: 1,
    verificationDate: hoursAgo(30),
    completions: [hoursAgo(50), hoursAgo(26), hoursAgo(2)],
    bands: [
      { name: '0', bytes: 256 * 1024, mtime: hoursAgo(2) },
      { name: '1', bytes: 128 * 1024, mtime: hoursAgo(26) },
    ],
  });
  // Alice's older Mac in her own folder: a sparsebundle without history, last written 9 days ago, failed verification.
  buildBundle(time, {
    owner: 'alice',
    name: "Alice's MacBook Air",
    kind: 'sparsebundle',
    format: 'xml',
    verificationState: 2,
    verificationDate: hoursAgo(9 * 24),
    bands: [{ name: '0', bytes: 64 * 1024, mtime: hoursAgo(9 * 24) }],
  });
  mkdirSync(SHOTS, { recursive: true });
});

test('the storage chart draws 90 days of flux, time and space and says what it sees', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(e2e.dashboard);
  const section = page.locator('#storage');
  await expect(section.getByRole('heading', { name: 'Storage over time' })).toBeVisible();
  const chart = section.getByRole('img', { name: /How full each drive was over the last 90 days/ });
  await expect(chart).toBeVisible();
  await expect(chart).toHaveAttribute('data-samples', String(90 * 3));
  // uPlot drew into a canvas of the chart's width, with one legend entry per drive.
  const canvas = chart.locator('canvas');
  await expect(canvas).toHaveCount(1);
  expect((await canvas.boundingBox())!.width).toBeGreaterThan(600);
  for (const role of ['flux (931 GiB)', 'time (3.6 TiB)', 'space (7.3 TiB)'])
    await expect(chart.locator('.u-legend')).toContainText(role);
  // The canvas is not blank: some pixels carry the series' colours.
  const coloured = await canvas.evaluate((c: HTMLCanvasElement) => {
    const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i + 3]! > 0 && !(px[i] === px[i + 1] && px[i + 1] === px[i + 2])) n++;
    return n;
  });
  expect(coloured).toBeGreaterThan(500);
  // The words are the pure projection's, over the same samples.
  const samples = household(Date.now());
  for (const role of ['flux', 'time', 'space'] as const)
    await expect(section.locator('figcaption')).toContainText(projectStorage(role, samples).summary);
  await expect(section.locator('figcaption')).toContainText(
    /space grows ~\d+ GB\/week and is full in ~\d+ (months|years) at this rate/,
  );
  await section.screenshot({ path: join(SHOTS, 'dashboard-storage.png') });
});

test('the Time Machine panel shows each Mac, its last backup, size against the maximum, and its warnings', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(e2e.dashboard);
  const panel = page.locator('#timemachine');
  await expect(panel.getByRole('heading', { name: 'Time Machine' })).toBeVisible();
  const mine = panel.locator('tr[data-mac="count-zero"]');
  await expect(mine).toContainText('count-zero.backupbundle');
  await expect(mine).toContainText('MacBookPro18,3');
  // The tray's client registered as count-zero is this Mac's owner.
  await expect(mine).toContainText('client count-zero');
  await expect(mine).toContainText('2 h ago');
  await expect(mine).toContainText('of 2.0 TiB');
  await expect(mine).toContainText('Verified');
  await expect(mine.getByRole('meter', { name: 'count-zero backup size against its maximum' })).toBeVisible();
  const alice = panel.locator(`tr[data-mac="Alice's MacBook Air"]`);
  await expect(alice).toContainText("alice's folder");
  await expect(alice).toContainText('9 d ago');
  await expect(alice).toContainText('from the last write');
  await expect(alice).toContainText('Verification failed');
  await expect(alice).toContainText("Alice's MacBook Air has not completed a Time Machine backup in 9 days (over 7)");
  await panel.screenshot({ path: join(SHOTS, 'dashboard-timemachine.png') });
  await page.screenshot({ path: join(SHOTS, 'dashboard-full.png'), fullPage: true });
});
