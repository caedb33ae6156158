import type { McpServerConfig } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { SecretCipher, SecretKeyMismatchError } from './secret-cipher.js';
import { CorruptRecordError, ServerRecordCodec } from './server-record-codec.js';

const cipher = SecretCipher.fromSecret('codec-unit-test-secrets-key');
const codec = new ServerRecordCodec(cipher);
const config: McpServerConfig = {
  transport: 'sse',
  url: 'https://tools.example.com/sse',
  token: 'secret-token',
  headers: { 'X-Key': 'secret-header' },
  enabled: true,
};
const record = { serverId: 'tools', config, createdAt: 10, updatedAt: 20 };

describe('ServerRecordCodec', () => {
  it('seals token and header values and keeps the rest readable', () => {
    const raw = codec.encode('alice', record);
    const stored = JSON.parse(raw) as { v: number; config: Record<string, unknown>; createdAt: number; updatedAt: number };
    expect(stored).toMatchObject({ v: 1, createdAt: 10, updatedAt: 20, config: { transport: 'sse', url: config.url, enabled: true } });
    expect(raw).not.toContain('secret-token');
    expect(raw).not.toContain('secret-header');
    expect(codec.decode('alice', 'tools', raw)).toEqual(record);
  });

  it('does not add a token the config lacks', () => {
    const withoutToken: McpServerConfig = { transport: 'streamable_http', url: 'https://x.example.com/mcp', headers: {}, enabled: true };
    const raw = codec.encode('alice', { ...record, config: withoutToken });
    expect(JSON.parse(raw).config).not.toHaveProperty('token');
    expect(codec.decode('alice', 'tools', raw).config).toEqual(withoutToken);
  });

  it('reports corruption by field and issue code, never by value', () => {
    const raw = JSON.stringify({ v: 1, config: { ...config, url: 'ftp://leak.example.com' }, createdAt: 1, updatedAt: 1 });
    const error = (() => {
      try {
        codec.decode('alice', 'tools', raw);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect((error as CorruptRecordError).reason).toMatch(/^config\.url: /);
    expect((error as Error).message).not.toContain('leak.example.com');
  });

  it('lets a key mismatch through rather than calling it corruption', () => {
    const raw = new ServerRecordCodec(SecretCipher.fromSecret('codec-unit-test-other-key')).encode('alice', record);
    expect(() => codec.decode('alice', 'tools', raw)).toThrow(SecretKeyMismatchError);
  });

  it('reads createdAt without decrypting', () => {
    expect(ServerRecordCodec.createdAtOf(codec.encode('alice', record))).toBe(10);
    expect(ServerRecordCodec.createdAtOf('{"createdAt":-1}')).toBeUndefined();
    expect(ServerRecordCodec.createdAtOf('not json')).toBeUndefined();
    expect(ServerRecordCodec.createdAtOf(undefined)).toBeUndefined();
  });
});
