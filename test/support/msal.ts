/** What MSAL would fetch from Entra ID before a token request, given in-process so tests never reach the network. */

/** The login host the metadata names. */
export const LOGIN_HOST = 'https://login.microsoftonline.com';

/** Authority and cloud-discovery metadata for a tenant, as MSAL's `authorityMetadata`/`cloudDiscoveryMetadata` options take them. */
export function msalMetadata(tenant: string): { authorityMetadata: string; cloudDiscoveryMetadata: string } {
  const authority = `${LOGIN_HOST}/${tenant}`;
  return {
    authorityMetadata: JSON.stringify({
      token_endpoint: `${authority}/oauth2/v2.0/token`,
      authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
      issuer: `${authority}/v2.0`,
      jwks_uri: `${authority}/discovery/v2.0/keys`,
      response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
    }),
    cloudDiscoveryMetadata: JSON.stringify({
      tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [
        {
          preferred_network: 'login.microsoftonline.com',
          preferred_cache: 'login.windows.net',
          aliases: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'],
        },
      ],
    }),
  };
}
