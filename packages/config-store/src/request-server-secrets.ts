import type { RequestServer } from '@bedrock-mcp/contracts';
import { mapHttpSecrets } from './http-secrets.js';
import type { SecretCipher } from './secret-cipher.js';

/**
 * The secrets of a chat request's own MCP server (its token and header values) on their way from
 * the gateway to the mcp-pool: the gateway seals them before the job goes to Redis, the agent
 * worker hands them on unread, the pool opens them when it connects. Each value is bound to its
 * user, turn, server and field, so it opens nowhere else: not in another user's call to the pool,
 * not for another turn, not as a stored server's secret.
 */
export class RequestServerSecrets {
  constructor(private readonly cipher: SecretCipher) {}

  seal(userId: string, server: RequestServer): RequestServer {
    return mapHttpSecrets(server, (field, value) => this.cipher.encrypt(value, contextOf(userId, server, field)));
  }

  /** Throws SealedSecretError (sealed for another user, turn or server, or altered) or SecretKeyMismatchError (another SECRETS_KEY). */
  open(userId: string, server: RequestServer): RequestServer {
    return mapHttpSecrets(server, (field, sealed) => this.cipher.decrypt(sealed, contextOf(userId, server, field)));
  }
}

/** Associated data; ids cannot contain NUL, and the leading tag keeps these apart from stored servers' three-part contexts. */
function contextOf(userId: string, server: RequestServer, field: string): string {
  return ['request-server', userId, server.turnId, server.serverId, field].join('\u0000');
}
