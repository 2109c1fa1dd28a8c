/** Accessibility of the main screens with axe: no serious or critical violations. */
import { AxeBuilder } from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { e2e } from './env.js';

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('dashboard has no serious accessibility violations', async ({ page }) => {
  await page.goto(e2e.dashboard);
  await expect(page.getByRole('heading', { name: 'Clients' })).toBeVisible();
  await expect(page.locator('#drives meter').first()).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('dashboard sign-in has no serious accessibility violations', async ({ page }) => {
  await page.goto(e2e.helperUrl);
  await expect(page.getByLabel('Access token')).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('tray window (with settings open) has no serious accessibility violations', async ({ page }) => {
  await page.goto(`${e2e.bridgeUrl}/tray.html`);
  await expect(page.getByRole('heading', { name: 'My shares' })).toBeVisible();
  await page.getByText('Settings', { exact: true }).click();
  await expect(page.getByLabel('Mount flux at login')).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('the first-run window has no serious accessibility violations', async ({ page }) => {
  await page.goto(`${e2e.firstRunUrl}/tray.html`);
  await expect(page.getByLabel('Pairing string')).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('the check itself catches a serious violation (an unlabelled button)', async ({ page }) => {
  await page.goto(`${e2e.bridgeUrl}/tray.html`);
  await expect(page.getByRole('heading', { name: 'My shares' })).toBeVisible();
  await page.evaluate(() => document.querySelector('main')!.appendChild(document.createElement('button')));
  expect((await seriousViolations(page)).join('\n')).toContain('button-name');
});
