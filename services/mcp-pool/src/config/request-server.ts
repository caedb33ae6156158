import type { RequestServer } from '@bedrock-mcp/contracts';
import type { ResolvedServer } from './server-resolver.js';

/**
 * A chat request's own remote server (RequestServerSchema) as the pool runs it: for its user and
 * turn only, untrusted (its URL goes through the address guard like a user-added server's).
 */
export function resolveRequestServer(server: RequestServer): ResolvedServer {
  return {
    serverId: server.serverId,
    scope: 'user',
    shared: false,
    trusted: false,
    version: 0,
    request: { turnId: server.turnId, ...(server.allowedTools ? { allowedTools: new Set(server.allowedTools) } : {}) },
    config: {
      transport: server.transport,
      url: server.url,
      headers: server.headers,
      enabled: true,
      ...(server.token === undefined ? {} : { token: server.token }),
      ...(server.description === undefined ? {} : { description: server.description }),
      ...(server.requireApproval === undefined ? {} : { requireApproval: server.requireApproval }),
    },
  };
}
