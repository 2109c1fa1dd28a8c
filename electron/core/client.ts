/** The client core wired together from its configuration: what the tray app and the `fts` CLI both use. */
import { readFileSync } from 'node:fs';
import type { ClientStateReport } from '../../contract/index.js';
import { clientIdOfHost } from '../../contract/secrets.js';
import {
  createKeychain,
  createMounter,
  hostInfo,
  type ClientOs,
  type CredentialStore,
  type Mounter,
} from '../platform/index.js';
import { isPaired, ms, smbHost, vaultUrl, type ClientConfig } from './config.js';
import { Credentials, KeyVaultSecrets, type SecretSource } from './credentials.js';
import { HelperLink, type HelperLinkOptions } from './helper-link.js';
import { HelperHttpError, PinningError, type HelperEndpoint } from './http.js';
import { MountManager, type MountManagerOptions } from './mount-all.js';
import { MSAL_CACHE_KEY, MsalSession, MsalTokenCredential, type MsalOptions } from './msal.js';
import { ChunkedSecret } from './chunked.js';

/** The client's version, as reported to the helper. */
export const CLIENT_VERSION = '0.1.0';

/** What may be swapped (tests, the tray app). */
export interface ClientDeps {
  store?: CredentialStore;
  mounter?: Mounter;
  /** MSAL overrides: a test network client, authority metadata. */
  msal?: Partial<Pick<MsalOptions, 'networkClient' | 'authorityMetadata' | 'cloudDiscoveryMetadata'>>;
  /** Replaces Key Vault altogether. */
  vault?: () => Promise<SecretSource>;
  host?: { hostName: string; os: ClientOs; osVersion: string };
  mountOptions?: Partial<MountManagerOptions>;
  linkOptions?: Partial<HelperLinkOptions>;
}

/** How long after a refetch of the helper's token and pin that failed to help another one is allowed. */
const HELPER_REFETCH_PAUSE_MS = 10 * 60_000;

/** True for the two answers that mean "this client's copy of the helper's token or pin is stale". */
export function isStaleHelperCredential(err: unknown): boolean {
  return (
    (err instanceof HelperHttpError && err.status === 401) || (err instanceof PinningError && err.reason === 'mismatch')
  );
}

/** What a client has without the network (see ClientCore.readiness). */
export interface ClientReadiness {
  paired: boolean;
  signedIn: boolean;
  credentialCached: boolean;
  helperTokenCached: boolean;
  helperUrlKnown: boolean;
  /** The SMB server is configured or known from the helper URL cached at sign-in (else it would be a default name). */
  serverKnown: boolean;
}

/** One client: keychain, sign-in, credentials, mounts, and the link to the helper. */
export class ClientCore {
  readonly store: CredentialStore;
  readonly credentials: Credentials;
  readonly mounts: MountManager;
  readonly host: { hostName: string; os: ClientOs; osVersion: string };
  readonly clientId: string;
  private msalSession: MsalSession | null = null;
  private linkInstance: HelperLink | null = null;
  /** When the helper's token and pin were last re-read without a success since (null: none pending). */
  private helperRefetchedAt: number | null = null;

  constructor(
    readonly config: ClientConfig,
    private readonly deps: ClientDeps = {},
  ) {
    this.store =
      deps.store ?? createKeychain({ service: config.keychain.service, linuxStore: config.keychain.linuxStore });
    this.host = deps.host ?? hostInfo();
    this.clientId = config.clientId ?? clientIdOfHost(this.host.hostName);
    this.credentials = new Credentials(this.store, deps.vault ?? (async () => this.keyVault()), this.clientId);
    this.mounts = new MountManager({
      mounter: deps.mounter ?? createMounter(),
      credentials: this.credentials,
      server: { host: smbHost(config), smbPort: config.server.smbPort, workgroup: config.server.workgroup },
      shares: config.shares,
      timeoutMs: ms(config.mount.timeout),
      probeTimeoutMs: ms(config.mount.probeTimeout),
      retries: config.mount.retries,
      backoffMs: ms(config.mount.backoff),
      maxBackoffMs: ms(config.mount.maxBackoff),
      healthIntervalMs: ms(config.mount.healthCheck),
      degradedIntervalMs: ms(config.mount.recheck),
      onChange: () => this.linkInstance?.stateChanged(),
      ...deps.mountOptions,
    });
  }

  /** The MSAL session (created on first use). */
  get msal(): MsalSession {
    this.msalSession ??= new MsalSession({ ...this.config.auth, store: this.store, ...this.deps.msal });
    return this.msalSession;
  }

  private keyVault(): SecretSource {
    const ca = this.config.keyVault.caFile ? readFileSync(this.config.keyVault.caFile, 'utf8') : undefined;
    return new KeyVaultSecrets(vaultUrl(this.config), new MsalTokenCredential(this.msal), { ca });
  }

  /** The helper's URL, token and pinned fingerprint (configuration, else keychain, else Key Vault). */
  async endpoint(): Promise<HelperEndpoint> {
    const url = this.config.helper.url ?? (await this.credentials.helperUrl());
    const token = await this.credentials.helperToken();
    if (!url.startsWith('https:')) return { url, token };
    const fingerprint = this.config.helper.fingerprint ?? (await this.credentials.helperFingerprint());
    return { url, token, fingerprint };
  }

  /**
   * Runs one exchange with the helper. When the helper answers 401, or its certificate no longer matches the pin
   * (a rotated token, a reinstalled helper), the token and fingerprint are read from Key Vault again once and the
   * exchange is retried once; only then is the error reported. After a refetch that did not help, the next one
   * waits until an exchange succeeds or ten minutes pass, so a refusing helper cannot make every retry hit the vault.
   */
  async withHelper<T>(exchange: (ep: HelperEndpoint) => Promise<T>): Promise<T> {
    try {
      const result = await exchange(await this.endpoint());
      this.helperRefetchedAt = null;
      return result;
    } catch (err) {
      const paused = this.helperRefetchedAt !== null && Date.now() - this.helperRefetchedAt < HELPER_REFETCH_PAUSE_MS;
      if (!isStaleHelperCredential(err) || paused) throw err;
      this.helperRefetchedAt = Date.now();
      try {
        await this.credentials.refreshHelper();
      } catch (vaultErr) {
        throw new Error(
          `${(err as Error).message}; reading the helper's token and fingerprint from Key Vault again failed: ${(vaultErr as Error).message}`,
        );
      }
      const result = await exchange(await this.endpoint());
      this.helperRefetchedAt = null;
      return result;
    }
  }

  /**
   * When the configuration names neither the SMB server nor the helper, the server is the host of the helper URL
   * cached at sign-in (the pairing flow learns it from Key Vault). Reads the keychain only: mounting works offline.
   */
  async resolveServer(): Promise<void> {
    if (this.config.server.host || this.config.helper.url) return;
    const url = await this.credentials.cachedHelperUrl().catch(() => null);
    if (url && URL.canParse(url)) this.mounts.setServerHost(new URL(url).hostname.replace(/^\[|\]$/g, ''));
  }

  /** The helper's URL as far as known without the network: configuration, else the keychain. */
  async knownHelperUrl(): Promise<string | null> {
    return this.config.helper.url ?? (await this.credentials.cachedHelperUrl().catch(() => null));
  }

  /**
   * What this client has without asking anyone (keychain and configuration only): paired, signed in, the Samba
   * credential and the helper's token cached, the server known. The CLI turns gaps into the next step to take.
   */
  async readiness(): Promise<ClientReadiness> {
    const credentialCached = await this.credentials.hasCachedSmb();
    const helperTokenCached = await this.credentials.hasCachedHelperToken();
    let signedIn = false;
    try {
      signedIn = (await this.msal.account()) !== null;
    } catch {
      signedIn = false;
    }
    const helperUrlKnown = (await this.knownHelperUrl()) !== null;
    return {
      paired: isPaired(this.config),
      signedIn,
      credentialCached,
      helperTokenCached,
      helperUrlKnown,
      serverKnown: !!this.config.server.host || helperUrlKnown,
    };
  }

  /** What this client reports to the helper now. */
  stateReport(): ClientStateReport {
    return {
      hostName: this.host.hostName,
      os: this.host.os,
      osVersion: this.host.osVersion.slice(0, 128),
      appVersion: CLIENT_VERSION,
      shares: this.mounts.states(),
    };
  }

  /** The link to the helper (created on first use, not started). */
  link(extra: Partial<HelperLinkOptions> = {}): HelperLink {
    this.linkInstance ??= new HelperLink({
      withEndpoint: (exchange) => this.withHelper(exchange),
      clientId: this.clientId,
      report: () => this.stateReport(),
      heartbeatMs: ms(this.config.helper.heartbeat),
      disconnectGraceMs: ms(this.config.helper.disconnectGrace),
      ...this.deps.linkOptions,
      ...extra,
    });
    return this.linkInstance;
  }

  /** Signs out and removes every cached secret (`fts logout`). */
  async logout(): Promise<string[]> {
    await this.msal.logout();
    const removed = await this.credentials.clear();
    // The token cache too, chunks and all (removeAccount leaves an empty cache behind).
    if (await new ChunkedSecret(this.store, MSAL_CACHE_KEY).clear()) removed.push(MSAL_CACHE_KEY);
    return removed;
  }

  /** Stops timers and the link. */
  async close(): Promise<void> {
    this.mounts.dispose();
    await this.linkInstance?.stop();
  }
}
