/**
 * Samba users: the Unix account (no home, no login shell) in the household's group, its own Time Machine
 * folder, and the Samba password, set through smbpasswd on stdin. With Key Vault configured, a new password is
 * stored there first (the secret the clients read), then set in Samba, so a client that fails to authenticate
 * re-fetches a password that already works or soon will.
 */
import { randomBytes } from 'node:crypto';
import { chownSync, chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sambaPasswordSecret, SambaSecretUser } from '../../contract/secrets.js';
import type { HelperConfig } from '../config/schema.js';
import type { SecretWriter } from '../system/keyvault.js';
import { deleteSambaUser, sambaUserExists, setSambaPassword, setSambaUserEnabled } from '../system/smbpasswd.js';
import {
  addUserToGroup,
  createUnixGroup,
  createUnixUser,
  deleteUnixUser,
  groupId,
  groupsOf,
  removeUserFromGroup,
  unixGroupExists,
  unixIds,
  unixUserExists,
} from '../system/unix-users.js';

/** Account operations (real, or a test's with faults injected). */
export interface UserSystem {
  unixUserExists(name: string): Promise<boolean>;
  createUnixUser(name: string): Promise<void>;
  deleteUnixUser(name: string): Promise<void>;
  sambaUserExists(smbConf: string, name: string): Promise<boolean>;
  setSambaPassword(smbConf: string, name: string, password: string, opts: { add: boolean }): Promise<void>;
  setSambaEnabled(smbConf: string, name: string, enabled: boolean): Promise<void>;
  deleteSambaUser(smbConf: string, name: string): Promise<void>;
  groupExists(group: string): Promise<boolean>;
  createGroup(group: string): Promise<void>;
  groupsOf(user: string): Promise<string[]>;
  addToGroup(user: string, group: string): Promise<void>;
  removeFromGroup(user: string, group: string): Promise<void>;
  /** Makes `path` a folder owned by the user (and the group, else the user's primary group), mode 0700. */
  ensureOwnFolder(path: string, user: string, group: string | null): Promise<boolean>;
}

/** Creates (or puts right) a user's own folder: never through a symlink, only the folder itself, never what is inside. */
async function ensureOwnFolder(path: string, user: string, group: string | null): Promise<boolean> {
  const { uid, gid: primary } = await unixIds(user);
  const gid = group ? await groupId(group) : primary;
  let created = false;
  try {
    mkdirSync(path, { mode: 0o700 });
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = lstatSync(path);
  if (!st.isDirectory())
    throw new Error(`${path} exists and is not a folder (a symlink or a file): move it away, then add the user again`);
  if (st.uid !== uid || st.gid !== gid) chownSync(path, uid, gid);
  if ((st.mode & 0o7777) !== 0o700) chmodSync(path, 0o700);
  return created;
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
  groupExists: unixGroupExists,
  createGroup: createUnixGroup,
  groupsOf,
  addToGroup: addUserToGroup,
  removeFromGroup: removeUserFromGroup,
  ensureOwnFolder,
};

/** The Key Vault secret that holds a Samba user's password (the contract's `fts-smb-USER-password`); null without a vault. */
export function sambaSecretName(config: HelperConfig, user: string): string | null {
  if (!config.keyVault) return null;
  if (!SambaSecretUser.safeParse(user).success) {
    throw new UserRequestError(
      `user name "${user}": with Key Vault, a Samba user is 1-32 lower-case letters, digits and dashes (its password is the secret fts-smb-NAME-password)`,
    );
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
  /** The household group the user was added to by this call, if any. */
  addedToGroup: string | null;
  /** Time Machine folders made by this call. */
  createdFolders: string[];
}

/** The user's own folder in each per-user Time Machine share (`path/USER`, served as `path/%u`). */
export function timeMachineFolders(config: HelperConfig, user: string): string[] {
  return config.shares.filter((s) => s.timeMachine !== false && s.timeMachine.perUser).map((s) => join(s.path, user));
}

/**
 * Puts a user where the shares expect them: in the household group (made when missing) and with a 0700 folder
 * of their own in each per-user Time Machine share. Idempotent; says what it changed.
 */
export async function ensureMembership(
  config: HelperConfig,
  user: string,
  sys: UserSystem = realUserSystem,
): Promise<{ addedToGroup: string | null; createdFolders: string[] }> {
  checkName(user);
  const group = config.samba.group;
  let addedToGroup: string | null = null;
  if (group) {
    if (!(await sys.groupExists(group))) await sys.createGroup(group);
    if (!(await sys.groupsOf(user)).includes(group)) {
      await sys.addToGroup(user, group);
      addedToGroup = group;
    }
  }
  const createdFolders: string[] = [];
  for (const folder of timeMachineFolders(config, user))
    if (await sys.ensureOwnFolder(folder, user, group)) createdFolders.push(folder);
  return { addedToGroup, createdFolders };
}

function checkName(name: string): void {
  if (!USER_NAME.test(name))
    throw new UserRequestError(
      `user name "${name}": use a Unix user name (a-z, 0-9, _ and -, at most 32, starting with a letter or _)`,
    );
  if (name === 'root') throw new UserRequestError('user name "root": a Samba account for root is refused');
}

function checkPassword(pw: string): void {
  if (pw.length === 0) throw new UserRequestError('password: empty (give one on stdin or let fts-helper generate one)');
  if (/[\r\n\0]/.test(pw)) throw new UserRequestError('password: cannot contain a line break or NUL');
  if (pw.length > 256) throw new UserRequestError('password: at most 256 characters');
}

/** Stores the password in the vault first, then in Samba; if Samba refuses, the vault gets its previous value back. */
async function setEverywhere(
  config: HelperConfig,
  sys: UserSystem,
  vault: SecretWriter | null,
  name: string,
  password: string,
  add: boolean,
): Promise<string | null> {
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
export async function addUser(
  config: HelperConfig,
  name: string,
  opts: { password?: string; vault: SecretWriter | null; sys?: UserSystem },
): Promise<PasswordOutcome> {
  const sys = opts.sys ?? realUserSystem;
  checkName(name);
  if (opts.password !== undefined) checkPassword(opts.password);
  // Before anything is made: a name Key Vault cannot hold is refused now, not after the Unix user exists.
  if (opts.vault) sambaSecretName(config, name);
  if (await sys.sambaUserExists(config.samba.smbConf, name))
    throw new UserRequestError(
      `Samba user "${name}" exists; change its password with: fts-helper samba users passwd ${name}`,
    );
  let createdUnixUser = false;
  if (!(await sys.unixUserExists(name))) {
    await sys.createUnixUser(name);
    createdUnixUser = true;
  }
  const membership = await ensureMembership(config, name, sys);
  const password = opts.password ?? generatePassword();
  const storedIn = await setEverywhere(config, sys, opts.vault, name, password, true);
  return {
    user: name,
    generated: opts.password === undefined ? password : null,
    storedIn,
    createdUnixUser,
    ...membership,
  };
}

/** `users passwd`: rotates an existing user's password (vault first, then Samba). */
export async function changePassword(
  config: HelperConfig,
  name: string,
  opts: { password?: string; vault: SecretWriter | null; sys?: UserSystem },
): Promise<PasswordOutcome> {
  const sys = opts.sys ?? realUserSystem;
  checkName(name);
  if (opts.password !== undefined) checkPassword(opts.password);
  if (!(await sys.sambaUserExists(config.samba.smbConf, name)))
    throw new UserRequestError(`no Samba user "${name}"; add it with: fts-helper samba users add ${name}`);
  const password = opts.password ?? generatePassword();
  const storedIn = await setEverywhere(config, sys, opts.vault, name, password, false);
  return {
    user: name,
    generated: opts.password === undefined ? password : null,
    storedIn,
    createdUnixUser: false,
    addedToGroup: null,
    createdFolders: [],
  };
}

/** `users disable`: the account stays but cannot log in (`users passwd` does not re-enable it; `smbpasswd -e` does). */
export async function disableUser(config: HelperConfig, name: string, sys: UserSystem = realUserSystem): Promise<void> {
  checkName(name);
  if (!(await sys.sambaUserExists(config.samba.smbConf, name))) throw new UserRequestError(`no Samba user "${name}"`);
  await sys.setSambaEnabled(config.samba.smbConf, name, false);
}

/** `users remove`: deletes the Samba account and takes the user out of the household group (its files and Time Machine folder stay), and the Unix user too when asked. */
export async function removeUser(
  config: HelperConfig,
  name: string,
  opts: { unixUser?: boolean; sys?: UserSystem } = {},
): Promise<void> {
  const sys = opts.sys ?? realUserSystem;
  checkName(name);
  if (!(await sys.sambaUserExists(config.samba.smbConf, name))) throw new UserRequestError(`no Samba user "${name}"`);
  await sys.deleteSambaUser(config.samba.smbConf, name);
  const group = config.samba.group;
  if (group && (await sys.unixUserExists(name)) && (await sys.groupsOf(name)).includes(group))
    await sys.removeFromGroup(name, group);
  if (opts.unixUser && (await sys.unixUserExists(name))) await sys.deleteUnixUser(name);
}
