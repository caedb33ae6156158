import type { Logger, Redis, RedisKeys, Settings } from '@bedrock-mcp/common';
import * as oidc from 'openid-client';
import { z } from 'zod';
import { sha256Hex } from '../domain/user-api-key-store.js';
import { isLoopbackHost } from './auth-mode.js';
import { userFromClaims, type ClaimSettings } from './oidc-claims.js';

/** Seconds a person has between leaving for the provider's login page and coming back. */
export const LOGIN_STATE_TTL_S = 600;
/** Seconds each request to the provider (discovery, token, userinfo) may take. */
const PROVIDER_TIMEOUT_S = 10;

const LoginStateSchema = z.object({ state: z.string(), nonce: z.string(), codeVerifier: z.string(), returnTo: z.string() });

type OidcSettings = ClaimSettings & Pick<Settings, 'OIDC_ISSUER_URL' | 'OIDC_CLIENT_ID' | 'OIDC_CLIENT_SECRET' | 'OIDC_SCOPES' | 'NODE_ENV'>;

export interface OidcSignInOptions {
  settings: OidcSettings;
  /** `<PUBLIC_URL>/auth/callback`, as registered at the provider. */
  redirectUri: string;
  redis: Redis;
  keys: RedisKeys;
  logger: Logger;
}

/** A login in progress failed in a way the person should hear about (expired, replayed, refused by the provider). */
export class SignInFailed extends Error {
  override readonly name = 'SignInFailed';
}

/**
 * The authorization code flow with PKCE (S256), state and nonce, through openid-client. The
 * verifier, state and nonce of a login in progress live in Redis under the SHA-256 of a random
 * value that only the browser's login cookie holds, and are used once.
 */
export class OidcSignIn {
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(private readonly options: OidcSignInOptions) {}

  /** Reads the provider's metadata (cached; a failure is retried on the next login). */
  discover(): Promise<oidc.Configuration> {
    this.configuration ??= this.load().catch((error: unknown) => {
      this.configuration = undefined;
      throw error;
    });
    return this.configuration;
  }

  /** Starts a login: the URL of the provider's login page, and the value of the login cookie. */
  async start(returnTo: string, loginCookieValue: string): Promise<URL> {
    const config = await this.discover();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    await this.options.redis.set(this.loginKey(loginCookieValue), JSON.stringify({ state, nonce, codeVerifier, returnTo }), 'EX', LOGIN_STATE_TTL_S);
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.options.redirectUri,
      scope: this.options.settings.OIDC_SCOPES,
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
  }

  /** Finishes a login from the callback URL: who signed in, and where they were going. */
  async finish(callbackUrl: URL, loginCookieValue: string | undefined): Promise<{ userId: string; displayName: string; returnTo: string }> {
    if (!loginCookieValue) throw new SignInFailed('This sign-in was not started in this browser, or it took too long. Please sign in again.');
    const raw = await this.options.redis.getdel(this.loginKey(loginCookieValue));
    const login = raw === null ? undefined : LoginStateSchema.safeParse(JSON.parse(raw)).data;
    if (!login) throw new SignInFailed('This sign-in expired or was already used. Please sign in again.');
    const providerError = callbackUrl.searchParams.get('error');
    if (providerError) throw new SignInFailed(`The identity provider refused the sign-in: ${(callbackUrl.searchParams.get('error_description') ?? providerError).slice(0, 300)}`);
    const config = await this.discover();
    let claims: Record<string, unknown>;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: login.codeVerifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) throw new SignInFailed('The identity provider sent no ID token.');
      claims = { ...idClaims };
      if (config.serverMetadata().userinfo_endpoint) {
        const userInfo = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        // The ID token wins where both speak: it is signed.
        claims = { ...userInfo, ...idClaims };
      }
    } catch (error) {
      if (error instanceof SignInFailed) throw error;
      this.options.logger.warn({ err: { name: (error as Error).name, message: (error as Error).message, code: (error as { code?: string }).code } }, 'OIDC code exchange failed');
      throw new SignInFailed('The sign-in could not be completed with the identity provider. Please try again.');
    }
    return { ...userFromClaims(claims, this.options.settings), returnTo: login.returnTo };
  }

  private loginKey(loginCookieValue: string): string {
    return this.options.keys.loginState(sha256Hex(loginCookieValue));
  }

  private async load(): Promise<oidc.Configuration> {
    const { settings } = this.options;
    if (!settings.OIDC_ISSUER_URL || !settings.OIDC_CLIENT_ID) throw new Error('OIDC_ISSUER_URL and OIDC_CLIENT_ID are required for sign-in');
    const issuer = new URL(settings.OIDC_ISSUER_URL);
    // openid-client speaks only https to a provider unless told otherwise: plain http is for a
    // provider on this machine, or any provider outside production (a test IdP on a LAN).
    const insecureOk = issuer.protocol === 'http:' && (settings.NODE_ENV !== 'production' || isLoopbackHost(issuer.hostname));
    const auth = settings.OIDC_CLIENT_SECRET ? oidc.ClientSecretBasic(settings.OIDC_CLIENT_SECRET) : oidc.None();
    const config = await oidc.discovery(issuer, settings.OIDC_CLIENT_ID, undefined, auth, {
      timeout: PROVIDER_TIMEOUT_S,
      ...(insecureOk ? { execute: [oidc.allowInsecureRequests] } : {}),
    });
    this.options.logger.info({ issuer: issuer.href, clientId: settings.OIDC_CLIENT_ID }, 'OIDC provider discovered');
    return config;
  }
}
