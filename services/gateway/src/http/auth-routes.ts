import { randomBytes } from 'node:crypto';
import { API_ROUTES, AUTH_PATHS, type AuthConfigResponse } from '@bedrock-mcp/contracts';
import { Router, type Request, type Response } from 'express';
import { GatewayError } from '../domain/gateway-error.js';
import { clientAddress } from '../identity/client-address.js';
import { SignInRefused } from '../identity/oidc-claims.js';
import { LOGIN_STATE_TTL_S, SignInFailed } from '../identity/oidc-sign-in.js';
import { safeReturnTo } from '../identity/return-to.js';
import { clearLoginCookie, clearSessionCookie, LOGIN_COOKIE, loginCookie, readCookie, sessionCookie } from '../identity/session-cookie.js';
import type { IdentityServices } from '../identity/identity-services.js';
import { hasCsrfToken, sessionPrincipal } from './auth-middleware.js';
import type { GatewayServices } from './gateway-services.js';
import { serve } from './serve-route.js';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small page for a sign-in that could not finish: what went wrong and a way back. */
function signInErrorPage(res: Response, status: number, message: string): void {
  res
    .status(status)
    .set({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" })
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in failed</title></head>` +
        `<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem">` +
        `<h1>Sign-in failed</h1><p>${escapeHtml(message)}</p><p><a href="${AUTH_PATHS.login}">Sign in again</a></p></body></html>`,
    );
}

/**
 * Sign-in and sign-out: `/auth/login` (to the provider, or straight in as the local user),
 * `/auth/callback` (the provider's answer), `/auth/logout`, `/auth/logout-all`, `/auth/config`.
 * Every new session gets a new id (an id planted before sign-in is worth nothing after it).
 */
export function authRoutes(services: GatewayServices): Router {
  const identity = services.identity;
  const router = Router();
  const noStore = (res: Response) => res.set('cache-control', 'no-store');

  serve(router, API_ROUTES.authConfig, ({ res }) => {
    const answer: AuthConfigResponse = { mode: identity.mode };
    noStore(res).json(answer);
  });

  serve(router, API_ROUTES.authLogin, async ({ req, res }) => {
    const returnTo = safeReturnTo(req.query.return_to);
    noStore(res);
    if (identity.mode === 'local') {
      await startSession(req, res, identity, { userId: identity.localUserId, displayName: identity.localUserId, method: 'local' });
      services.logger.info({ userId: identity.localUserId }, 'signed in (local)');
      res.redirect(303, returnTo);
      return;
    }
    try {
      await identity.signInLimiter.enforce(clientAddress(req));
    } catch (error) {
      if (!(error instanceof GatewayError) || error.code !== 'rate_limit_exceeded') throw error;
      res.set(error.headers);
      signInErrorPage(res, 429, 'Too many sign-ins from your address. Please wait a minute and try again.');
      return;
    }
    const loginValue = randomBytes(32).toString('base64url');
    let target: URL;
    try {
      target = await identity.oidc!.start(returnTo, loginValue);
    } catch (error) {
      services.logger.error({ err: error }, 'cannot reach the OIDC provider');
      signInErrorPage(res, 503, 'The identity provider cannot be reached right now. Please try again in a moment.');
      return;
    }
    res.append('set-cookie', loginCookie(loginValue, identity.secureCookies, LOGIN_STATE_TTL_S));
    res.redirect(303, target.href);
  });

  serve(router, API_ROUTES.authCallback, async ({ req, res }) => {
    noStore(res).append('set-cookie', clearLoginCookie(identity.secureCookies));
    if (identity.mode !== 'oidc') {
      signInErrorPage(res, 404, 'Sign-in through an identity provider is not configured here.');
      return;
    }
    const callbackUrl = new URL(req.originalUrl, `${identity.publicOrigin}/`);
    try {
      const user = await identity.oidc!.finish(callbackUrl, readCookie(req.headers, LOGIN_COOKIE));
      await startSession(req, res, identity, { ...user, method: 'oidc' });
      services.logger.info({ userId: user.userId }, 'signed in (oidc)');
      res.redirect(303, user.returnTo);
    } catch (error) {
      if (error instanceof SignInRefused) {
        services.logger.warn({ reason: error.message }, 'sign-in refused');
        signInErrorPage(res, 403, error.message);
      } else if (error instanceof SignInFailed) {
        signInErrorPage(res, 400, error.message);
      } else {
        services.logger.error({ err: error }, 'sign-in failed');
        signInErrorPage(res, 502, 'The sign-in could not be completed. Please try again.');
      }
    }
  });

  // Both need the session's CSRF token: another site must not be able to sign people out.
  const logout = (everywhere: boolean) => async ({ req, res }: { req: Request; res: Response }) => {
    const principal = await sessionPrincipal(req, identity).catch(() => undefined);
    if (principal?.session) {
      if (!hasCsrfToken(req, principal.session.csrfToken)) throw new GatewayError('csrf_failed', 'Missing or wrong X-CSRF-Token header (take it from GET /v1/me).', 'X-CSRF-Token');
      if (everywhere) await identity.sessions.destroyAll(principal.userId);
      else await identity.sessions.destroy({ hash: principal.session.hash, userId: principal.userId });
      services.logger.info({ userId: principal.userId, everywhere }, 'signed out');
    }
    noStore(res).append('set-cookie', clearSessionCookie(identity.secureCookies)).status(204).end();
  };
  serve(router, API_ROUTES.authLogout, logout(false));
  serve(router, API_ROUTES.authLogoutAll, logout(true));

  return router;
}

/** Ends the session the browser came with (if any) and starts a new one: the cookie always changes at sign-in. */
async function startSession(req: Request, res: Response, identity: IdentityServices, user: { userId: string; displayName: string; method: 'oidc' | 'local' }): Promise<void> {
  const previous = await sessionPrincipal(req, identity).catch(() => undefined);
  if (previous?.session) await identity.sessions.destroy({ hash: previous.session.hash, userId: previous.userId });
  const { cookieValue } = await identity.sessions.create(user);
  res.append('set-cookie', sessionCookie(cookieValue, identity.secureCookies, identity.sessionMaxAgeS));
}

