import type { Settings } from '@bedrock-mcp/common';
import { SecretCipher } from './secret-cipher.js';

export interface ResolvedSecretCipher {
  cipher: SecretCipher;
  /** True when SECRETS_KEY was unset and the public development key is in use: warn about it. */
  usingDevelopmentKey: boolean;
}

/**
 * The cipher for secrets at rest from SECRETS_KEY. Production refuses to start without one; elsewhere
 * a fixed development key keeps local runs working (and the caller warns).
 */
export function resolveSecretCipher(settings: Pick<Settings, 'NODE_ENV' | 'SECRETS_KEY'>): ResolvedSecretCipher {
  if (settings.SECRETS_KEY !== undefined) {
    return { cipher: derived(settings.SECRETS_KEY), usingDevelopmentKey: false };
  }
  if (settings.NODE_ENV === 'production') {
    throw new Error(
      'SECRETS_KEY is required in production: it encrypts users\' MCP server secrets (env values, tokens, headers) at rest. ' +
        'Set it to a long random value, e.g. `openssl rand -base64 32`, and keep it: changing it makes stored secrets unreadable.',
    );
  }
  return { cipher: developmentCipher ??= SecretCipher.development(), usingDevelopmentKey: true };
}

// A service asks for its cipher in more than one place (its stores, request servers' secrets): scrypt once per key.
let last: { secret: string; cipher: SecretCipher } | undefined;
let developmentCipher: SecretCipher | undefined;

function derived(secret: string): SecretCipher {
  if (last?.secret !== secret) last = { secret, cipher: SecretCipher.fromSecret(secret) };
  return last.cipher;
}
