/** The e2e servers' addresses, set by global-setup.ts. */
function need(name: string): string {
  const v = process.env[name];
  if (!v)
    throw new Error(`${name} is not set: run the e2e tests with npx playwright test (global-setup starts the servers)`);
  return v;
}

/** URLs, the admin token and the sandbox of this run's servers. */
export const e2e = {
  get helperUrl() {
    return need('FTS_E2E_HELPER_URL');
  },
  get bridgeUrl() {
    return need('FTS_E2E_BRIDGE_URL');
  },
  /** A tray that is not paired yet (its window is the first run). */
  get firstRunUrl() {
    return need('FTS_E2E_FIRST_RUN_URL');
  },
  get adminToken() {
    return need('FTS_E2E_ADMIN_TOKEN');
  },
  get mountRoot() {
    return need('FTS_E2E_MOUNT_ROOT');
  },
  /** The helper's sandbox folder (flux/, time/, space/ inside). */
  get sandboxDir() {
    return need('FTS_E2E_SANDBOX');
  },
  /** The webhook receiver the helper's `ops` alert channel posts to; GET /received lists what it got. */
  get alertsReceiverUrl() {
    return need('FTS_E2E_ALERTS_RECEIVER');
  },
  /** The dashboard with the token handed over in the fragment. */
  get dashboard() {
    return `${need('FTS_E2E_HELPER_URL')}/#token=${encodeURIComponent(need('FTS_E2E_ADMIN_TOKEN'))}`;
  },
};
