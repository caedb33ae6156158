import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const TEST_OIDC_CLIENT_ID = 'bmcp-gateway';
export const TEST_OIDC_CLIENT_SECRET = 'test-oidc-client-secret-0123456789';

/** Who the provider knows: the login name typed on its page → claims. Unknown names sign in with only `sub`. */
export type TestAccounts = Record<string, Record<string, unknown>>;

export interface TestOidcProvider {
  /** The issuer URL (http://127.0.0.1:<port>). */
  issuer: string;
  close(): Promise<void>;
}

/**
 * A real OpenID provider (`oidc-provider`, with its development login and consent pages) on a free
 * loopback port, with one confidential client whose redirect URI is `redirectUri`.
 */
export async function startTestOidcProvider(redirectUri: string, accounts: TestAccounts): Promise<TestOidcProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Loaded here, not at the top: every test imports this package, few need an OpenID provider.
  const { default: Provider } = await import('oidc-provider');
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: TEST_OIDC_CLIENT_ID,
        client_secret: TEST_OIDC_CLIENT_SECRET,
        redirect_uris: [redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'], groups: ['groups'] },
    scopes: ['openid', 'profile', 'email', 'groups'],
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, ...accounts[id] }) }),
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    cookies: { keys: ['test-oidc-provider-cookie-key'] },
  });
  // The development interactions warn on every start; the test does not need to hear it.
  provider.on('server_error', () => undefined);
  server.on('request', provider.callback());
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
