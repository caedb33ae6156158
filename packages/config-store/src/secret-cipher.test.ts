import { describe, expect, it } from 'vitest';
import { resolveSecretCipher } from './resolve-secret-cipher.js';
import { SealedSecretError, SecretCipher, SecretKeyMismatchError } from './secret-cipher.js';

describe('SecretCipher', () => {
  const cipher = SecretCipher.fromSecret('unit-test-secrets-key-0001');

  it('round-trips values, with a fresh IV each time', () => {
    for (const value of ['', 'plain', 'ünïcødé ✓ 🔑', 'x'.repeat(10_000)]) {
      const first = cipher.encrypt(value, 'ctx');
      const second = cipher.encrypt(value, 'ctx');
      expect(first).not.toBe(second);
      expect(first).toMatch(new RegExp(`^enc:v1:${cipher.keyId}:[A-Za-z0-9_-]+$`));
      expect(cipher.decrypt(first, 'ctx')).toBe(value);
      if (value.length > 0) expect(first).not.toContain(value);
    }
  });

  it('derives the same key from the same SECRETS_KEY, another from another', () => {
    expect(SecretCipher.fromSecret('unit-test-secrets-key-0001').keyId).toBe(cipher.keyId);
    const sealed = cipher.encrypt('value', 'ctx');
    expect(SecretCipher.fromSecret('unit-test-secrets-key-0001').decrypt(sealed, 'ctx')).toBe('value');
    expect(SecretCipher.fromSecret('unit-test-secrets-key-0002').keyId).not.toBe(cipher.keyId);
  });

  it('names SECRETS_KEY when a value was sealed under another key', () => {
    const sealed = SecretCipher.fromSecret('unit-test-secrets-key-0002').encrypt('value', 'ctx');
    expect(() => cipher.decrypt(sealed, 'ctx')).toThrow(SecretKeyMismatchError);
    expect(() => cipher.decrypt(sealed, 'ctx')).toThrow(/different SECRETS_KEY/);
  });

  it('rejects altered values, other contexts and non-sealed text instead of returning garbage', () => {
    const sealed = cipher.encrypt('value', 'user\u0000srv\u0000token');
    const flipped = sealed.slice(0, -2) + (sealed.at(-2) === 'A' ? 'B' : 'A') + sealed.at(-1);
    expect(() => cipher.decrypt(flipped, 'user\u0000srv\u0000token')).toThrow(SealedSecretError);
    expect(() => cipher.decrypt(sealed, 'other\u0000srv\u0000token')).toThrow(SealedSecretError);
    expect(() => cipher.decrypt(sealed.slice(0, 30), 'user\u0000srv\u0000token')).toThrow(SealedSecretError);
    expect(() => cipher.decrypt('value', 'ctx')).toThrow(/sealed format/);
  });

  it('refuses short secrets and wrong key sizes', () => {
    expect(() => SecretCipher.fromSecret('short')).toThrow(/SECRETS_KEY must be at least 16/);
    expect(() => new SecretCipher(new Uint8Array(16))).toThrow(/32-byte key/);
  });
});

describe('resolveSecretCipher', () => {
  it('uses SECRETS_KEY when set', () => {
    const resolved = resolveSecretCipher({ NODE_ENV: 'production', SECRETS_KEY: 'unit-test-secrets-key-0001' });
    expect(resolved.usingDevelopmentKey).toBe(false);
    expect(resolved.cipher.keyId).toBe(SecretCipher.fromSecret('unit-test-secrets-key-0001').keyId);
  });

  it('refuses to run in production without SECRETS_KEY, naming it', () => {
    expect(() => resolveSecretCipher({ NODE_ENV: 'production', SECRETS_KEY: undefined })).toThrow(/SECRETS_KEY is required in production/);
  });

  it('falls back to the flagged development key elsewhere', () => {
    for (const NODE_ENV of ['development', 'test'] as const) {
      const resolved = resolveSecretCipher({ NODE_ENV, SECRETS_KEY: undefined });
      expect(resolved.usingDevelopmentKey).toBe(true);
      expect(resolved.cipher.keyId).toBe(SecretCipher.development().keyId);
    }
  });
});
