/** Starts a real fts-helper on a temp sandbox and a free loopback port, with its admin token. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startHelper, type RunningHelper, type StartOptions } from '../../server-helper/daemon.js';
import { serverFeatures } from '../../server-helper/features.js';
import type { HelperConfig } from '../../server-helper/config/schema.js';
import { ensureSandbox } from '../../server-helper/sandbox.js';

/** A helper under test. */
export interface TestHelper extends RunningHelper {
  dir: string;
  adminToken: string;
  /** Makes a client-role token, bound to a client id when one is given. */
  clientToken(name?: string, opts?: { clientId?: string }): string;
  /** fetch against the helper with the admin token unless headers say otherwise. */
  request(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  stop(): Promise<void>;
}

/** Starts the helper; `tweak` may change the sandbox config before start. */
export async function startTestHelper(
  opts: { tweak?: (c: HelperConfig) => void; start?: Partial<StartOptions> } = {},
): Promise<TestHelper> {
  const dir = mkdtempSync(join(tmpdir(), 'fts-helper-'));
  const sb = ensureSandbox(join(dir, 'sandbox'));
  const config = structuredClone(sb.config);
  opts.tweak?.(config);
  const adminToken = readFileSync(sb.adminTokenFile, 'utf8').trim();
  const helper = await startHelper({
    config,
    listen: '127.0.0.1:0',
    log: pino({ level: 'silent' }),
    ...serverFeatures(config),
    ...opts.start,
  });
  let n = 0;
  return {
    ...helper,
    dir,
    adminToken,
    clientToken: (name, o) => helper.store.tokens.create(name ?? `client-${++n}`, 'client', o),
    request: (path, init = {}) => {
      const headers = new Headers(init.headers);
      const token = init.token === undefined ? adminToken : init.token;
      if (token !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
      return fetch(`${helper.url}${path}`, { ...init, headers });
    },
    stop: async () => {
      await helper.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
