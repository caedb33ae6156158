import type { IncomingMessage } from 'node:http';
import { AddressPolicy } from '@bedrock-mcp/common';

/** Refuses exactly the non-public addresses: a peer there is our own proxy (web server, ingress), not a browser. */
const PUBLIC_ONLY = new AddressPolicy();

/**
 * The address a request came from, for per-address limits: the TCP peer, or, when the peer is a
 * loopback or private address (the web server or an ingress in front of the gateway), the last
 * X-Forwarded-For entry, the one that proxy added. Entries further left are the client's own
 * word and are never used.
 */
export function clientAddress(req: IncomingMessage): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (PUBLIC_ONLY.refusal(peer) === undefined) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((entry) => entry.trim()).filter(Boolean);
  return forwarded.at(-1) ?? peer;
}
