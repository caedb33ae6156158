import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { bearerToken, type ApiKeyAuthenticator, type Principal } from '../domain/api-key-authenticator.js';
import { GatewayError } from '../domain/gateway-error.js';
import type { IdentityServices } from '../identity/identity-services.js';
import { readCookie, sessionCookieName } from '../identity/session-cookie.js';
import { setPrincipal } from './gateway-services.js';
import { headerOf, type PlainMiddleware } from './plain-http.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The principal of a request's session cookie, or undefined when it carries none; throws 401 for a dead or forged one. */
export async function sessionPrincipal(req: IncomingMessage, identity: IdentityServices): Promise<Principal | undefined> {
  const cookieValue = readCookie(req.headers, sessionCookieName(identity.secureCookies));
  if (cookieValue === undefined) return undefined;
  const session = await identity.sessions.get(cookieValue);
  if (!session) throw new GatewayError('unauthorized', 'Your session has ended: sign in again.');
  return { userId: session.userId, method: session.method, displayName: session.displayName, session: { hash: session.hash, csrfToken: session.csrfToken } };
}

/** True when the request's X-CSRF-Token equals the session's token (compared in constant time). */
export function hasCsrfToken(req: IncomingMessage, csrfToken: string): boolean {
  const presented = req.headers['x-csrf-token'];
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(csrfToken);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Resolves a /v1 request to a principal: `Authorization: Bearer` (service key + X-User-ID, or a
 * personal key) first, else the session cookie. A cookie-authenticated request that changes state
 * must carry the session's X-CSRF-Token (another site's page cannot read it), else 403 csrf_failed.
 */
export function authMiddleware(auth: ApiKeyAuthenticator, identity: IdentityServices): PlainMiddleware {
  const authenticate = async (req: IncomingMessage): Promise<Principal> => {
    const claimedUser = headerOf(req, 'x-user-id');
    if (req.headers.authorization !== undefined) return auth.authenticate(bearerToken(req.headers.authorization), claimedUser);
    const principal = await sessionPrincipal(req, identity);
    if (!principal) throw new GatewayError('unauthorized', 'Not signed in: sign in at /auth/login, or send "Authorization: Bearer <key>".');
    if (claimedUser !== undefined && claimedUser !== principal.userId) {
      throw new GatewayError('forbidden', 'A browser session may act only for its own user.', 'X-User-ID');
    }
    if (!SAFE_METHODS.has(req.method ?? '') && !hasCsrfToken(req, principal.session!.csrfToken)) {
      throw new GatewayError('csrf_failed', 'Missing or wrong X-CSRF-Token header (take it from GET /v1/me).', 'X-CSRF-Token');
    }
    return principal;
  };
  return (req, res, next) => {
    authenticate(req).then((principal) => {
      setPrincipal(res, principal);
      next();
    }, next);
  };
}
