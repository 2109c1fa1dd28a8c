/**
 * The helper's dashboard against the real fts-helper on a sandbox: shares, the drive inventory, Run now running
 * the real graduation engine (files move flux → space), its events in the activity feed, and Undo moving them back.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { Status } from '../../contract/api.js';
import type { FtsEvent } from '../../contract/events.js';
import type { JobRun } from '../../contract/job.js';
import { readEventStream } from '../../contract/sse.js';
import { e2e } from './env.js';
import { NEW_FLUX_FILES, OLD_FLUX_FILES } from './support/seed-files.js';

const auth = () => ({ authorization: `Bearer ${e2e.adminToken}` });
const inFlux = (rel: string) => join(e2e.sandboxDir, 'flux', rel);
const inSpace = (rel: string) => join(e2e.sandboxDir, 'space', rel);
const oldFiles = Object.keys(OLD_FLUX_FILES);
const oldBytes = Object.values(OLD_FLUX_FILES).reduce((a, b) => a + b, 0);

/** Every stored event of one run, read from the helper's event stream (replayed from the start) up to its end event. */
async function eventsOfRun(runId: number): Promise<FtsEvent[]> {
  const seen: FtsEvent[] = [];
  const abort = new AbortController();
  await readEventStream(fetch, `${e2e.helperUrl}/api/v1/events?since=0`, {
    token: e2e.adminToken,
    signal: abort.signal,
    onEvent: (e) => {
      if ((e.data as { runId?: number }).runId !== runId) return;
      seen.push(e);
      if (e.type === 'graduation.finished' || e.type === 'graduation.failed') abort.abort();
    },
  }).catch((err: Error) => {
    if (!abort.signal.aborted) throw err;
  });
  return seen;
}

test('the dashboard lists the three shares and the drives', async ({ page, request }) => {
  await page.goto(e2e.dashboard);
  const shares = page.locator('#shares');
  await expect(shares.getByRole('heading', { name: 'Shares' })).toBeVisible();
  for (const name of ['flux', 'time', 'space']) await expect(shares.locator(`[data-share="${name}"]`)).toBeVisible();
  await expect(shares.getByText('Time Machine')).toBeVisible();
  // The real drive inventory measured the sandbox's three folders (requireMount: false): mounted, with a size.
  const drives = page.locator('#drives');
  for (const role of ['flux', 'time', 'space']) {
    await expect(drives.getByRole('meter', { name: `${role} drive usage` })).toBeVisible();
    const row = drives.locator('li.drive').filter({ has: page.locator(`#drive-${role}-label`) });
    await expect(row).toContainText(join(e2e.sandboxDir, role));
    await expect(row).toContainText(/ of \d/);
    await expect(row).toContainText('requireMount: false');
  }
  // The meter shows the share df and the helper's warnings count (used of used + available).
  const status = Status.parse(await (await request.get(`${e2e.helperUrl}/api/v1/status`, { headers: auth() })).json());
  expect(status.drives.map((d) => [d.role, d.mounted])).toEqual([
    ['flux', true],
    ['time', true],
    ['space', true],
  ]);
  for (const d of status.drives) {
    const value = Number(await drives.getByRole('meter', { name: `${d.role} drive usage` }).getAttribute('value'));
    expect(value).toBeCloseTo(d.usedBytes! / (d.usedBytes! + d.availableBytes!), 2);
  }
  // The token went from the address bar into the tab's session only.
  expect(page.url()).not.toContain('token=');
  await page.screenshot({ path: 'test-results/screenshots/dashboard.png', fullPage: true });
});

test('a wrong token gets the sign-in form with the reason', async ({ page }) => {
  await page.goto(`${e2e.helperUrl}/#token=fts_wrong`);
  await expect(page.getByLabel('Access token')).toBeVisible();
  await page.getByLabel('Access token').fill('fts_still_wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('refused this token');
  await page.getByLabel('Access token').fill(e2e.adminToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Clients' })).toBeVisible();
});

test('the dashboard loads without a failed request or console error, and says each name once', async ({ page }) => {
  const failures: string[] = [];
  // The one refusal the sandbox expects: no backup repository yet (409 on snapshots, which the panel explains).
  const expected = (url: string, status: number) => status === 409 && url.endsWith('/api/v1/snapshots');
  page.on('response', (r) => {
    if (r.status() >= 400 && !expected(r.url(), r.status())) failures.push(`${r.status()} ${r.url()}`);
  });
  page.on('console', (m) => {
    const at = m.location().url;
    if (m.type() === 'error' && !(m.text().includes('status of 409') && expected(at, 409)))
      failures.push(`${m.text()} (${at})`);
  });
  await page.goto(e2e.dashboard);
  await expect(page.getByText('Live')).toBeVisible();
  // The share flux has the role flux, the job graduation the kind graduation: each is said once ("flux", not "flux flux").
  await expect(page.locator('[data-share="flux"] .share-head')).toHaveText('flux');
  await expect(page.locator('[data-job="graduation"] .job-head')).not.toContainText('graduation graduation');
  await expect(page.locator('[data-job="graduation"] .job-name')).toHaveText('graduation');
  await expect(page.locator('[data-job="graduation"] .job-head > .muted')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/screenshots/dashboard-loaded.png', fullPage: true });
  // The browser asks for no favicon the helper does not serve.
  expect(failures).toEqual([]);
});

test.describe.serial('graduation from the dashboard', () => {
  let runId = 0;

  test('Run now runs the real graduation: old files move to space, the feed shows started and finished', async ({
    page,
  }) => {
    for (const rel of oldFiles) expect(existsSync(inFlux(rel)), `${rel} is seeded in flux`).toBe(true);
    await page.goto(e2e.dashboard);
    const job = page.locator('[data-job="graduation"]');
    await expect(job).toBeVisible();
    await expect(page.getByText('Live')).toBeVisible();
    await job.getByRole('button', { name: 'Run graduation now' }).click();

    // The helper answers with the run it created (a JobRun); the dashboard names it.
    const started = page.getByRole('status').filter({ hasText: /graduation (started|is queued) as run #\d+/ });
    await expect(started).toBeVisible();
    runId = Number(/#(\d+)/.exec((await started.textContent()) ?? '')![1]);

    const feed = page.locator('#events');
    // Events name the shares, not their folders.
    await expect(feed.locator('[data-event-type="graduation.started"]')).toContainText(
      'Graduation started: flux → space',
    );
    const finished = feed.locator('[data-event-type="graduation.finished"]').first();
    await expect(finished).toContainText(
      `Graduation finished: ${oldFiles.length} files, ${(oldBytes / 1024 / 1024).toFixed(1)} MiB to space`,
    );
    await expect(job.getByRole('progressbar')).toHaveCount(0);
    await expect(job).toContainText('Last: succeeded');
    await expect(job.getByRole('button', { name: 'Run graduation now' })).toBeEnabled();
    const row = page.locator(`#runs [data-run="${runId}"]`);
    await expect(row).toContainText(`${oldFiles.length} files`);
    await expect(row.getByRole('button', { name: `Undo graduation run ${runId}` })).toBeVisible();
    await page.screenshot({ path: 'test-results/screenshots/dashboard-graduation-finished.png', fullPage: true });

    // The engine reported its progress on the way (the dashboard draws it while the run lasts; on three small
    // files that is too short to assert on screen, so the test reads the run's events from the stream instead).
    const events = await eventsOfRun(runId);
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['graduation.started', 'graduation.progress', 'graduation.finished']),
    );
    expect(events.findIndex((e) => e.type === 'graduation.progress')).toBeGreaterThan(
      events.findIndex((e) => e.type === 'graduation.started'),
    );

    // The files really moved: the old ones are in space with their content, the fresh one stayed in flux.
    for (const [rel, size] of Object.entries(OLD_FLUX_FILES)) {
      expect(existsSync(inFlux(rel)), `${rel} left flux`).toBe(false);
      expect(statSync(inSpace(rel)).size, `${rel} is in space`).toBe(size);
    }
    for (const rel of Object.keys(NEW_FLUX_FILES))
      expect(existsSync(inFlux(rel)), `${rel} is too new and stays`).toBe(true);
  });

  test('Undo asks for confirmation, then the real undo moves the files back to flux', async ({ page, request }) => {
    expect(runId, 'the graduation test ran first').toBeGreaterThan(0);
    await page.goto(e2e.dashboard);
    const row = page.locator(`#runs [data-run="${runId}"]`);
    await row.getByRole('button', { name: `Undo graduation run ${runId}` }).click();
    // Nothing is sent before the confirmation: no undo run exists and the files are still in space.
    const undoRuns = async () =>
      (await (
        await request.get(`${e2e.helperUrl}/api/v1/runs?job=graduation-undo`, { headers: auth() })
      ).json()) as JobRun[];
    expect(await undoRuns()).toEqual([]);
    for (const rel of oldFiles) expect(existsSync(inSpace(rel))).toBe(true);

    await row.getByRole('button', { name: `Confirm undo #${runId}` }).click();
    const started = page
      .getByRole('status')
      .filter({ hasText: new RegExp(`^Undo of graduation run #${runId} started as run #\\d+\\.$`) });
    await expect(started).toBeVisible();
    const undoId = Number(/as run #(\d+)/.exec((await started.textContent()) ?? '')![1]);

    const undoRow = page.locator(`#runs [data-run="${undoId}"]`);
    await expect(undoRow).toContainText('graduation-undo');
    await expect(undoRow).toContainText('succeeded');
    await expect(undoRow).toContainText(`${oldFiles.length} files`);
    // An undo run is not itself undoable.
    await expect(undoRow.getByRole('button', { name: /^Undo/ })).toHaveCount(0);
    await expect(
      page
        .locator('#events [data-event-type="graduation.started"]')
        .filter({ hasText: 'Graduation started: space → flux' }),
    ).toBeVisible();
    expect((await undoRuns()).map((r) => [r.id, r.status])).toEqual([[undoId, 'succeeded']]);

    for (const [rel, size] of Object.entries(OLD_FLUX_FILES)) {
      expect(statSync(inFlux(rel)).size, `${rel} is back in flux`).toBe(size);
      expect(existsSync(inSpace(rel)), `${rel} left space`).toBe(false);
    }
    await page.screenshot({ path: 'test-results/screenshots/dashboard-graduation-undone.png', fullPage: true });
  });

  test("Log shows a run's log under its row, as the helper keeps it, and hides it again", async ({ page, request }) => {
    expect(runId, 'the graduation test ran first').toBeGreaterThan(0);
    const kept = (await (
      await request.get(`${e2e.helperUrl}/api/v1/runs/${runId}/log`, { headers: auth() })
    ).json()) as { runId: number; log: string };
    expect(kept.runId).toBe(runId);
    await page.goto(e2e.dashboard);
    const row = page.locator(`#runs [data-run="${runId}"]`);
    const button = row.getByRole('button', { name: `Show the log of run ${runId}` });
    await button.click();
    const shown = page.locator(`#run-log-${runId}`);
    if (kept.log === '') await expect(shown).toContainText('This run wrote nothing to its log.');
    else await expect(shown.getByLabel(`Log of run ${runId}`)).toHaveText(kept.log, { useInnerText: false });
    await page.screenshot({ path: 'test-results/screenshots/dashboard-run-log.png', fullPage: true });
    await row.getByRole('button', { name: `Hide the log of run ${runId}` }).click();
    await expect(shown).toHaveCount(0);
    // A run that does not exist is a 404 naming it.
    const missing = await request.get(`${e2e.helperUrl}/api/v1/runs/999999/log`, { headers: auth() });
    expect(missing.status()).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toBe('no run with id 999999');
  });
});
