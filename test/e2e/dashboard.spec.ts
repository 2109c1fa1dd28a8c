/** The helper's dashboard against a real fts-helper: shares, drives, Run now with progress, the activity feed. */
import { expect, test } from '@playwright/test';
import { e2e } from './env.js';

test('the dashboard lists the three shares and the drives', async ({ page }) => {
  await page.goto(e2e.dashboard);
  const shares = page.locator('#shares');
  await expect(shares.getByRole('heading', { name: 'Shares' })).toBeVisible();
  for (const name of ['flux', 'time', 'space']) await expect(shares.locator(`[data-share="${name}"]`)).toBeVisible();
  await expect(shares.getByText('Time Machine')).toBeVisible();
  const drives = page.locator('#drives');
  for (const role of ['flux', 'time', 'space']) await expect(drives.getByRole('meter', { name: `${role} drive usage` })).toBeVisible();
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

test('Run now on graduation shows progress, then the finished event in the activity feed', async ({ page, request }) => {
  await page.goto(e2e.dashboard);
  const job = page.locator('[data-job="graduation"]');
  await expect(job).toBeVisible();
  await expect(page.getByText('Live')).toBeVisible();
  await job.getByRole('button', { name: 'Run graduation now' }).click();

  // The scripted run holds after its first progress event: the progress line must be on screen now.
  await expect(job.getByRole('progressbar', { name: 'graduation progress' })).toBeVisible();
  await expect(job).toContainText('12 scanned · 3 moved · 3.0 MiB');
  await expect(job.getByRole('button', { name: 'Run graduation now' })).toBeDisabled();
  const feed = page.locator('#events');
  await expect(feed.locator('[data-event-type="graduation.started"]')).toContainText('flux → space');
  await page.screenshot({ path: 'test-results/screenshots/dashboard-graduation-running.png', fullPage: true });

  const runs = (await (await request.get(`${e2e.helperUrl}/api/v1/runs?job=graduation&limit=1`, { headers: { authorization: `Bearer ${e2e.adminToken}` } })).json()) as { id: number }[];
  const release = await request.post(`${e2e.helperUrl}/test-only/release/${runs[0]!.id}`, { headers: { authorization: `Bearer ${e2e.adminToken}` } });
  expect(release.ok()).toBe(true);

  await expect(feed.locator('[data-event-type="graduation.finished"]').first()).toContainText('Graduation finished: 9 files, 9.0 MiB to space');
  await expect(job.getByRole('progressbar')).toHaveCount(0);
  await expect(job).toContainText('Last: succeeded');
  await expect(page.locator(`#runs [data-run="${runs[0]!.id}"]`)).toContainText('9 files');
  await expect(page.locator(`#runs [data-run="${runs[0]!.id}"]`).getByRole('button', { name: `Undo graduation run ${runs[0]!.id}` })).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/dashboard-graduation-finished.png', fullPage: true });
});

test('Undo on a graduation run asks for confirmation, then calls the undo route', async ({ page, request }) => {
  const auth = { authorization: `Bearer ${e2e.adminToken}` };
  await page.goto(e2e.dashboard);
  const first = page.locator('#runs tbody tr').filter({ has: page.getByRole('button', { name: /^Undo graduation run/ }) }).first();
  await expect(first).toBeVisible();
  const id = Number(await first.getAttribute('data-run'));
  const row = page.locator(`#runs [data-run="${id}"]`);
  await row.getByRole('button', { name: `Undo graduation run ${id}` }).click();
  // Nothing is sent before the confirmation.
  expect(await (await request.get(`${e2e.helperUrl}/test-only/undos`, { headers: auth })).json()).not.toContain(id);
  await row.getByRole('button', { name: `Confirm undo #${id}` }).click();
  await expect(page.getByRole('status').filter({ hasText: `Undo of graduation run #${id} started.` })).toBeVisible();
  expect(await (await request.get(`${e2e.helperUrl}/test-only/undos`, { headers: auth })).json()).toContain(id);
});
