/**
 * Scheduled rotation of every Samba user's password (the `rotation` job, off by default): for each account, a
 * new random password goes to Key Vault first, then to smbpasswd; when Samba refuses it, the vault gets the old
 * one back (changePassword), so the vault always holds a password that works or soon will. Clients fetch the new
 * one on their next rejected mount. Passwords never reach the run's log.
 */
import { SambaSecretUser } from '../../contract/secrets.js';
import type { HelperConfig } from '../config/schema.js';
import type { Task } from '../runs/task.js';
import type { SecretWriter } from '../system/keyvault.js';
import { listSambaUsers } from '../system/smbpasswd.js';
import { changePassword, realUserSystem, type UserSystem } from './users.js';

/** What one rotation did. */
export interface RotationResult {
  rotated: { user: string; secret: string }[];
  failed: { user: string; reason: string }[];
  /** Accounts whose names cannot be Key Vault secret names (so clients could not read them): left alone. */
  skipped: string[];
}

/** Rotates each account in turn; one user's failure does not stop the others. */
export async function rotatePasswords(
  config: HelperConfig,
  deps: {
    vault: SecretWriter;
    users?: () => Promise<string[]>;
    sys?: UserSystem;
    signal?: AbortSignal;
    log?: (line: string) => void;
  },
): Promise<RotationResult> {
  const users = await (deps.users ?? (() => listSambaUsers(config.samba.smbConf)))();
  const result: RotationResult = { rotated: [], failed: [], skipped: [] };
  for (const user of users) {
    if (deps.signal?.aborted) break;
    if (!SambaSecretUser.safeParse(user).success) {
      result.skipped.push(user);
      deps.log?.(
        `skipped ${user}: its name cannot be a Key Vault secret name (lower-case letters, digits and dashes)\n`,
      );
      continue;
    }
    try {
      const o = await changePassword(config, user, { vault: deps.vault, sys: deps.sys ?? realUserSystem });
      result.rotated.push({ user, secret: o.storedIn! });
      deps.log?.(`rotated ${user}: Key Vault secret ${o.storedIn}, then Samba\n`);
    } catch (err) {
      const reason = (err as Error).message;
      result.failed.push({ user, reason });
      deps.log?.(`failed ${user}: ${reason} (Key Vault keeps the password Samba has)\n`);
    }
  }
  return result;
}

/** The vault rotation writes to; null (with the reason) when the config cannot write there. */
async function rotationVault(config: HelperConfig): Promise<{ vault: SecretWriter } | { reason: string }> {
  const { canWriteSecrets, keyVaultSecrets } = await import('../system/keyvault.js');
  if (!canWriteSecrets(config.keyVault)) {
    return {
      reason:
        "rotation needs Key Vault with the helper's credential (keyVault.tenantId, keyVault.clientId, keyVault.clientSecretFile or certificateFile): clients read the new passwords there",
    };
  }
  return { vault: keyVaultSecrets(config.keyVault) };
}

/** The `rotation` job. It locks the Samba accounts, so two rotations never interleave. */
export const rotationTask: Task = {
  kind: 'rotation',
  resources: () => ['samba-users'],
  async run(ctx) {
    const v = await rotationVault(ctx.config);
    if ('reason' in v) return { status: 'failed', summary: null, error: v.reason };
    const r = await rotatePasswords(ctx.config, { vault: v.vault, signal: ctx.signal, log: (l) => ctx.appendLog(l) });
    const summary = { rotated: r.rotated.map((x) => x.user), failed: r.failed.map((x) => x.user), skipped: r.skipped };
    if (ctx.signal.aborted) return { status: 'cancelled', summary, error: null };
    if (r.failed.length === 0) return { status: 'succeeded', summary, error: null };
    const first = `${r.failed[0]!.user}: ${r.failed[0]!.reason}`;
    return {
      status: r.rotated.length ? 'warning' : 'failed',
      summary,
      error: `${r.failed.length} of ${r.failed.length + r.rotated.length} passwords not rotated (${first})`,
    };
  },
};
