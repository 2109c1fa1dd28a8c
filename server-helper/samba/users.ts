/**
 * Samba users: the Unix account (no home, no login shell) and the Samba password, set through smbpasswd on
 * stdin. With Key Vault configured, a new password is stored there first (the secret the clients read), then
 * set in Samba, so a client that fails to authenticate re-fetches a password that already works or soon will.
 */
import { randomBytes } from 'node:crypto';
import { sambaPasswordSecret, SambaSecretUser } from '../../contract/secrets.js';
import type { HelperConfig } from '../config/schema.js';
import type { SecretWriter } from '../system/keyvault.js';
import { deleteSambaUser, sambaUserExists, setSambaPassword, setSambaUserEnabled } from '../system/smbpasswd.js';
import { createUnixUser, deleteUnixUser, unixUserExists } from '../system/unix-users.js';

/** Account operations (real, or a test's with faults injected). */
export interface UserSystem {
  unixUserExists(name: string): Promise<boolean>;
  createUnixUser(name: string): Promise<void>;
  deleteUnixUser(name: string): Promise<void>;
  sambaUserExists(smbConf: string, name: string): Promise<boolean>;
  setSambaPassword(smbConf: string, name: string, password: string, opts: { add: boolean }): Promise<void>;
  setSambaEnabled(smbConf: string, name: string, enabled: boolean): Promise<void>;
  deleteSambaUser(smbConf: string, name: string): Promise<void>;
}

/** The real accounts. */
export const realUserSystem: UserSystem = {
  unixUserExists,
  createUnixUser,
  deleteUnixUser,
  sambaUserExists,
  setSambaPassword,
  setSambaEnabled: setSambaUserEnabled,
  deleteSambaUser,
};

/** The Key Vault secret that holds a Samba user's password (the contract's `fts-smb-USER-password`); null without a vault. */
export function sambaSecretName(config: HelperConfig, user: string): string | null {
  if (!config.keyVault) return null;
  if (!SambaSecretUser.safeParse(user).success) {
    throw new UserRequestError(`user name "${user}": with Key Vault, a Samba user is 1-32 lower-case letters, digits and dashes (its password is the secret fts-smb-NAME-password)`);
  }
  return sambaPasswordSecret(user);
}

/** A refused request (bad name, user exists or is missing): exit 2. */
export class UserRequestError extends Error {
  override readonly name = 'UserRequestError';
}

/** Unix user names Samba accounts may use. */
export const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/** A new random password: 32 URL-safe characters (192 bits). */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/** What a password change did. */
export interface PasswordOutcome {
  user: string;
  /** Set when the password was generated here; the caller prints it only when `storedIn` is null. */
  generated: string | null;
  /** The Key Vault secret that holds the password now, or null when nothing stores it. */
  storedIn: string | null;
  createdUnixUser: boolean;
}

function checkName(name: string): void {
  if (!USER_NAME.test(name)) throw new UserRequestError(`user name "${name}": use a Unix user name (a-z, 0-9, _ and -, at most 32, starting with a letter or _)`);
  if (name === 'root') throw new UserRequestError('user name "root": a Samba account for root is refused');
}

function checkPassword(pw: string): void {
  if (pw.length === 0) throw new UserRequestError('password: empty (give one on stdin or let fts-helper generate one)');
  if (/[\r\n\0]/.test(pw)) throw new UserRequestError('password: cannot contain a line break or NUL');
  if (pw.length > 256) throw new UserRequestError('password: at most 256 characters');
}

/** Stores the password in the vault first, then in Samba; if Samba refuses, the vault gets its previous value back. */
async function setEverywhere(config: HelperConfig, sys: UserSystem, vault: SecretWriter | null, name: string, password: string, add: boolean): Promise<string | null> {
  const secret = vault ? sambaSecretName(config, name) : null;
  let previous: string | null = null;
  if (vault && secret) {
    previous = await vault.getSecret(secret);
    await vault.setSecret(secret, password);
  }
  try {
    await sys.setSambaPassword(config.samba.smbConf, name, password, { add });
  } catch (err) {
    if (vault && secret && previous !== null) await vault.setSecret(secret, previous).catch(() => undefined);
    throw err;
  }
  return secret;
}

/** `users add`: creates the Unix user when missing and the Samba account. */
export async function addUser(config: HelperConfig, name: string, opts: { password?: string; vault: SecretWriter | null; sys?: UserSystem }): Promise<PasswordOutcome> {
  const sys = opts.sys ?? realUserSystem;
  checkName(name);
  if (opts.password !== undefined) checkPassword(opts.password);
  if (await sys.sambaUserExists(config.samba.smbConf, name)) throw new UserRequestError(`Samba user "${name}" exists; change its password with: fts-helper samba users passwd ${name}`);
  let createdUnixUser = false;
  if (!(await sys.unixUserExists(name))) {
    await sys.createUnixUser(name);
    createdUnixUser = true;
  }
  const password = opts.password ?? generatePassword();
  const storedIn = await setEverywhere(config, sys, opts.vault, name, password, true);
  return { user: name, generated: opts.password === undefined ? password : null, storedIn, createdUnixUser };
}

/** `users passwd`: rotates an existing user's password (vault first, then Samba). */
export async function changePassword(config: HelperConfig, name: string, opts: { password?: string; vault: SecretWriter | null; sys?: UserSystem }): Promise<PasswordOutcome> {
  const sys = opts.sys ?? realUserSystem;
  checkName(name);
  if (opts.password !== undefined) checkPassword(opts.password);
  if (!(await sys.sambaUserExists(config.samba.smbConf, name))) throw new UserRequestError(`no Samba user "${name}"; add it with: fts-helper samba users add ${name}`);
  const password = opts.password ?? generatePassword();
  const storedIn = await setEverywhere(config, sys, opts.vault, name, password, false);
  return { user: name, generated: opts.password === undefined ? password : null, storedIn, createdUnixUser: false };
}

/** `users disable`: the account stays but cannot log in (`users passwd` does not re-enable it; `smbpasswd -e` does). */
export async function disableUser(config: HelperConfig, name: string, sys: UserSystem = realUserSystem): Promise<void> {
  checkName(name);
  if (!(await sys.sambaUserExists(config.samba.smbConf, name))) throw new UserRequestError(`no Samba user "${name}"`);
  await sys.setSambaEnabled(config.samba.smbConf, name, false);
}

/** `users remove`: deletes the Samba account, and the Unix user too when asked. */
export async function removeUser(config: HelperConfig, name: string, opts: { unixUser?: boolean; sys?: UserSystem } = {}): Promise<void> {
  const sys = opts.sys ?? realUserSystem;
  checkName(name);
  if (!(await sys.sambaUserExists(config.samba.smbConf, name))) throw new UserRequestError(`no Samba user "${name}"`);
  await sys.deleteSambaUser(config.samba.smbConf, name);
  if (opts.unixUser && (await sys.unixUserExists(name))) await sys.deleteUnixUser(name);
}
