import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { internalAuthorization, presentedInternalKey } from '@bedrock-mcp/contracts';
import { ConfigError } from './load-config.js';
import type { Settings } from './settings.js';

/**
 * The INTERNAL_API_KEY docker-compose.yml falls back to on a fresh clone (development only, and
 * public: it is in the repository). Production refuses it.
 */
export const DEVELOPMENT_INTERNAL_API_KEY = 'development-only-internal-key-not-a-secret';

/**
 * The platform's internal credential (INTERNAL_API_KEY), checked the one way every entry point uses:
 * the pool's routes, call socket and forwards, and `/metrics` of every service.
 */
export class InternalCredential {
  // #private: not serialized should the object reach a log line.
  readonly #key: string;
  readonly #digest: Buffer;

  constructor(key: string) {
    this.#key = key;
    this.#digest = sha256(key);
  }

  /** The `Authorization` header value callers send. */
  get authorization(): string {
    return internalAuthorization(this.#key);
  }

  /**
   * True when the request presents this key as `Authorization: Bearer <key>`. Both sides are hashed
   * first, so timingSafeEqual compares equal lengths and the time taken tells nothing about the key.
   */
  accepts(req: Pick<IncomingMessage, 'headers'>): boolean {
    const presented = presentedInternalKey(req.headers.authorization);
    return presented !== undefined && timingSafeEqual(sha256(presented), this.#digest);
  }
}

/**
 * INTERNAL_API_KEY from the settings (for InternalCredential and PoolClient), or a start-up error naming it. Required in every environment:
 * a service without it could neither reach the pool nor protect it. Production also refuses the
 * public development key.
 */
export function requireInternalApiKey(settings: Pick<Settings, 'NODE_ENV' | 'INTERNAL_API_KEY'>): string {
  const key = settings.INTERNAL_API_KEY;
  const hint = 'Set it to the same long random value (at least 32 characters, e.g. `openssl rand -base64 32`) for the gateway, agent-worker and mcp-pool';
  if (key === undefined) {
    throw new ConfigError(`INTERNAL_API_KEY is required: the services present it to each other (mcp-pool API, /metrics). ${hint}; \`npm start\` generates one into .env in development.`);
  }
  if (settings.NODE_ENV === 'production' && key === DEVELOPMENT_INTERNAL_API_KEY) {
    throw new ConfigError(`INTERNAL_API_KEY is the public development key, which production refuses. ${hint}.`);
  }
  return key;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
