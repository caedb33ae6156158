import { createHash, timingSafeEqual } from 'node:crypto';
import { UserIdSchema, type AuthMethod } from '@bedrock-mcp/contracts';
import { GatewayError } from './gateway-error.js';
import { sha256Hex, type UserApiKeyStore } from './user-api-key-store.js';

/** Who a request acts for, and how it proved it. */
export interface Principal {
  userId: string;
  method: AuthMethod;
  /** The signed-in person's name (sessions); else the user id is shown. */
  displayName?: string;
  /** Set when a browser session authenticated the request. */
  session?: { hash: string; csrfToken: string };
}

export interface ApiKeyAuthenticatorOptions {
  /** Service keys (settings.API_KEY, comma-separated): may act for any user named in X-User-ID. */
  serviceKeys: readonly string[];
  userKeys: Pick<UserApiKeyStore, 'lookup'>;
}

/** settings.API_KEY: one key or a comma-separated list. */
export function parseServiceKeys(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
}

/** `Bearer <key>` → the key, or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

/** The user id a service key acts as without X-User-ID: derived from the key, never the key itself. */
export function serviceKeyUserId(key: string): string {
  return `key-${sha256Hex(key).slice(0, 12)}`;
}

/**
 * Resolves an API key and the optional requested user id to a principal. Service keys are
 * compared in constant time (SHA-256 of both sides, `timingSafeEqual`, every key checked);
 * per-user keys are looked up by their hash and act only for their own user.
 */
export class ApiKeyAuthenticator {
  private readonly serviceKeyHashes: Buffer[];

  constructor(private readonly options: ApiKeyAuthenticatorOptions) {
    this.serviceKeyHashes = options.serviceKeys.map((key) => createHash('sha256').update(key).digest());
  }

  get hasServiceKeys(): boolean {
    return this.serviceKeyHashes.length > 0;
  }

  /** Throws 401 for a missing or unknown key, 400 for a malformed user id, 403 for acting as someone else. */
  async authenticate(apiKey: string | undefined, requestedUserId: string | undefined): Promise<Principal> {
    if (!apiKey) throw new GatewayError('unauthorized', 'Missing API key: send "Authorization: Bearer <key>".');
    const requested = requestedUserId?.trim() ? this.parseUserId(requestedUserId.trim()) : undefined;
    const presented = createHash('sha256').update(apiKey).digest();
    let isServiceKey = false;
    for (const hash of this.serviceKeyHashes) isServiceKey = timingSafeEqual(hash, presented) || isServiceKey;
    if (isServiceKey) return { userId: requested ?? serviceKeyUserId(apiKey), method: 'service_key' };

    const stored = await this.options.userKeys.lookup(presented.toString('hex'));
    if (!stored) throw new GatewayError('unauthorized', 'Invalid API key.');
    if (requested !== undefined && requested !== stored.userId) {
      throw new GatewayError('forbidden', 'This API key may act only for its own user.', 'X-User-ID');
    }
    return { userId: stored.userId, method: 'user_key' };
  }

  private parseUserId(value: string): string {
    const parsed = UserIdSchema.safeParse(value);
    if (!parsed.success) throw new GatewayError('invalid_request', `X-User-ID: ${parsed.error.issues[0]?.message ?? 'invalid user id'}`, 'X-User-ID');
    return parsed.data;
  }
}
