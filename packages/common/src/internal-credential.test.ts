import { describe, expect, it } from 'vitest';
import { DEVELOPMENT_INTERNAL_API_KEY, InternalCredential, requireInternalApiKey } from './internal-credential.js';
import { ConfigError } from './load-config.js';
import { SettingsSchema } from './settings.js';

const KEY = 'internal-credential-test-key-0123456789';
const request = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } });

describe('InternalCredential', () => {
  const credential = new InternalCredential(KEY);

  it('accepts exactly its key as a bearer token', () => {
    expect(credential.accepts(request(credential.authorization))).toBe(true);
    expect(credential.accepts(request(`bearer ${KEY}`))).toBe(true);
  });

  it('keeps the key out of JSON (a logged object)', () => {
    expect(JSON.stringify(credential)).not.toContain(KEY);
  });

  it('refuses no header, another key, a prefix or extension of the key, and other schemes', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', `Bearer ${KEY.slice(0, -1)}`, `Bearer ${KEY}x`, `Basic ${KEY}`, KEY, `Bearer ${KEY} extra`]) {
      expect(credential.accepts(request(header)), String(header)).toBe(false);
    }
  });
});

describe('requireInternalApiKey', () => {
  it('is a start-up error naming INTERNAL_API_KEY when unset, in every environment', () => {
    for (const NODE_ENV of ['development', 'test', 'production'] as const) {
      expect(() => requireInternalApiKey({ NODE_ENV, INTERNAL_API_KEY: undefined })).toThrow(ConfigError);
      expect(() => requireInternalApiKey({ NODE_ENV, INTERNAL_API_KEY: undefined })).toThrow(/INTERNAL_API_KEY is required/);
    }
  });

  it('refuses the public development key in production only', () => {
    expect(() => requireInternalApiKey({ NODE_ENV: 'production', INTERNAL_API_KEY: DEVELOPMENT_INTERNAL_API_KEY })).toThrow(/INTERNAL_API_KEY is the public development key/);
    expect(requireInternalApiKey({ NODE_ENV: 'development', INTERNAL_API_KEY: DEVELOPMENT_INTERNAL_API_KEY })).toBe(DEVELOPMENT_INTERNAL_API_KEY);
  });

  it('production settings without the key fail at start-up; with one they pass', () => {
    const production = SettingsSchema.parse({ NODE_ENV: 'production' });
    expect(() => requireInternalApiKey(production)).toThrow(/INTERNAL_API_KEY/);
    expect(requireInternalApiKey(SettingsSchema.parse({ NODE_ENV: 'production', INTERNAL_API_KEY: KEY }))).toBe(KEY);
  });

  it('settings refuse a key shorter than 32 characters, naming the setting', () => {
    const parsed = SettingsSchema.safeParse({ INTERNAL_API_KEY: 'too-short' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['INTERNAL_API_KEY']);
    expect(SettingsSchema.parse({ INTERNAL_API_KEY: '  ' }).INTERNAL_API_KEY).toBeUndefined();
  });
});
