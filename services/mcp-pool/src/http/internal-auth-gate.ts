import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { InternalCredential, Logger } from '@bedrock-mcp/common';
import { POOL_ERROR_STATUS, type PoolErrorBodySchema } from '@bedrock-mcp/contracts';
import type { z } from 'zod';

/** Probes: they answer for load balancers and tell nothing about users. */
const OPEN_PATHS = new Set(['/healthz', '/readyz']);

const REFUSAL: z.infer<typeof PoolErrorBodySchema> = {
  error: { code: 'unauthorized', message: 'the mcp-pool requires the internal credential: Authorization: Bearer <INTERNAL_API_KEY>' },
};
const REFUSAL_TEXT = JSON.stringify(REFUSAL);

export interface InternalAuthGateOptions {
  credential: InternalCredential;
  logger: Logger;
}

/**
 * The pool's one door: every request and every upgrade passes here first, so no route (the call
 * fast path, express's routes, forwards from other replicas, /metrics) and no call socket is reached
 * by a caller without INTERNAL_API_KEY. Only the probes stay open.
 */
export class InternalAuthGate {
  constructor(private readonly options: InternalAuthGateOptions) {}

  /** Wraps the pool's request listener: a caller without the key gets 401 and the listener never sees the request. */
  requests(listener: RequestListener): RequestListener {
    return (req: IncomingMessage, res: ServerResponse) => {
      if (this.options.credential.accepts(req) || (isProbe(req) && (req.method === 'GET' || req.method === 'HEAD'))) return listener(req, res);
      this.refused(req);
      // Its body is not read: the connection closes after the answer rather than drain it.
      res.writeHead(POOL_ERROR_STATUS.unauthorized, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(REFUSAL_TEXT)),
        'www-authenticate': 'Bearer',
        connection: 'close',
      });
      res.end(REFUSAL_TEXT);
    };
  }

  /** Wraps the upgrade handler: a caller without the key is answered 401 before any WebSocket handshake. */
  upgrades(handler: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
    return (req, socket, head) => {
      if (this.options.credential.accepts(req)) return handler(req, socket, head);
      this.refused(req);
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\nwww-authenticate: Bearer\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(REFUSAL_TEXT)}\r\n\r\n${REFUSAL_TEXT}`,
      );
    };
  }

  private refused(req: IncomingMessage): void {
    // Never the presented header: it may be a real key sent to the wrong place.
    this.options.logger.warn(
      { method: req.method, path: pathOf(req), remoteAddress: req.socket.remoteAddress, credential: req.headers.authorization === undefined ? 'none' : 'wrong' },
      'refused a request without the internal credential',
    );
  }
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0]!;
}

function isProbe(req: IncomingMessage): boolean {
  return OPEN_PATHS.has(pathOf(req));
}
