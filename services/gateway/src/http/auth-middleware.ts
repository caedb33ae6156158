import type { RequestHandler } from 'express';
import { bearerToken, type ApiKeyAuthenticator } from '../domain/api-key-authenticator.js';
import { setPrincipal } from './gateway-services.js';

/** Resolves `Authorization: Bearer` + `X-User-ID` to a principal, or fails with 401/403/400. */
export function authMiddleware(auth: ApiKeyAuthenticator): RequestHandler {
  return (req, res, next) => {
    auth.authenticate(bearerToken(req.headers.authorization), req.header('x-user-id')).then((principal) => {
      setPrincipal(res, principal);
      next();
    }, next);
  };
}
