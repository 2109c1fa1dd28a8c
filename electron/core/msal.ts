/**
 * Sign-in with Microsoft Entra ID (MSAL node): the system browser with a loopback redirect and PKCE,
 * device code as the fallback. The token cache lives in the OS keychain, split into chunks.
 */
import type {
  PublicClientApplication,
  AccountInfo,
  AuthenticationResult,
  Configuration,
  ICachePlugin,
  INetworkModule,
  TokenCacheContext,
} from '@azure/msal-node';
import type { CredentialStore } from '../platform/index.js';
import { ChunkedSecret } from './chunked.js';
import { CredentialError } from './errors.js';

/** The keychain key of the token cache manifest. */
export const MSAL_CACHE_KEY = 'msal-token-cache';

/** Persists MSAL's token cache in the keychain. */
export function keychainCachePlugin(store: CredentialStore, key = MSAL_CACHE_KEY): ICachePlugin {
  const secret = new ChunkedSecret(store, key);
  return {
    async beforeCacheAccess(ctx: TokenCacheContext) {
      const data = await secret.read();
      if (data) ctx.tokenCache.deserialize(data);
    },
    async afterCacheAccess(ctx: TokenCacheContext) {
      if (ctx.cacheHasChanged) await secret.write(ctx.tokenCache.serialize());
    },
  };
}

/** How to reach Entra ID. */
export interface MsalOptions {
  tenantId: string;
  clientId: string;
  authorityHost: string;
  scopes: string[];
  store: CredentialStore;
  /** Tests answer every request in-process. */
  networkClient?: INetworkModule;
  /** JSON strings, so no discovery request is needed (tests; sovereign clouds). */
  authorityMetadata?: string;
  cloudDiscoveryMetadata?: string;
}

/** One user's session: sign in, get tokens silently, sign out. */
export class MsalSession {
  private appPromise: Promise<PublicClientApplication> | null = null;

  constructor(private readonly opts: MsalOptions) {}

  /** MSAL itself, loaded on first use (it costs a second of start-up that `fts mount` does not need). */
  app(): Promise<PublicClientApplication> {
    this.appPromise ??= this.createApp();
    return this.appPromise;
  }

  private async createApp(): Promise<PublicClientApplication> {
    const opts = this.opts;
    const { PublicClientApplication } = await import('@azure/msal-node');
    const authority = `${opts.authorityHost.replace(/\/+$/, '')}/${opts.tenantId}`;
    const config: Configuration = {
      auth: {
        clientId: opts.clientId,
        authority,
        ...(opts.authorityMetadata ? { authorityMetadata: opts.authorityMetadata } : {}),
        ...(opts.cloudDiscoveryMetadata ? { cloudDiscoveryMetadata: opts.cloudDiscoveryMetadata } : {}),
      },
      cache: { cachePlugin: keychainCachePlugin(opts.store) },
      system: {
        ...(opts.networkClient ? { networkClient: opts.networkClient } : {}),
        // MSAL's logger must never print tokens; errors only, and without personal data.
        loggerOptions: { piiLoggingEnabled: false, logLevel: 0, loggerCallback: () => undefined },
      },
    };
    return new PublicClientApplication(config);
  }

  /** The signed-in account, or null. */
  async account(): Promise<AccountInfo | null> {
    const accounts = await (await this.app()).getTokenCache().getAllAccounts();
    return accounts[0] ?? null;
  }

  /** A token from the cache (refreshed with the refresh token when needed); throws `login-required` when there is none. */
  async tokenSilent(scopes = this.opts.scopes): Promise<AuthenticationResult> {
    const account = await this.account();
    if (!account) throw new CredentialError('login-required', 'not signed in: run `fts login`');
    try {
      return await (await this.app()).acquireTokenSilent({ account, scopes });
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'InteractionRequiredAuthError')
        throw new CredentialError('login-required', 'the sign-in has expired: run `fts login`');
      throw new CredentialError('auth-unreachable', `cannot reach the sign-in service: ${(err as Error).message}`);
    }
  }

  /** Signs in through the system browser (loopback redirect with PKCE, done by MSAL). */
  async loginInteractive(openBrowser: (url: string) => Promise<void>): Promise<AccountInfo> {
    const r = await (
      await this.app()
    ).acquireTokenInteractive({
      scopes: this.opts.scopes,
      openBrowser,
      successTemplate: '<h1>Signed in to Flux Time Space</h1><p>You can close this window.</p>',
      errorTemplate: '<h1>Sign-in failed</h1><p>{error}</p>',
    });
    if (!r.account) throw new CredentialError('login-required', 'the sign-in returned no account');
    return r.account;
  }

  /** Signs in with a device code; `onMessage` shows the code and URL to the person. */
  async loginDeviceCode(onMessage: (message: string) => void): Promise<AccountInfo> {
    const r = await (
      await this.app()
    ).acquireTokenByDeviceCode({ scopes: this.opts.scopes, deviceCodeCallback: (resp) => onMessage(resp.message) });
    if (!r?.account) throw new CredentialError('login-required', 'the sign-in returned no account');
    return r.account;
  }

  /** Forgets every account and its tokens. */
  async logout(): Promise<void> {
    const cache = (await this.app()).getTokenCache();
    for (const a of await cache.getAllAccounts()) await cache.removeAccount(a);
  }
}

/** The token shape @azure/core-auth's TokenCredential returns. */
export interface AccessToken {
  token: string;
  expiresOnTimestamp: number;
}

/** Adapts the MSAL session to the TokenCredential the Azure SDKs take. */
export class MsalTokenCredential {
  constructor(private readonly session: MsalSession) {}

  async getToken(scopes: string | string[]): Promise<AccessToken> {
    const list = Array.isArray(scopes) ? scopes : [scopes];
    const r = await this.session.tokenSilent(list);
    return { token: r.accessToken, expiresOnTimestamp: r.expiresOn?.getTime() ?? Date.now() + 5 * 60_000 };
  }
}
