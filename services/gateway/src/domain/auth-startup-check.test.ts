import { createLogger, SettingsSchema } from '@bedrock-mcp/common';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkAuthConfiguration } from './auth-startup-check.js';

function capture() {
  const lines: Array<{ level: string; msg: string; authMode?: string }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: string; msg: string });
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'test', destination }) };
}
const settings = (env: Record<string, string>) => SettingsSchema.parse(env);

describe('checkAuthConfiguration', () => {
  it('refuses AUTH_MODE=auto on a non-loopback bind without an identity provider, naming AUTH_MODE and the ways out', () => {
    const { logger } = capture();
    expect(() => checkAuthConfiguration(settings({ MCP_SERVICE_HOST: '0.0.0.0' }), logger)).toThrow(/AUTH_MODE=local.*|OIDC_ISSUER_URL/);
    expect(() => checkAuthConfiguration(settings({ MCP_SERVICE_HOST: '10.0.0.5', API_KEY: 'k' }), logger)).toThrow(/AUTH_MODE/);
  });

  it('signs in the local user on a loopback bind, and with an issuer through OIDC', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1']) {
      const { lines, logger } = capture();
      checkAuthConfiguration(settings({ MCP_SERVICE_HOST: host }), logger);
      expect(lines.at(-1)?.authMode).toBe('local');
    }
    const { lines, logger } = capture();
    checkAuthConfiguration(settings({ MCP_SERVICE_HOST: '0.0.0.0', OIDC_ISSUER_URL: 'https://id.example.com', OIDC_CLIENT_ID: 'bmcp' }), logger);
    expect(lines.at(-1)?.authMode).toBe('oidc');
  });

  it('allows an explicit AUTH_MODE=local on any bind, with a warning', () => {
    const { lines, logger } = capture();
    checkAuthConfiguration(settings({ MCP_SERVICE_HOST: '0.0.0.0', AUTH_MODE: 'local' }), logger);
    expect(lines.find((line) => line.level === 'warn')?.msg).toMatch(/AUTH_MODE=local on 0\.0\.0\.0/);
  });

  it('warns when AUTH_MODE=local leaves a configured identity provider unused', () => {
    const { lines, logger } = capture();
    checkAuthConfiguration(settings({ AUTH_MODE: 'local', OIDC_ISSUER_URL: 'https://id.example.com', OIDC_CLIENT_ID: 'x' }), logger);
    expect(lines.find((line) => line.level === 'warn')?.msg).toMatch(/ignores OIDC_ISSUER_URL/);
    expect(lines.at(-1)?.authMode).toBe('local');
  });

  it('refuses AUTH_MODE=oidc without an issuer and client id', () => {
    const { logger } = capture();
    expect(() => checkAuthConfiguration(settings({ AUTH_MODE: 'oidc' }), logger)).toThrow(/OIDC_ISSUER_URL and OIDC_CLIENT_ID/);
  });
});
