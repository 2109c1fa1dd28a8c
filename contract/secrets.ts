/**
 * The one set of Key Vault secret names: the helper's pairing and rotation write them, the tray and the `fts`
 * CLI read them. Defined once here so no two programs can disagree on a name.
 *
 * Client-readable vault (every paired client's identity may read these):
 *   fts-helper-url                      the helper's API URL (https://motoko:8642)
 *   fts-helper-fingerprint              SHA-256 fingerprint of the helper's certificate, AB:CD:…
 *   fts-client-<id>-token               the helper API token bound to client <id>
 *   fts-client-<id>-smb-user            the Samba user client <id> mounts as
 *   fts-smb-<user>-password             that Samba user's password (rotation writes it first)
 * Server-only secrets (restic password, B2 keys) live in the helper's own vault, never here.
 */
import { z } from 'zod';

/** Key Vault secret names: 1-127 letters, digits and dashes. */
const SECRET_NAME = /^[0-9A-Za-z-]{1,127}$/;

/** A client id as it appears in secret names: lower-case letters, digits and dashes, 1-63 (a host name). */
export const ClientSecretId = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
    'a client id is 1-63 lower-case letters, digits and dashes (a host name), not starting or ending with a dash',
  );
export type ClientSecretId = z.infer<typeof ClientSecretId>;

/** A Samba user name as it appears in secret names. */
export const SambaSecretUser = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/,
    'a Samba user in a secret name is 1-32 lower-case letters, digits and dashes',
  );

/** Turns a host name ("Alice's MacBook.local") into the client id its secrets use ("alice-s-macbook"). */
export function clientIdOfHost(host: string): string {
  const id = host
    .toLowerCase()
    .replace(/\.local$/, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return id || 'client';
}

/** Names of the secrets every client reads. */
export const SHARED_SECRETS = { helperUrl: 'fts-helper-url', helperFingerprint: 'fts-helper-fingerprint' } as const;

/** The secret names of one client (its token and Samba user) and of its Samba user's password. */
export function clientSecretNames(clientId: string, sambaUser?: string) {
  const id = ClientSecretId.parse(clientId);
  return {
    ...SHARED_SECRETS,
    helperToken: `fts-client-${id}-token`,
    sambaUser: `fts-client-${id}-smb-user`,
    ...(sambaUser === undefined ? {} : { sambaPassword: sambaPasswordSecret(sambaUser) }),
  };
}

/** The secret holding a Samba user's password (rotation writes it before smbpasswd). */
export function sambaPasswordSecret(user: string): string {
  return `fts-smb-${SambaSecretUser.parse(user)}-password`;
}

/** Whether a string is a valid Key Vault secret name. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * What a person types on a new Mac or PC, printed by `fts-helper clients pair NAME`: the vault, the Entra
 * tenant and app (for MSAL sign-in) and the client id. As one string: `fts1:` + base64url(JSON).
 */
export const PairingInfo = z.strictObject({
  vault: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/, 'a Key Vault name is 3-24 letters, digits and dashes'),
  /** Override of https://VAULT.vault.azure.net (a local test vault); absent for Azure. */
  vaultUrl: z.url({ protocol: /^https$/ }).optional(),
  tenant: z.string().min(1).max(64),
  appId: z.string().min(1).max(64),
  clientId: ClientSecretId,
});
export type PairingInfo = z.infer<typeof PairingInfo>;

const PAIRING_PREFIX = 'fts1:';

/** Encodes pairing info as the one string a person pastes. */
export function encodePairing(info: PairingInfo): string {
  const json = JSON.stringify(PairingInfo.parse(info));
  return (
    PAIRING_PREFIX +
    btoa(String.fromCharCode(...new TextEncoder().encode(json)))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '')
  );
}

/** Decodes a pairing string; throws an Error that says what is wrong with it. */
export function decodePairing(text: string): PairingInfo {
  const t = text.trim();
  if (!t.startsWith(PAIRING_PREFIX))
    throw new Error('a pairing string starts with "fts1:" (copy the whole line `fts-helper clients pair` printed)');
  let json: unknown;
  try {
    const b64 = t.slice(PAIRING_PREFIX.length).replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error('the pairing string is damaged (copy the whole line again)');
  }
  const r = PairingInfo.safeParse(json);
  if (!r.success)
    throw new Error(
      `the pairing string is not valid: ${r.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}
