import { createCipheriv, createDecipheriv, createHmac, randomBytes, scryptSync } from 'node:crypto';
import { SEALED_SECRET_PATTERN } from '@bedrock-mcp/contracts';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
/** GCM's recommended nonce size; a fresh random one per value. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'enc:v1';
/** Domain separation for the scrypt derivation: the same SECRETS_KEY used elsewhere yields another key. */
const KDF_SALT = 'bedrock-mcp/config-store/secrets-at-rest/v1';
/** scrypt cost (N=2^14, r=8 → 16 MiB, ~40 ms once per process): slows guessing a weak SECRETS_KEY. */
const KDF_PARAMS = { N: 2 ** 14, r: 8, p: 1 } as const;
export const MIN_SECRET_LENGTH = 16;
/** Used only outside production when SECRETS_KEY is unset; anyone can derive it, so it protects nothing. */
const DEVELOPMENT_SECRET = 'bedrock-mcp development secrets key: not for production';

/** The stored value was encrypted under another key: SECRETS_KEY changed. */
export class SecretKeyMismatchError extends Error {
  override readonly name = 'SecretKeyMismatchError';
  constructor(readonly storedKeyId: string, readonly currentKeyId: string) {
    super(
      `Cannot decrypt stored secrets: they were encrypted with a different SECRETS_KEY (key id ${storedKeyId}, ` +
        `current key id ${currentKeyId}). Restore the SECRETS_KEY they were written with.`,
    );
  }
}

/** The stored value is not a sealed secret, or it was altered (or moved to another record). */
export class SealedSecretError extends Error {
  override readonly name = 'SealedSecretError';
}

/**
 * AES-256-GCM for single string values (MCP env values, tokens, header values). A sealed value is
 * `enc:v1:<key id>:<base64url(iv ‖ tag ‖ ciphertext)>`. The key id (a fingerprint of the key, not
 * secret) tells a changed SECRETS_KEY apart from a damaged value. `context` is bound as associated
 * data, so a sealed value copied into another user's or server's record does not decrypt there.
 */
export class SecretCipher {
  readonly keyId: string;
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== KEY_BYTES) throw new Error(`SecretCipher needs a ${KEY_BYTES}-byte key, got ${key.length} bytes`);
    this.#key = Buffer.from(key);
    this.keyId = createHmac('sha256', this.#key).update('bedrock-mcp key id').digest('hex').slice(0, 8);
  }

  /** Derives the key from a passphrase (SECRETS_KEY) with scrypt; at least MIN_SECRET_LENGTH characters. */
  static fromSecret(secret: string): SecretCipher {
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new Error(`SECRETS_KEY must be at least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -base64 32\`)`);
    }
    return new SecretCipher(scryptSync(secret, KDF_SALT, KEY_BYTES, KDF_PARAMS));
  }

  /** The fixed, public development key: for local runs and tests without SECRETS_KEY only. */
  static development(): SecretCipher {
    return SecretCipher.fromSecret(DEVELOPMENT_SECRET);
  }

  static isSealed(value: string): boolean {
    return value.startsWith(`${FORMAT}:`);
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const payload = Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
    return `${FORMAT}:${this.keyId}:${payload}`;
  }

  /** Throws SecretKeyMismatchError (another key) or SealedSecretError (malformed, altered, wrong context). */
  decrypt(sealed: string, context: string): string {
    const match = SEALED_SECRET_PATTERN.exec(sealed);
    if (!match) throw new SealedSecretError('stored secret is not in the sealed format');
    const [, storedKeyId = '', encoded = ''] = match;
    if (storedKeyId !== this.keyId) throw new SecretKeyMismatchError(storedKeyId, this.keyId);
    const payload = Buffer.from(encoded, 'base64url');
    if (payload.length < IV_BYTES + TAG_BYTES) throw new SealedSecretError('stored secret is truncated');
    const decipher = createDecipheriv(ALGORITHM, this.#key, payload.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(payload.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(payload.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SealedSecretError('stored secret failed authentication: it was altered or belongs to another record');
    }
  }
}
