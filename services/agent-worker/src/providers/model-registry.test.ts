import type { ModelConfig } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { BEDROCK_NOT_CONFIGURED, fromBedrockError, fromOpenAiError, ModelCallError } from './model-errors.js';
import type { ModelProvider } from './model-provider.js';
import { ModelRegistry } from './model-registry.js';
import { OpenAiProvider } from './openai-provider.js';

const stub = (name: ModelProvider['name']): ModelProvider => ({ name, converseStream: () => (async function* () {})() });
const models: ModelConfig[] = [
  { model_id: 'plain', model_name: 'Plain', supports_thinking: false, supports_images: true, supports_documents: true },
  { model_id: 'pinned', model_name: 'Pinned', provider: 'bedrock', supports_thinking: false, supports_images: true, supports_documents: true },
];

describe('ModelRegistry', () => {
  it('serves models without a provider from use_bedrock, pinned ones from their provider, unknown ones not at all', () => {
    const registry = new ModelRegistry({ models, useBedrock: false, bedrock: stub('bedrock'), openai: stub('openai') });
    expect(registry.resolve('plain')?.provider.name).toBe('openai');
    expect(registry.resolve('pinned')?.provider.name).toBe('bedrock');
    expect(registry.resolve('other')).toBeUndefined();
    expect(new ModelRegistry({ models, useBedrock: true, bedrock: stub('bedrock'), openai: stub('openai') }).resolve('plain')?.provider.name).toBe('bedrock');
  });
});

describe('model errors', () => {
  it('names what to set when no provider is configured', async () => {
    const provider = new OpenAiProvider({ baseURL: undefined, apiKey: undefined, timeoutMs: 1000 });
    const request = { modelId: 'm', model: models[0]!, system: [], messages: [], tools: [], maxTokens: 10 };
    const failure = await (async () => {
      for await (const _ of provider.converseStream(request, new AbortController().signal)) void _;
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ModelCallError);
    expect((failure as ModelCallError).turnErrorCode).toBe('model_not_configured');
    expect((failure as ModelCallError).message).toContain('COMPATIBLE_API_BASE');

    const missingAws = fromBedrockError(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    expect(missingAws.turnErrorCode).toBe('model_not_configured');
    expect(missingAws.message).toBe(BEDROCK_NOT_CONFIGURED);
    expect(BEDROCK_NOT_CONFIGURED).toMatch(/AWS_REGION.*use_bedrock=0.*COMPATIBLE_API_BASE/);
  });

  it('classifies throttling and unavailability as retryable, validation as not', () => {
    expect(fromBedrockError(Object.assign(new Error('slow down'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } })).retryable).toBe(true);
    expect(fromBedrockError(Object.assign(new Error('busy'), { name: 'ServiceUnavailableException', $metadata: { httpStatusCode: 503 } })).retryable).toBe(true);
    const validation = fromBedrockError(Object.assign(new Error('bad'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } }));
    expect([validation.retryable, validation.turnErrorCode]).toEqual([false, 'model_error']);
    expect(fromOpenAiError(Object.assign(new Error('rate'), { status: 429 })).turnErrorCode).toBe('model_throttled');
    expect(fromOpenAiError(Object.assign(new Error('nope'), { status: 401 })).retryable).toBe(false);
  });
});
