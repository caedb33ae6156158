import type { AuthMode } from '@bedrock-mcp/contracts';
import type { RateLimiter } from '../domain/rate-limiter.js';
import type { OidcSignIn } from './oidc-sign-in.js';
import type { SessionStore } from './session-store.js';

/** What the sign-in routes, the auth middleware and the WebSocket upgrade check share. */
export interface IdentityServices {
  mode: AuthMode;
  sessions: SessionStore;
  /** Present in oidc mode. */
  oidc: OidcSignIn | undefined;
  /** The origin people open the UI at (PUBLIC_URL). */
  publicOrigin: string;
  /** The Origins a cookie-authenticated WebSocket is accepted from: PUBLIC_URL's, and without PUBLIC_URL the loopback spellings of it. */
  allowedOrigins: ReadonlySet<string>;
  /** True when PUBLIC_URL is https: Secure, `__Host-` cookies. */
  secureCookies: boolean;
  /** AUTH_MODE=local: who everyone is. */
  localUserId: string;
  /** Seconds a session lives at most (the cookie's Max-Age). */
  sessionMaxAgeS: number;
  /** Counts the sign-ins each client address starts (SIGN_INS_PER_MINUTE). */
  signInLimiter: Pick<RateLimiter, 'enforce'>;
}
