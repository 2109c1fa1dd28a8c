/** The client core wired together from its configuration: what the tray app and the `fts` CLI both use. */
import { readFileSync } from 'node:fs';
import type { ClientStateReport } from '../../contract/index.js';
import { createKeychain, createMounter, hostInfo, type ClientOs, type CredentialStore, type Mounter } from '../platform/index.js';
import { ms, vaultUrl, type ClientConfig } from './config.js';
import { Credentials, KeyVaultSecrets, type SecretSource } from './credentials.js';
import { HelperLink, type HelperLinkOptions } from './helper-link.js';
import type { HelperEndpoint } from './http.js';
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

/** Makes a client id from a host name (`Count-Zero.local` → `Count-Zero.local`, spaces → dashes). */
export function clientIdFor(hostName: string): string {
  const id = hostName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  return id || 'client';
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

  constructor(
    readonly config: ClientConfig,
    private readonly deps: ClientDeps = {},
  ) {
    this.store = deps.store ?? createKeychain({ service: config.keychain.service, linuxStore: config.keychain.linuxStore });
    this.host = deps.host ?? hostInfo();
    this.clientId = config.clientId ?? clientIdFor(this.host.hostName);
    this.credentials = new Credentials(this.store, deps.vault ?? (async () => this.keyVault()), config.keyVault.secrets);
    this.mounts = new MountManager({
      mounter: deps.mounter ?? createMounter(),
      credentials: this.credentials,
      server: config.server,
      shares: config.shares,
      timeoutMs: ms(config.mount.timeout),
      probeTimeoutMs: ms(config.mount.probeTimeout),
      retries: config.mount.retries,
      backoffMs: ms(config.mount.backoff),
      maxBackoffMs: ms(config.mount.maxBackoff),
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

  /** The helper's URL, token and pinned fingerprint (keychain, else Key Vault). */
  async endpoint(): Promise<HelperEndpoint> {
    const url = this.config.helper.url;
    const token = await this.credentials.helperToken();
    if (!url.startsWith('https:')) return { url, token };
    const fingerprint = this.config.helper.fingerprint ?? (await this.credentials.helperFingerprint());
    return { url, token, fingerprint };
  }

  /** What this client reports to the helper now. */
  stateReport(): ClientStateReport {
    return { hostName: this.host.hostName, os: this.host.os, osVersion: this.host.osVersion.slice(0, 128), appVersion: CLIENT_VERSION, shares: this.mounts.states() };
  }

  /** The link to the helper (created on first use, not started). */
  link(extra: Partial<HelperLinkOptions> = {}): HelperLink {
    this.linkInstance ??= new HelperLink({
      endpoint: () => this.endpoint(),
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
