import { ModelConfigSchema } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { BEDROCK_NOT_CONFIGURED, fromBedrockError, fromOpenAiError, ModelCallError } from './model-errors.js';
import type { ModelProvider } from './model-provider.js';
import { ModelRegistry } from './model-registry.js';
import { OpenAiProvider } from './openai-provider.js';

const stub = (name: ModelProvider['name']): ModelProvider => ({ name, converseStream: () => (async function* () {})() });
const models = [
  { model_id: 'plain', model_name: 'Plain' },
  { model_id: 'pinned', model_name: 'Pinned', provider: 'bedrock' },
  { model_id: 'local', model_name: 'Local', provider: 'ollama' },
].map((model) => ModelConfigSchema.parse(model));
const providers = (): Map<string, ModelProvider> => new Map([['bedrock', stub('bedrock')], ['openai', stub('openai')], ['ollama', stub('openai')]]);

describe('ModelRegistry', () => {
  it('serves models without a provider from use_bedrock, pinned ones from their provider, unknown ones not at all', () => {
    const set = providers();
    const registry = new ModelRegistry({ models, useBedrock: false, providers: set });
    expect(registry.resolve('plain')?.provider).toBe(set.get('openai'));
    expect(registry.resolve('pinned')?.provider).toBe(set.get('bedrock'));
    expect(registry.resolve('local')?.provider).toBe(set.get('ollama'));
    expect(registry.resolve('other')).toBeUndefined();
    expect(new ModelRegistry({ models, useBedrock: true, providers: set }).resolve('plain')?.provider).toBe(set.get('bedrock'));
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
