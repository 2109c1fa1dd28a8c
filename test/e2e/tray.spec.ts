/**
 * The tray window in a browser against the headless core (TEST MOUNTER: folders, no SMB) and a real helper:
 * Mount all changes every share's state, the helper's client registry sees it, Unmount all reverts it; this Mac's
 * last Time Machine backup; "Where is my file?" and Bring back to flux with the client's own token.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, test } from '@playwright/test';
import { JobRun } from '../../contract/job.js';
import { encodePairing } from '../../contract/secrets.js';
import { formatBytes } from '../../renderer/src/format.js';
import { buildBundle } from '../support/timemachine.js';
import { e2e } from './env.js';
import { TRAY_MEMBER } from './support/seed-files.js';

test('Mount all mounts every share, the dashboard sees it, Unmount all reverts', async ({ page, browser }) => {
  await page.goto(`${e2e.bridgeUrl}/tray.html`);
  const shares = page.locator('ul.shares > li');
  await expect(shares).toHaveCount(3);
  for (const name of ['flux', 'time', 'space'])
    await expect(page.locator(`[data-share="${name}"]`)).toHaveAttribute('data-state', 'unmounted');
  await expect(page.getByRole('button', { name: 'Unmount all', exact: true })).toBeDisabled();
  await page.screenshot({ path: 'test-results/screenshots/tray-unmounted.png', fullPage: true });

  await page.getByRole('button', { name: 'Mount all', exact: true }).click();
  for (const name of ['flux', 'time', 'space']) {
    const row = page.locator(`[data-share="${name}"]`);
    await expect(row).toHaveAttribute('data-state', 'mounted');
    await expect(row.getByText('Mounted', { exact: true })).toBeVisible();
    await expect(row.getByRole('button', { name: `Open ${name}` })).toBeVisible();
  }
  // The test mounter's mounts are real folders.
  for (const name of ['flux', 'time', 'space'])
    expect(existsSync(join(e2e.mountRoot, name, '.fts-test-mount'))).toBe(true);
  await expect(page.getByRole('button', { name: 'Mount all', exact: true })).toBeDisabled();
  await expect(page.locator('#server-h')).toBeVisible();
  await expect(page.getByText('Connected as count-zero.')).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/tray-mounted.png', fullPage: true });

  // The helper's registry knows: the dashboard shows count-zero with three mounted shares.
  const dash = await browser.newPage();
  await dash.goto(e2e.dashboard);
  const client = dash.locator('[data-client="count-zero"]');
  await expect(client).toContainText('count-zero');
  await expect(client.getByText('Mounted')).toHaveCount(3);
  await dash.close();

  await page.getByRole('button', { name: 'Unmount space' }).click();
  await expect(page.locator('[data-share="space"]')).toHaveAttribute('data-state', 'unmounted');
  expect(existsSync(join(e2e.mountRoot, 'space'))).toBe(false);
  await page.getByRole('button', { name: 'Unmount all', exact: true }).click();
  for (const name of ['flux', 'time'])
    await expect(page.locator(`[data-share="${name}"]`)).toHaveAttribute('data-state', 'unmounted');
});

test('the bridge refuses invalid input and foreign senders', async ({ request }) => {
  const bad = await request.post(`${e2e.bridgeUrl}/ipc/fts:share:mount`, {
    data: { arg: { share: 'x]y' } },
    headers: { origin: e2e.bridgeUrl },
  });
  expect(bad.status()).toBe(400);
  expect((await bad.json()).message).toContain('share');
  const foreign = await request.post(`${e2e.bridgeUrl}/ipc/fts:shares:mount-all`, {
    data: {},
    headers: { origin: 'http://evil.example' },
  });
  expect(foreign.status()).toBe(403);
  const unknown = await request.post(`${e2e.bridgeUrl}/ipc/fts:shell:exec`, {
    data: {},
    headers: { origin: e2e.bridgeUrl },
  });
  expect(unknown.status()).toBe(404);
});

test('a graduation on the server reaches the tray window: activity feed and last graduation', async ({
  page,
  request,
}) => {
  const auth = { authorization: `Bearer ${e2e.adminToken}` };
  await page.goto(`${e2e.bridgeUrl}/tray.html`);
  await expect(page.getByRole('heading', { name: 'Activity' })).toBeVisible();
  // The real job route: it answers with the run (a JobRun), and the real graduation engine runs on the sandbox.
  const started = await request.post(`${e2e.helperUrl}/api/v1/jobs/graduation/run`, { headers: auth, data: {} });
  expect(started.status()).toBe(202);
  const run = JobRun.parse(await started.json());
  expect(run.job).toBe('graduation');
  const feed = page.locator('ol.feed');
  await expect(feed.locator('[data-event-type="graduation.started"]').first()).toBeVisible();
  // What the tray shows must be what the helper recorded for this run (earlier tests decide how many files are left).
  const runOf = async () =>
    JobRun.parse(
      await (
        await request.get(`${e2e.helperUrl}/api/v1/runs?job=graduation&limit=5`, { headers: auth })
      )
        .json()
        .then((rs: unknown[]) => rs.find((r) => (r as JobRun).id === run.id)),
    );
  await expect.poll(async () => (await runOf()).status).toBe('succeeded');
  const summary = (await runOf()).summary as { moved: number; bytesMoved: number };
  await expect(feed.locator('[data-event-type="graduation.finished"]').first()).toContainText(
    `Graduation finished: ${summary.moved} files, ${formatBytes(summary.bytesMoved)} to space`,
  );
  await expect(
    page.getByText(`Last graduation: ${summary.moved} files, ${formatBytes(summary.bytesMoved)}`),
  ).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/tray-after-graduation.png', fullPage: true });
});

test('the first run asks for the pairing string and nothing else; a bad one is refused, a good one pairs', async ({
  page,
}) => {
  await page.goto(`${e2e.firstRunUrl}/tray.html`);
  await expect(page.getByLabel('Pairing string')).toBeVisible();
  // One field, one button: no vault, tenant, app id or URL to type.
  await expect(page.locator('input, select, textarea')).toHaveCount(1);
  await expect(page.getByRole('button')).toHaveCount(1);
  await page.screenshot({ path: 'test-results/screenshots/tray-first-run.png', fullPage: true });
  await page.getByLabel('Pairing string').fill('https://motoko:8642');
  await page.getByRole('button', { name: 'Pair' }).click();
  await expect(page.getByRole('alert')).toContainText('pairing: a pairing string starts with "fts1:"');
  const pairing = encodePairing({
    vault: 'kv-miket-ops',
    tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    appId: 'b1e5b1a0-0000-4000-8000-000000000001',
    clientId: 'new-laptop',
  });
  await page.getByLabel('Pairing string').fill(pairing);
  await page.getByRole('button', { name: 'Pair' }).click();
  await expect(page.getByRole('heading', { name: 'My shares' })).toBeVisible();
  await page.getByText('Settings', { exact: true }).click();
  await expect(page.getByText('Paired as new-laptop with Key Vault kv-miket-ops')).toBeVisible();
});

test('the tray shows this Mac’s last Time Machine backup, finds a graduated file and brings it back to flux', async ({
  page,
  request,
}) => {
  const auth = { authorization: `Bearer ${e2e.adminToken}` };
  // This Mac's (count-zero's) bundle on the time share: its last backup ended 2 hours ago.
  const twoHoursAgo = new Date(Math.floor((Date.now() - 2 * 3600_000) / 1000) * 1000);
  buildBundle(join(e2e.sandboxDir, 'time'), {
    name: 'count-zero',
    completions: [twoHoursAgo],
    bands: [{ name: '0', bytes: 4096, mtime: twoHoursAgo }],
  });
  // A file of the tray's member, old enough to graduate.
  const rel = 'tray-files/tax-return-2019.pdf';
  const inFlux = join(e2e.sandboxDir, 'flux', rel);
  mkdirSync(dirname(inFlux), { recursive: true });
  writeFileSync(inFlux, Buffer.alloc(64 * 1024, 7));
  const member = Number(execFileSync('id', ['-u', TRAY_MEMBER]).toString().trim());
  chownSync(inFlux, member, member);
  const old = (Date.now() - 400 * 86_400_000) / 1000;
  utimesSync(inFlux, old, old);
  const started = await request.post(`${e2e.helperUrl}/api/v1/jobs/graduation/run`, { headers: auth, data: {} });
  const run = JobRun.parse(await started.json());
  await expect
    .poll(async () => {
      const runs = (await (
        await request.get(`${e2e.helperUrl}/api/v1/runs?job=graduation&limit=5`, { headers: auth })
      ).json()) as JobRun[];
      return runs.find((r) => r.id === run.id)?.status;
    })
    .toBe('succeeded');
  expect(existsSync(join(e2e.sandboxDir, 'space', rel))).toBe(true);

  await page.goto(`${e2e.bridgeUrl}/tray.html`);
  // The helper keeps a Time Machine reading for 10 s: a window opened before the bundle was there reads it again.
  await expect(async () => {
    await page.reload();
    await expect(page.getByText('Last Time Machine backup: 2 h ago')).toBeVisible({ timeout: 2_000 });
  }).toPass();

  const panel = page.locator('section[aria-labelledby="where-is-h"]');
  await panel.getByLabel('Part of a file or folder name').fill('tax-return');
  await panel.getByRole('button', { name: 'Search' }).click();
  const inSpace = panel.locator('tr[data-result="space"]', { hasText: 'tax-return-2019.pdf' });
  await expect(inSpace).toContainText(`graduated on`);
  await page.screenshot({ path: 'test-results/screenshots/tray-where-is.png', fullPage: true });
  await inSpace.getByRole('button', { name: `Bring back to flux ${rel}` }).click();
  await expect(inSpace.getByText(/Back in flux: 1 file/)).toBeVisible();
  expect(existsSync(inFlux)).toBe(true);
  expect(statSync(inFlux).uid).toBe(member);
  expect(existsSync(join(e2e.sandboxDir, 'space', rel))).toBe(false);
});
