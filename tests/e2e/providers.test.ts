import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startModelEmulator, type BedrockRecordedRequest, type ModelEmulator, type OpenAIRecordedRequest, type RecordedRequest } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realConf } from './demo/real-conf.js';
import { startStack, STACK_MODEL, STACK_OPENAI_MODEL, type Stack } from './support/stack.js';

// Providers as configuration (#20): several providers of both kinds in one deployment, each
// model going to its own endpoint; the seed's `.env` (use_bedrock=0 and a bare
// COMPATIBLE_API_BASE) serving the seed's DeepSeek and Qwen models; Bedrock prompt caching, with
// the emulator accounting for cache points as Bedrock does. The official openai client throughout.

const LOCAL_MODEL = 'llama3.2';
const WEST_MODEL = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const LOCAL_KEY = 'sk-local-provider-secret';
/** About 2,000 tokens at the emulator's four characters per token: past Sonnet's 1,024 minimum. */
const LONG_SYSTEM = 'You answer questions about the weather, briefly and precisely. '.repeat(130);

type CompletionUsageWithCache = OpenAI.CompletionUsage & { cache_creation_input_tokens?: number };
type SeedParams = OpenAI.ChatCompletionCreateParamsNonStreaming & { extra_params?: Record<string, unknown>; mcp_server_ids?: string[] };

const clientFor = (stack: Stack, user: string) => new OpenAI({ baseURL: stack.baseUrl, apiKey: stack.apiKey, defaultHeaders: { 'X-User-ID': user }, maxRetries: 0 });
const logsOf = (stack: Stack) => readdirSync(stack.dir).filter((name) => name.endsWith('.log')).map((name) => readFileSync(join(stack.dir, name), 'utf8')).join('\n');
const cachePointsIn = (request: RecordedRequest) => JSON.stringify(request.body).split('"cachePoint"').length - 1;

describe('two providers of each kind in one deployment, each model at its own endpoint', () => {
  let stack: Stack;
  let other: ModelEmulator;
  let client: OpenAI;

  beforeAll(async () => {
    other = await startModelEmulator({ rules: [{ reply: (context) => ({ text: `other emulator, ${context.provider} ${context.modelId}` }) }] });
    stack = await startStack({
      label: 'providers',
      logLevel: 'info',
      workerEnv: { LOCAL_LLM_KEY: LOCAL_KEY },
      app: {
        providers: {
          // A bare host: normalised to …/v1.
          local: { kind: 'openai', base_url: other.url, api_key_env: 'LOCAL_LLM_KEY', headers: { 'X-Provider-Tag': 'local' } },
          west: { kind: 'bedrock', region: 'us-west-2', endpoint_url: other.bedrockEndpoint },
        },
        models: [
          { model_id: STACK_MODEL, model_name: 'Claude (built-in Bedrock)', provider: 'bedrock', supports_thinking: true, supports_prompt_caching: true, context_window: 200000 },
          { model_id: STACK_OPENAI_MODEL, model_name: 'COMPATIBLE_API_BASE', provider: 'openai' },
          { model_id: LOCAL_MODEL, model_name: 'Local Llama', provider: 'local', supports_images: false, max_output_tokens: 2048 },
          { model_id: WEST_MODEL, model_name: 'Haiku in us-west-2', provider: 'west' },
        ],
      },
    });
    stack.emulator.script([{ reply: (context) => ({ text: `stack emulator, ${context.provider} ${context.modelId}` }) }]);
    client = clientFor(stack, 'providers-user');
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    await other?.close();
  });

  it('lists every model with its provider and capabilities, and no key', async () => {
    const response = await stack.fetch('/v1/models', { userId: 'providers-user' });
    const text = await response.text();
    expect(text).not.toContain(LOCAL_KEY);
    const list = JSON.parse(text) as { data: Array<{ id: string; owned_by: string; capabilities: Record<string, boolean>; context_window?: number; max_output_tokens?: number }> };
    expect(list.data.map((model) => [model.id, model.owned_by])).toEqual([
      [STACK_MODEL, 'bedrock'],
      [STACK_OPENAI_MODEL, 'openai'],
      [LOCAL_MODEL, 'local'],
      [WEST_MODEL, 'west'],
    ]);
    expect(list.data[0]).toMatchObject({ capabilities: { thinking: true, images: true, documents: true, tool_use: true, prompt_caching: true }, context_window: 200000 });
    expect(list.data[2]).toMatchObject({ capabilities: { thinking: false, images: false, prompt_caching: false }, max_output_tokens: 2048 });
  });

  it('sends each model to its own provider: the emulators’ request logs show which endpoint got what', async () => {
    stack.emulator.reset();
    other.reset();
    stack.emulator.script([{ reply: (context) => ({ text: `stack emulator, ${context.provider} ${context.modelId}` }) }]);
    other.script([{ reply: (context) => ({ text: `other emulator, ${context.provider} ${context.modelId}` }) }]);
    const ask = async (model: string) => (await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'which endpoint are you?' }] })).choices[0]?.message.content;

    expect(await ask(STACK_MODEL)).toBe(`stack emulator, bedrock ${STACK_MODEL}`);
    expect(await ask(STACK_OPENAI_MODEL)).toBe(`stack emulator, openai ${STACK_OPENAI_MODEL}`);
    expect(await ask(LOCAL_MODEL)).toBe(`other emulator, openai ${LOCAL_MODEL}`);
    expect(await ask(WEST_MODEL)).toBe(`other emulator, bedrock ${WEST_MODEL}`);

    expect(stack.emulator.requests.map((request) => [request.provider, request.modelId])).toEqual([
      ['bedrock', STACK_MODEL],
      ['openai', STACK_OPENAI_MODEL],
    ]);
    expect(other.requests.map((request) => [request.provider, request.modelId])).toEqual([
      ['openai', LOCAL_MODEL],
      ['bedrock', WEST_MODEL],
    ]);
    const [local, west] = other.requests as [OpenAIRecordedRequest, BedrockRecordedRequest];
    expect(local.path).toBe('/v1/chat/completions');
    expect(local.headers.authorization).toBe(`Bearer ${LOCAL_KEY}`);
    expect(local.headers['x-provider-tag']).toBe('local');
    // The SigV4 credential scope names the region the named Bedrock provider signs for.
    expect(String(west.headers.authorization)).toContain('/us-west-2/bedrock/aws4_request');
    expect(String(stack.emulator.requests[0]!.headers.authorization)).toContain('/us-east-1/bedrock/aws4_request');
    expect(stack.emulator.requests[1]!.headers.authorization).toBe('Bearer emulator');
  });

  it('logs the normalised base URL, never the key', () => {
    const logs = logsOf(stack);
    expect(logs).toContain('"used":"' + other.openaiBaseUrl + '"');
    expect(logs).not.toContain(LOCAL_KEY);
  });

  describe('Bedrock prompt caching', () => {
    it('places cache points after the tools, the system prompt and at the end of the conversation, and reports reads as cached_tokens', async () => {
      stack.emulator.reset();
      stack.emulator.script([{ reply: { text: 'Sunny.' } }]);
      const ask = (question: string) =>
        client.chat.completions.create({
          model: STACK_MODEL,
          messages: [
            { role: 'system', content: LONG_SYSTEM },
            { role: 'user', content: question },
          ],
          mcp_server_ids: ['everything'],
        } as SeedParams);

      const first = await ask('weather in Paris?');
      const second = await ask('weather in Rome?');
      const [firstCall, secondCall] = stack.emulator.requests as BedrockRecordedRequest[];
      expect(cachePointsIn(firstCall!)).toBe(3);
      expect(firstCall!.body.toolConfig!.tools!.at(-1)).toEqual({ cachePoint: { type: 'default' } });
      expect(firstCall!.body.system!.at(-1)).toEqual({ cachePoint: { type: 'default' } });
      expect(firstCall!.body.messages!.at(-1)!.content.at(-1)).toEqual({ cachePoint: { type: 'default' } });
      // The `everything` server's tool list alone is past Sonnet's 1,024-token minimum.
      expect(firstCall!.promptCache!.points.map((point) => [point.section, point.counted])).toEqual([
        ['tools', true],
        ['system', true],
        ['messages', true],
      ]);

      const firstUsage = first.usage as CompletionUsageWithCache;
      expect(firstUsage.cache_creation_input_tokens).toBeGreaterThan(1024);
      expect(firstUsage.prompt_tokens_details?.cached_tokens ?? 0).toBe(0);
      const secondUsage = second.usage as CompletionUsageWithCache;
      // The second request shares tools + system with the first: read from the cache, only its question written.
      expect(secondUsage.prompt_tokens_details?.cached_tokens).toBe(secondCall!.promptCache!.readTokens);
      expect(secondCall!.promptCache!.readTokens).toBe(firstCall!.promptCache!.points[1]!.prefixTokens);
      // OpenAI's prompt_tokens counts every input token, the cached ones included.
      expect(secondUsage.prompt_tokens).toBe(secondCall!.promptCache!.promptTokens);
      expect(secondUsage.total_tokens).toBe(secondUsage.prompt_tokens + secondUsage.completion_tokens);
    });

    it('reads the previous round’s prefix in a tool loop (the moving end point)', async () => {
      stack.emulator.reset();
      stack.emulator.script([
        { when: { lastUserText: 'echo it' }, reply: { toolUses: [{ name: 'everything__echo', input: { message: 'cached?' } }] } },
        { when: { afterToolResult: 'everything__echo' }, reply: { text: 'Echoed.' } },
      ]);
      const completion = await client.chat.completions.create({
        model: STACK_MODEL,
        messages: [
          { role: 'system', content: LONG_SYSTEM },
          { role: 'user', content: 'echo it' },
        ],
        mcp_server_ids: ['everything'],
      } as SeedParams);
      const [round1, round2] = stack.emulator.requests as BedrockRecordedRequest[];
      expect(round2!.promptCache!.readTokens).toBe(round1!.promptCache!.points.at(-1)!.prefixTokens);
      expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBe(round2!.promptCache!.readTokens);
    });

    it('sends no cache point when the request turns caching off, or to a model without it', async () => {
      stack.emulator.reset();
      stack.emulator.script([{ reply: { text: 'ok' } }]);
      await client.chat.completions.create({ model: STACK_MODEL, messages: [{ role: 'user', content: 'no caching' }], extra_params: { prompt_caching: false } } as SeedParams);
      await client.chat.completions.create({ model: WEST_MODEL, messages: [{ role: 'user', content: 'not configured for caching' }] });
      expect(cachePointsIn(stack.emulator.requests[0]!)).toBe(0);
      expect(cachePointsIn(other.requests.at(-1)!)).toBe(0);
    });
  });
});

describe('the seed’s .env: use_bedrock=0 and COMPATIBLE_API_BASE without /v1', () => {
  const conf = realConf();
  const seedModels = conf.models.filter((model) => model.provider === 'openai').map((model) => model.model_id);
  let stack: Stack;
  let client: OpenAI;

  beforeAll(async () => {
    const emulator = await startModelEmulator({ rules: [{ reply: (context) => ({ text: `served ${context.modelId}` }) }] });
    stack = await startStack({
      label: 'seed-env',
      emulator,
      logLevel: 'info',
      // The seed's .env example, with the emulator's host for https://api.siliconflow.cn.
      env: { use_bedrock: '0', COMPATIBLE_API_BASE: emulator.url, COMPATIBLE_API_KEY: 'sk-seed-example' },
      app: { models: conf.models },
    });
    client = clientFor(stack, 'seed-user');
  }, 180_000);
  afterAll(async () => {
    const emulator = stack?.emulator;
    await stack?.stop();
    await emulator?.close();
  });

  it('lists the seed’s DeepSeek-V3 and Qwen3 models, not the Bedrock ones', async () => {
    expect(seedModels).toEqual(expect.arrayContaining(['deepseek-ai/DeepSeek-V3', 'Qwen/Qwen3-30B-A3B', 'Qwen/Qwen3-235B-A22B']));
    const list = await client.models.list();
    expect(list.data.map((model) => model.id)).toEqual(seedModels);
    const seedList = (await (await stack.fetch('/v1/list/models', { userId: 'seed-user' })).json()) as { models: Array<{ model_id: string }> };
    expect(seedList.models.map((model) => model.model_id)).toEqual(seedModels);
  });

  it('serves them at the normalised base URL with the key, and refuses a Bedrock model', async () => {
    for (const model of ['deepseek-ai/DeepSeek-V3', 'Qwen/Qwen3-30B-A3B']) {
      const completion = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hello' }] });
      expect(completion.choices[0]?.message.content).toBe(`served ${model}`);
    }
    const calls = stack.emulator.requests as OpenAIRecordedRequest[];
    expect(calls.map((call) => [call.path, call.modelId, call.headers.authorization])).toEqual([
      ['/v1/chat/completions', 'deepseek-ai/DeepSeek-V3', 'Bearer sk-seed-example'],
      ['/v1/chat/completions', 'Qwen/Qwen3-30B-A3B', 'Bearer sk-seed-example'],
    ]);
    const refused = await client.chat.completions.create({ model: STACK_MODEL, messages: [{ role: 'user', content: 'hello' }] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.NotFoundError);
    expect(stack.emulator.requests).toHaveLength(2);
  });

  it('logs that the base URL got /v1, and never the key', () => {
    const logs = logsOf(stack);
    expect(logs).toContain(`"given":"${stack.env.COMPATIBLE_API_BASE}","used":"${stack.env.COMPATIBLE_API_BASE}/v1"`);
    expect(logs).not.toContain('sk-seed-example');
  });
});
