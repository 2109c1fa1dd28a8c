/**
 * A real helper on a fresh sandbox, with household members as Unix users: what the client-scope tests start from,
 * the files the members own in it, and the end that removes it all.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
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

/** Stops the helper, removes the members' Unix users and the temp folder (each part only if it was made). */
export async function stopHouseholdHelper(
  h: { helper?: RunningHelper; dir?: string },
  members: readonly string[],
): Promise<void> {
  await h.helper?.close();
  for (const u of members) spawnSync('userdel', [u]);
  if (h.dir) rmSync(h.dir, { recursive: true, force: true });
}

/** A member's uid. */
export const uidOf = (user: string) => Number(spawnSync('id', ['-u', user]).stdout.toString().trim());

/** A file owned by a member, as a Mac would leave it over SMB: `rel` under root, with its data and mtime (a Date, or seconds as utimes takes them) if given. */
export function memberFile(
  root: string,
  rel: string,
  owner: string,
  opts: { data?: string; mtime?: Date | number } = {},
): void {
  const path = join(root, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, opts.data ?? `${rel} of ${owner}\n`);
  chownSync(path, uidOf(owner), uidOf(owner));
  if (opts.mtime !== undefined) utimesSync(path, opts.mtime, opts.mtime);
}
