import { describe, expect, it } from 'vitest';
import { AppConfigFileSchema, isModelAvailable, normalizeOpenAiBaseUrl } from './app-config.js';

const model = (extra: Record<string, unknown> = {}) => ({ model_id: 'm', model_name: 'M', ...extra });

describe('conf/config.json providers', () => {
  it('keeps loading the old shape: models without providers, or pinned to bedrock / openai', () => {
    const config = AppConfigFileSchema.parse({ models: [model(), model({ model_id: 'o', provider: 'openai' }), model({ model_id: 'b', provider: 'bedrock' })] });
    expect(config.providers).toEqual({});
    expect(config.models[0]).toMatchObject({ supports_tool_use: true, supports_prompt_caching: false });
  });

  it('lets a model name a configured provider, and refuses unknown ones and redefined built-ins', () => {
    const providers = { ollama: { kind: 'openai', base_url: 'http://127.0.0.1:11434/v1' } };
    expect(AppConfigFileSchema.safeParse({ providers, models: [model({ provider: 'ollama' })] }).success).toBe(true);
    const unknown = AppConfigFileSchema.safeParse({ providers, models: [model({ provider: 'deepseek' })] });
    expect(unknown.error?.issues[0]).toMatchObject({ path: ['models', 0, 'provider'], message: expect.stringContaining("no provider 'deepseek'") });
    const builtIn = AppConfigFileSchema.safeParse({ providers: { bedrock: { kind: 'bedrock' } }, models: [model()] });
    expect(builtIn.error?.issues[0]?.path).toEqual(['providers', 'bedrock']);
    const both = AppConfigFileSchema.safeParse({ providers: { x: { kind: 'openai', base_url: 'http://h/v1', api_key_env: 'K', api_key_file: '/k' } }, models: [model()] });
    expect(both.success).toBe(false);
  });
});

describe('normalizeOpenAiBaseUrl', () => {
  it('appends /v1 to a bare host (the seed’s COMPATIBLE_API_BASE) and keeps any other path', () => {
    expect(normalizeOpenAiBaseUrl('https://api.siliconflow.cn')).toBe('https://api.siliconflow.cn/v1');
    expect(normalizeOpenAiBaseUrl('https://api.siliconflow.cn/')).toBe('https://api.siliconflow.cn/v1');
    expect(normalizeOpenAiBaseUrl('http://localhost:11434/v1/')).toBe('http://localhost:11434/v1');
    expect(normalizeOpenAiBaseUrl('https://ark.cn-beijing.volces.com/api/v3')).toBe('https://ark.cn-beijing.volces.com/api/v3');
  });
});

describe('isModelAvailable', () => {
  it('offers built-in Bedrock models only with use_bedrock=1, built-in OpenAI-compatible ones only with COMPATIBLE_API_BASE, named ones always', () => {
    const seedMode = { useBedrock: false, compatibleApiBase: 'https://api.siliconflow.cn' };
    const bedrockOnly = { useBedrock: true, compatibleApiBase: undefined };
    expect(isModelAvailable({ provider: 'bedrock' }, seedMode)).toBe(false);
    expect(isModelAvailable({}, seedMode)).toBe(true);
    expect(isModelAvailable({ provider: 'openai' }, bedrockOnly)).toBe(false);
    expect(isModelAvailable({}, bedrockOnly)).toBe(true);
    expect(isModelAvailable({ provider: 'ollama' }, bedrockOnly)).toBe(true);
  });
});
