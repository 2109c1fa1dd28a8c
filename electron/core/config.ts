/** The client's settings: one zod schema gives validation, defaults and the type (YAML or JSON on disk). */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { closestName, readErrorSentence } from '../../lib/read-error.js';
import { Duration, ShareName, parseDuration } from '../../contract/index.js';
import { ClientSecretId, PairingInfo } from '../../contract/secrets.js';

/** auth.clientId before pairing: no Entra app is known yet, so nothing can sign in. */
export const UNPAIRED_APP_ID = '00000000-0000-0000-0000-000000000000';

/** One share this client mounts. */
export const ClientShareConfig = z.strictObject({
  name: ShareName,
  /** Windows drive letter (F: flux, S: space by default); other systems ignore it. */
  driveLetter: z
    .string()
    .regex(/^[A-Z]:$/, 'a drive letter such as F:')
    .optional(),
  /** Whether "mount all" mounts it. */
  mount: z.boolean().default(true),
});
export type ClientShareConfig = z.infer<typeof ClientShareConfig>;

/** The whole client configuration. Key Vault secret names are not configuration: contract/secrets.ts names them. */
export const ClientConfig = z.strictObject({
  /** The id this client registers under at the helper and that its secrets are named by; defaults from the host name. */
  clientId: ClientSecretId.optional(),
  server: z
    .strictObject({
      /** The SMB server; defaults to the helper URL's host (one server), else `motoko`. */
      host: z.string().min(1).optional(),
      smbPort: z.number().int().min(1).max(65535).default(445),
      workgroup: z.string().default('WORKGROUP'),
    })
    .prefault({}),
  shares: z.array(ClientShareConfig).default([
    { name: 'flux', driveLetter: 'F:', mount: true },
    { name: 'time', mount: true },
    { name: 'space', driveLetter: 'S:', mount: true },
  ]),
  helper: z
    .strictObject({
      /** The helper's API, e.g. https://motoko:8642; when absent it comes from Key Vault (fts-helper-url). */
      url: z.string().url().optional(),
      /** Pinned SHA-256 fingerprint (AB:CD:…); when absent it comes from Key Vault (fts-helper-fingerprint). */
      fingerprint: z
        .string()
        .regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/i, 'a SHA-256 fingerprint AB:CD:… (32 bytes)')
        .optional(),
      heartbeat: Duration.default('60s'),
      /** A broken event stream is only shown as disconnected after this long (a blip is not an alert). */
      disconnectGrace: Duration.default('30s'),
    })
    .prefault({}),
  keyVault: z
    .strictObject({
      name: z
        .string()
        .regex(/^[a-zA-Z][a-zA-Z0-9-]{2,23}$/, 'a Key Vault name: 3-24 letters, digits and dashes')
        .default('kv-miket-ops'),
      /** Override of https://NAME.vault.azure.net (tests point it at a local vault). */
      url: z.string().url().optional(),
      /** A PEM file of extra trusted CAs for the vault (a local test vault); never needed for Azure. */
      caFile: z.string().optional(),
    })
    .prefault({}),
  auth: z
    .strictObject({
      tenantId: z.string().default('organizations'),
      clientId: z.string().default(UNPAIRED_APP_ID),
      /** Authority host override (sovereign clouds). */
      authorityHost: z.string().url().default('https://login.microsoftonline.com'),
      scopes: z.array(z.string()).default(['https://vault.azure.net/.default']),
    })
    .prefault({}),
  mount: z
    .strictObject({
      timeout: Duration.default('30s'),
      probeTimeout: Duration.default('1s'),
      /** Extra attempts for a share that timed out or failed for an unknown reason. */
      retries: z.number().int().min(0).max(10).default(2),
      backoff: Duration.default('1s'),
      /** Longest wait between background retries while the server is unreachable. */
      maxBackoff: Duration.default('60s'),
      /** How often the tray checks that mounted shares are still usable (a server that went away, a dead session). */
      healthCheck: Duration.default('30s'),
      /** How often while a share is down: about how long a share takes to come back after its server does. */
      recheck: Duration.default('3s'),
    })
    .prefault({}),
  keychain: z
    .strictObject({
      service: z.string().min(1).default('flux-time-space'),
      /** Linux: require the Secret Service (GNOME Keyring, KWallet); `auto` may fall back to the kernel keyring, lost on reboot. */
      linuxStore: z.enum(['secret-service', 'auto']).default('secret-service'),
    })
    .prefault({}),
});
/** The configuration after defaults. */
export type ClientConfig = z.infer<typeof ClientConfig>;

/** A configuration file that cannot be used, with the key at fault. */
export class ClientConfigError extends Error {
  override readonly name = 'ClientConfigError';
}

/** Parses configuration text (YAML or JSON); errors name the key and the fix. */
export function parseClientConfig(text: string, source = 'config'): ClientConfig {
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (err) {
    throw new ClientConfigError(`${source}: not valid YAML: ${(err as Error).message}`);
  }
  const r = ClientConfig.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0]!;
    // A mistyped top-level key gets the key it is closest to.
    const near =
      first.code === 'unrecognized_keys' && first.path.length === 0 && first.keys.length === 1
        ? closestName(first.keys[0]!, Object.keys(ClientConfig.shape))
        : null;
    throw new ClientConfigError(
      `${source}: ${first.path.join('.') || '(top level)'}: ${first.message}${near ? `: did you mean ${near}?` : ''}`,
    );
  }
  return r.data;
}

/** Reads and parses a configuration file; a missing file gives the defaults only when allowed. */
export function loadClientConfig(file: string, opts: { allowMissing?: boolean } = {}): ClientConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && opts.allowMissing) return parseClientConfig('{}', file);
    throw new ClientConfigError(
      readErrorSentence(file, err, 'check the path, or leave --config out to use the default configuration'),
    );
  }
  return parseClientConfig(text, file);
}

/** A duration setting in milliseconds (the schema already checked it). */
export function ms(duration: string): number {
  return parseDuration(duration)!;
}

/** The Key Vault's URL. */
export function vaultUrl(c: ClientConfig): string {
  return c.keyVault.url ?? `https://${c.keyVault.name}.vault.azure.net`;
}

/** The SMB server: the configured host, else the helper URL's host (the helper runs on the server), else motoko. */
export function smbHost(c: Pick<ClientConfig, 'server' | 'helper'>): string {
  if (c.server.host) return c.server.host;
  if (c.helper.url) return new URL(c.helper.url).hostname.replace(/^\[|\]$/g, '');
  return 'motoko';
}

/**
 * Whether this client knows its server: paired (`fts pair` wrote the Entra app it signs in with) or set up by hand
 * (server.host or helper.url). Before that, the server would be the default name and nothing could sign in.
 */
export function isPaired(c: Pick<ClientConfig, 'auth' | 'server' | 'helper'>): boolean {
  return c.auth.clientId !== UNPAIRED_APP_ID || !!c.server.host || !!c.helper.url;
}

/** The configuration a pairing string gives: the vault, the Entra tenant and app, and this client's id. */
export function pairingConfig(p: PairingInfo): Pick<z.input<typeof ClientConfig>, 'clientId' | 'keyVault' | 'auth'> {
  return {
    clientId: p.clientId,
    keyVault: { name: p.vault, ...(p.vaultUrl ? { url: p.vaultUrl } : {}) },
    auth: { tenantId: p.tenant, clientId: p.appId },
  };
}
