import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@bedrock-mcp/common';
import { ProviderConfigSchema, type ProviderConfig } from '@bedrock-mcp/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProviderSet, ProviderConfigError } from './provider-set.js';

const dir = mkdtempSync(join(tmpdir(), 'provider-set-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const build = (providers: Record<string, unknown>, env: Record<string, string> = {}) =>
  buildProviderSet({
    providers: Object.fromEntries(Object.entries(providers).map(([id, config]) => [id, ProviderConfigSchema.parse(config) as ProviderConfig])),
    bedrock: { region: 'us-east-1', credentials: [] },
    compatible: { baseUrl: 'https://api.siliconflow.cn', apiKey: undefined },
    timeoutMs: 1000,
    retry: { maxAttempts: 1, baseDelayMs: 0 },
    env,
    logger: createLogger({ service: 'agent-worker', level: 'silent' }),
  });

describe('buildProviderSet', () => {
  it('has the built-in bedrock and openai providers and one per configured provider', () => {
    writeFileSync(join(dir, 'key'), 'sk-from-file\n');
    const set = build({
      west: { kind: 'bedrock', region: 'us-west-2', aws_profile: 'prod' },
      local: { kind: 'openai', base_url: 'http://127.0.0.1:11434/v1' },
      deepseek: { kind: 'openai', base_url: 'https://api.deepseek.com', api_key_env: 'DEEPSEEK_API_KEY' },
      filed: { kind: 'openai', base_url: 'https://llm.internal/v1', api_key_file: join(dir, 'key') },
    }, { DEEPSEEK_API_KEY: 'sk-env' });
    expect([...set.providers.keys()]).toEqual(['bedrock', 'openai', 'west', 'local', 'deepseek', 'filed']);
    expect(set.providers.get('west')?.name).toBe('bedrock');
    expect(set.providers.get('deepseek')?.name).toBe('openai');
    set.close();
  });

  it('refuses to start with a key variable that is not set, an unreadable key file, or role_arn (validated, not implemented)', () => {
    expect(() => build({ deepseek: { kind: 'openai', base_url: 'https://api.deepseek.com', api_key_env: 'DEEPSEEK_API_KEY' } })).toThrow(ProviderConfigError);
    expect(() => build({ filed: { kind: 'openai', base_url: 'https://llm.internal/v1', api_key_file: join(dir, 'missing') } })).toThrow(/cannot read api_key_file/);
    expect(() => build({ assumed: { kind: 'bedrock', role_arn: 'arn:aws:iam::123456789012:role/bedrock-caller' } })).toThrow(/role_arn is not supported/);
    expect(ProviderConfigSchema.safeParse({ kind: 'bedrock', role_arn: 'not-an-arn' }).success).toBe(false);
  });
});
