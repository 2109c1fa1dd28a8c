/**
 * The dashboard's Restore panel and "Where is my file?" against the real helper and real restic on the sandbox: the
 * test puts an archive in space and backs it up (the real backup job), then in the browser picks the snapshot, opens
 * a folder, restores it (the files are in flux under `Restored YYYY-MM-DD/`, byte-identical), and finds a letter by
 * part of its name and brings it back to flux. Saves screenshots: into test-results/, or, with FTS_SCREENSHOTS=docs,
 * into docs/screenshots/ where the README shows them (`npm run screenshots`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import type { JobRun } from '../../contract/job.js';
import type { SnapshotInfo } from '../../contract/restore.js';
import { e2e } from './env.js';

/** The README's screenshots are refreshed on purpose, not by every test run (a clean tree stays clean). */
const SHOTS =
  process.env.FTS_SCREENSHOTS === 'docs'
    ? join(import.meta.dirname, '..', '..', 'docs', 'screenshots')
    : join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const auth = () => ({ authorization: `Bearer ${e2e.adminToken}` });
const space = () => join(e2e.sandboxDir, 'space');
const flux = () => join(e2e.sandboxDir, 'flux');
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** The archive in space the snapshot holds: a year of photos and documents, and a letter to find. */
const ARCHIVE: Record<string, Buffer> = {
  'Family archive/2019/Holiday in Lisbon.jpg': randomBytes(180_000),
  'Family archive/2019/Tax return 2019.pdf': randomBytes(64_000),
  'Family archive/2019/Recipes/Bolo de arroz.txt': Buffer.from('flour, rice flour, sugar, eggs, butter, lemon\n'),
  'Family archive/2020/Garden plan.pdf': randomBytes(20_000),
  'Family archive/Letters/Letter to Grandma (Christmas).txt': Buffer.from('Dear Grandma, thank you for the jumper.\n'),
};

/** Runs a job through the API and waits for it to end. */
async function runJob(request: APIRequestContext, name: string): Promise<JobRun> {
  const started = (await (
    await request.post(`${e2e.helperUrl}/api/v1/jobs/${name}/run`, {
      headers: { ...auth(), 'content-type': 'application/json' },
      data: {},
    })
  ).json()) as JobRun;
  for (let i = 0; i < 1200; i++) {
    const runs = (await (
      await request.get(`${e2e.helperUrl}/api/v1/runs?job=${name}&limit=5`, { headers: auth() })
    ).json()) as JobRun[];
    const run = runs.find((r) => r.id === started.id);
    if (run && run.status !== 'queued' && run.status !== 'running') return run;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} run ${started.id} did not end`);
}

async function seriousViolations(page: Page, selector: string) {
  const results = await new AxeBuilder({ page })
    .include(selector)
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

let snapshot: SnapshotInfo;

test.beforeAll(async ({ request }) => {
  for (const [rel, data] of Object.entries(ARCHIVE)) {
    mkdirSync(join(space(), rel, '..'), { recursive: true });
    writeFileSync(join(space(), rel), data);
  }
  const backup = await runJob(request, 'backup');
  expect(backup.status, backup.error ?? '').toBe('succeeded');
  const list = (await (
    await request.get(`${e2e.helperUrl}/api/v1/snapshots`, { headers: auth() })
  ).json()) as SnapshotInfo[];
  snapshot = list[0]!;
  expect(snapshot.id.startsWith(String(backup.summary!.snapshotId))).toBe(true);
  mkdirSync(SHOTS, { recursive: true });
});

test('Restore: pick a snapshot, open a folder, restore it; the files are in flux byte-identical', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(e2e.dashboard);
  const panel = page.locator('#restore');
  await expect(panel.getByRole('heading', { name: 'Restore from the backup' })).toBeVisible();
  await panel.getByLabel('Snapshot').selectOption(snapshot.id);
  await expect(panel.getByRole('navigation', { name: 'Folder in the snapshot' })).toContainText('space');
  await panel.getByRole('button', { name: 'Open folder Family archive' }).click();
  await panel.getByRole('button', { name: 'Open folder 2019' }).click();
  const crumbs = panel.getByRole('navigation', { name: 'Folder in the snapshot' });
  await expect(crumbs).toContainText('Family archive');
  await expect(crumbs.locator('[aria-current="page"]')).toHaveText('2019');
  await expect(panel.locator('tr[data-entry="Holiday in Lisbon.jpg"]')).toContainText('176 KiB');
  await expect(panel.locator('tr[data-entry="Recipes"]')).toContainText('Folder');
  // axe looks at the panel once it has settled (no page still loading).
  await expect(panel.locator('table')).toHaveAttribute('aria-busy', 'false');
  expect(await seriousViolations(page, '#restore')).toEqual([]);
  await panel.screenshot({ path: join(SHOTS, 'dashboard-restore.png') });

  await panel.getByRole('button', { name: 'Restore this folder' }).click();
  const done = panel.locator('[data-restored-to]');
  await expect(done).toBeVisible({ timeout: 60_000 });
  await expect(done).toContainText('Restored 3 files');
  const restoredTo = (await done.getAttribute('data-restored-to'))!;
  expect(restoredTo).toMatch(/^Restored \d{4}-\d{2}-\d{2}\/Family archive\/2019$/);
  // Every file of the folder, and nothing else, byte-identical.
  const want = Object.keys(ARCHIVE).filter((rel) => rel.startsWith('Family archive/2019/'));
  for (const rel of want)
    expect(sha(join(flux(), restoredTo, rel.slice('Family archive/2019/'.length))), rel).toBe(sha(join(space(), rel)));
  expect(readdirSync(join(flux(), restoredTo)).sort()).toEqual([
    'Holiday in Lisbon.jpg',
    'Recipes',
    'Tax return 2019.pdf',
  ]);
  expect(readdirSync(flux()).filter((n) => n.startsWith('.fts-restore-'))).toEqual([]);
  await panel.screenshot({ path: join(SHOTS, 'dashboard-restore-done.png') });
});

test('Where is my file?: a letter found by part of its name, in space and in the backup, brought back to flux', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(e2e.dashboard);
  const panel = page.locator('#find');
  await expect(panel.getByRole('heading', { name: 'Where is my file?' })).toBeVisible();
  await panel.getByLabel('Part of a file or folder name').fill('grandma');
  await panel.getByRole('button', { name: 'Search' }).click();
  const rel = 'Family archive/Letters/Letter to Grandma (Christmas).txt';
  const inSpace = panel.locator('tr[data-result="space"]');
  await expect(inSpace).toContainText(`in space: ${rel}`);
  await expect(panel.locator('tr[data-result="snapshot"]')).toContainText(`in snapshot ${snapshot.shortId}`);
  await expect(panel.getByRole('button', { name: 'Search' })).toBeEnabled();
  expect(await seriousViolations(page, '#find')).toEqual([]);
  await panel.screenshot({ path: join(SHOTS, 'dashboard-where-is.png') });

  await inSpace.getByRole('button', { name: `Bring back to flux ${rel}` }).click();
  await expect(inSpace).toContainText('Back in flux: 1 file', { timeout: 60_000 });
  expect(readFileSync(join(flux(), rel))).toEqual(ARCHIVE[rel]);
  expect(existsSync(join(space(), rel))).toBe(false);
  await panel.screenshot({ path: join(SHOTS, 'dashboard-where-is-done.png') });
});
