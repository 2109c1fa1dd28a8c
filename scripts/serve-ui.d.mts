/** Types for scripts/serve-ui.mjs (plain JS so it runs before any build). */
export const RENDERER_DIR: string;
export function buildRenderer(): Promise<{ dir: string; dashboardPage: string; trayPage: string }>;
export function electronStatus(
  env?: NodeJS.ProcessEnv,
  platform?: NodeJS.Platform,
): { ok: true; binary: string } | { ok: false; reason: string };
export function launchElectron(binary: string): Promise<import('node:child_process').ChildProcess>;
export function startTrayInBrowser(opts: {
  helperUrl: string;
  token: string;
  mountRoot: string;
  clientId?: string;
  port?: number;
  staticDir?: string;
}): Promise<{ url: string; close(): Promise<void> }>;
export function dashboardUrl(helperUrl: string, token: string): string;
