/**
 * Pairing a Mac or PC in one step: a helper token bound to the client, and everything the client needs in Key
 * Vault under the contract's names (the helper's URL and certificate fingerprint, the client's token and Samba
 * user), then the one `fts1:` string a person pastes on the new machine. Unpairing revokes the token and deletes
 * the client's secrets. A failure half-way puts the vault and the tokens back as they were.
 */
import {
  ClientSecretId,
  clientSecretNames,
  encodePairing,
  SambaSecretUser,
  sambaPasswordSecret,
  SHARED_SECRETS,
  type PairingInfo,
} from '../../contract/secrets.js';
import type { HelperConfig } from '../config/schema.js';
import type { TokenStore } from '../store/tokens.js';
import type { SecretWriter } from '../system/keyvault.js';

/** A refused pairing request (bad name, missing settings, unknown user): exit 2. */
export class PairingRequestError extends Error {
  override readonly name = 'PairingRequestError';
}

/** What pairing needs from the rest of the helper. */
export interface PairingDeps {
  tokens: Pick<TokenStore, 'create' | 'revoke' | 'boundTo' | 'list'>;
  vault: SecretWriter;
  /** The helper's certificate fingerprint clients pin; null without TLS. */
  fingerprint: string | null;
  sambaUserExists(user: string): Promise<boolean>;
}

/** What a pairing did. */
export interface PairingOutcome {
  clientId: string;
  tokenName: string;
  sambaUser: string | null;
  /** Secret names written, in order. */
  secrets: string[];
  /** Tokens of an earlier pairing of the same client, revoked now. */
  replaced: string[];
  info: PairingInfo;
  pairing: string;
  /** Things the admin should do next. */
  notes: string[];
}

/** The URL clients use for the API: api.publicUrl, else the server name and the listen port. */
export function helperUrl(config: HelperConfig): string {
  if (config.api.publicUrl) return config.api.publicUrl.replace(/\/+$/, '');
  const port = config.api.listen.slice(config.api.listen.lastIndexOf(':') + 1);
  return `${config.api.tls === 'off' ? 'http' : 'https'}://${config.server.name}:${port}`;
}

/** The client id a name gives, or a refusal that says what a name may be. */
export function clientIdOf(name: string): string {
  const r = ClientSecretId.safeParse(name);
  if (!r.success) throw new PairingRequestError(`client name "${name}": ${r.error.issues[0]!.message}`);
  return r.data;
}

/** The vault, tenant and app a client signs in with, from the config; refuses what is missing. */
export function pairingInfo(config: HelperConfig, clientId: string): PairingInfo {
  const kv = config.keyVault;
  if (!kv)
    throw new PairingRequestError(
      "keyVault: not configured; pairing writes the client's secrets there (keyVault.name, tenantId, clientId, clientSecretFile)",
    );
  if (!kv.tenantId) throw new PairingRequestError('keyVault.tenantId: not set; clients sign in to this Entra tenant');
  const appId = kv.clientAppId ?? kv.clientId;
  if (!appId) throw new PairingRequestError('keyVault.clientAppId: not set; the app Macs and PCs sign in with');
  return { vault: kv.name, ...(kv.url ? { vaultUrl: kv.url } : {}), tenant: kv.tenantId, appId, clientId };
}

function freeTokenName(tokens: PairingDeps['tokens'], clientId: string): string {
  const taken = new Set(tokens.list().map((t) => t.name));
  const base = `client-${clientId}`;
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** Pairs a client (see the file comment). Throws PairingRequestError on bad input, before anything changes. */
export async function pairClient(
  config: HelperConfig,
  name: string,
  opts: { sambaUser?: string },
  deps: PairingDeps,
): Promise<PairingOutcome> {
  const clientId = clientIdOf(name);
  const info = pairingInfo(config, clientId);
  const sambaUser = opts.sambaUser ?? null;
  if (sambaUser !== null) {
    if (!SambaSecretUser.safeParse(sambaUser).success)
      throw new PairingRequestError(
        `--user "${sambaUser}": a Samba user here is 1-32 lower-case letters, digits and dashes`,
      );
    if (!(await deps.sambaUserExists(sambaUser)))
      throw new PairingRequestError(
        `--user "${sambaUser}": no such Samba user; add it with: fts-helper samba users add ${sambaUser}`,
      );
  }
  const names = clientSecretNames(clientId);
  const tokenName = freeTokenName(deps.tokens, clientId);
  const replaced = deps.tokens.boundTo(clientId);
  // The token remembers the Samba user too: the helper then knows whose files this client's tray may bring back.
  const token = deps.tokens.create(tokenName, 'client', { clientId, ...(sambaUser !== null ? { sambaUser } : {}) });
  const values: [string, string][] = [[SHARED_SECRETS.helperUrl, helperUrl(config)]];
  if (deps.fingerprint) values.push([SHARED_SECRETS.helperFingerprint, deps.fingerprint]);
  values.push([names.helperToken, token]);
  if (sambaUser !== null) values.push([names.sambaUser, sambaUser]);

  const previous = new Map<string, string | null>();
  try {
    for (const [secret, value] of values) {
      previous.set(secret, await deps.vault.getSecret(secret));
      await deps.vault.setSecret(secret, value);
    }
  } catch (err) {
    // Put back what was there, newest first; the new token never worked anywhere.
    for (const [secret, before] of [...previous].reverse()) {
      await (before === null ? deps.vault.deleteSecret(secret) : deps.vault.setSecret(secret, before)).catch(
        () => undefined,
      );
    }
    deps.tokens.revoke(tokenName);
    throw err;
  }
  for (const old of replaced) deps.tokens.revoke(old);

  const notes: string[] = [];
  if (!deps.fingerprint)
    notes.push('api.tls is off: the client cannot pin a certificate; set api.tls to auto and pair again');
  if (sambaUser === null)
    notes.push(`no Samba user: the client cannot mount shares until you pair again with --user NAME`);
  else if ((await deps.vault.getSecret(sambaPasswordSecret(sambaUser))) === null) {
    notes.push(
      `Key Vault has no password for ${sambaUser} yet (${sambaPasswordSecret(sambaUser)}): fts-helper samba users passwd ${sambaUser} puts one there`,
    );
  }
  return {
    clientId,
    tokenName,
    sambaUser,
    secrets: values.map(([s]) => s),
    replaced,
    info,
    pairing: encodePairing(info),
    notes,
  };
}

/** What an unpairing did. */
export interface UnpairOutcome {
  clientId: string;
  revoked: string[];
  deleted: string[];
}

/** Revokes every token bound to the client and deletes its secrets (the shared URL and fingerprint, and Samba passwords, stay). */
export async function unpairClient(name: string, deps: Pick<PairingDeps, 'tokens' | 'vault'>): Promise<UnpairOutcome> {
  const clientId = clientIdOf(name);
  const revoked = deps.tokens.boundTo(clientId);
  for (const t of revoked) deps.tokens.revoke(t);
  const names = clientSecretNames(clientId);
  const deleted: string[] = [];
  for (const secret of [names.helperToken, names.sambaUser])
    if (await deps.vault.deleteSecret(secret)) deleted.push(secret);
  if (revoked.length === 0 && deleted.length === 0)
    throw new PairingRequestError(`client "${name}" is not paired (no token bound to it, no secrets in Key Vault)`);
  return { clientId, revoked, deleted };
}
