/** Playwright: Debian's Chromium (never a downloaded browser) against a real fts-helper and the real UI. */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'test/e2e',
  globalSetup: './test/e2e/global-setup.ts',
  outputDir: 'test-results/playwright',
  // One helper and one tray core serve all tests; running them one at a time keeps their states apart.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  // Generous caps: on a loaded 2-core machine an axe pass alone can take 20 s. Nothing here asserts a duration.
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    browserName: 'chromium',
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.FTS_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    },
  },
});
