/** A real helper on a fresh sandbox, with household members as Unix users: what the client-scope tests start from. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startHelper, type RunningHelper } from '../../server-helper/daemon.js';
import { serverFeatures } from '../../server-helper/features.js';
import { ensureSandbox } from '../../server-helper/sandbox.js';
import { requireRoot } from './require.js';
import { ensureUnixUser } from './smbd.js';

/** The running helper, its admin token, and its sandbox's folders. */
export interface HouseholdHelper {
  dir: string;
  helper: RunningHelper;
  admin: string;
  space: string;
  flux: string;
}

/** Makes the members' Unix users (root only), a sandbox in a new temp folder, and starts the helper on it. */
export async function startHouseholdHelper(
  prefix: string,
  members: readonly string[],
  opts: { sseHeartbeatMs?: number } = {},
): Promise<HouseholdHelper> {
  requireRoot('two household members as Unix users, files owned by each');
  for (const u of members) ensureUnixUser(u);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const sb = ensureSandbox(join(dir, 'sandbox'));
  const helper = await startHelper({
    config: sb.config,
    listen: '127.0.0.1:0',
    log: pino({ level: 'silent' }),
    ...(opts.sseHeartbeatMs ? { sseHeartbeatMs: opts.sseHeartbeatMs } : {}),
    ...serverFeatures(sb.config, { schedule: false }),
  });
  const admin = readFileSync(sb.adminTokenFile, 'utf8').trim();
  return { dir, helper, admin, space: join(sb.dir, 'space'), flux: join(sb.dir, 'flux') };
}
