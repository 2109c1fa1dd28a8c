/**
 * The dashboard's Alerts panel against the real fts-helper: its webhook channel (a receiver the e2e servers
 * run) is listed without the URL's path, and "Send test" makes the helper POST a test AlertMessage to it.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { AlertChannelStatus, AlertMessage } from '../../contract/alerts.js';
import { e2e } from './env.js';

test('the Alerts panel lists the channel and sends a test alert to it', async ({ page, request }) => {
  await page.goto(e2e.dashboard);
  const panel = page.locator('#alerts');
  await expect(panel.getByRole('heading', { name: 'Alerts' })).toBeVisible();
  const channel = panel.locator('[data-channel="ops"]');
  await expect(channel).toContainText('Webhook');
  await expect(channel).toContainText(e2e.alertsReceiverUrl);
  await expect(channel).not.toContainText('/hooks/fts');
  await expect(channel).toContainText('every event at warning or above; a repeat at most every 1h');

  // Other tests' runs may send real alerts to the same receiver meanwhile: count the test messages only.
  const tests = async () =>
    ((await (await request.get(`${e2e.alertsReceiverUrl}/received`)).json()) as unknown[])
      .map((m) => AlertMessage.parse(m))
      .filter((m) => m.test);
  const before = (await tests()).length;
  await channel.getByRole('button', { name: 'Send a test alert to ops' }).click();
  await expect(panel.getByRole('status')).toHaveText('Test alert sent to ops.');
  const after = await tests();
  expect(after).toHaveLength(before + 1);
  expect(after.at(-1)).toMatchObject({ channel: 'ops', test: true, event: null, title: `Test alert from motoko` });
  // The API lists the same channel, without the URL's path.
  const list = AlertChannelStatus.array().parse(
    await (
      await request.get(`${e2e.helperUrl}/api/v1/alerts`, { headers: { authorization: `Bearer ${e2e.adminToken}` } })
    ).json(),
  );
  expect(list.map((c) => [c.name, c.type, c.target])).toEqual([['ops', 'webhook', e2e.alertsReceiverUrl]]);

  const results = await new AxeBuilder({ page })
    .include('#alerts')
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual(
    [],
  );
});
