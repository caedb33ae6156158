import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '@bedrock-mcp/common';
import type { Principal } from '../domain/api-key-authenticator.js';
import { GatewayError } from '../domain/gateway-error.js';
import type { IdentityServices } from '../identity/identity-services.js';
import { readCookie, sessionCookieName } from '../identity/session-cookie.js';
import { sessionPrincipal } from './auth-middleware.js';

/** What an upgrade request proved before its handshake. */
export type UpgradeVerdict = { kind: 'none' } | { kind: 'session'; principal: Principal } | { kind: 'refused' };

function refuse(socket: Duplex, status: string, message: string): UpgradeVerdict {
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(message)}\r\n\r\n${message}`);
  return { kind: 'refused' };
}

/**
 * Checks a WebSocket upgrade that carries the session cookie, before the handshake. A browser sends
 * its cookies on a WebSocket opened by any site's page (no CORS there), so such an upgrade must
 * come from a page of PUBLIC_URL's origin (else 403: cross-site WebSocket hijacking), and its
 * session must be live (else 401). Upgrades without the cookie go on to the `auth` frame / ticket.
 */
export class WsUpgradeAuth {
  constructor(
    private readonly identity: IdentityServices,
    private readonly logger: Logger,
  ) {}

  async check(req: IncomingMessage, socket: Duplex): Promise<UpgradeVerdict> {
    if (readCookie(req.headers, sessionCookieName(this.identity.secureCookies)) === undefined) return { kind: 'none' };
    if (!this.identity.allowedOrigins.has(req.headers.origin ?? '')) {
      this.logger.warn({ origin: req.headers.origin ?? null, path: (req.url ?? '').split('?')[0] }, 'websocket with a session cookie from a foreign origin refused');
      return refuse(socket, '403 Forbidden', `a signed-in WebSocket must come from ${this.identity.publicOrigin}`);
    }
    try {
      const principal = await sessionPrincipal(req, this.identity);
      return principal ? { kind: 'session', principal } : { kind: 'none' };
    } catch (error) {
      if (error instanceof GatewayError) return refuse(socket, '401 Unauthorized', error.message);
      this.logger.error({ err: error }, 'websocket session check failed');
      return refuse(socket, '503 Service Unavailable', 'try again shortly');
    }
  }
}
