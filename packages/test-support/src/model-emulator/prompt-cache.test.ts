import { BedrockRuntimeClient, ConverseCommand, ValidationException, type ConverseCommandInput } from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startModelEmulator } from './emulator.js';
import type { BedrockRecordedRequest, ModelEmulator } from './types.js';

const SONNET = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
const CACHE_POINT = { cachePoint: { type: 'default' as const } };
/** About 1,500 tokens at the emulator's four characters per token: past Sonnet's 1,024 minimum, short of Haiku 4.5's 4,096. */
const LONG_SYSTEM = 'You are a careful assistant. '.repeat(210);

let emulator: ModelEmulator;
let client: BedrockRuntimeClient;
beforeAll(async () => {
  emulator = await startModelEmulator({ rules: [{ reply: { text: 'ok', usage: { outputTokens: 1 } } }] });
  client = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: emulator.bedrockEndpoint, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
});
afterAll(async () => {
  client?.destroy();
  await emulator?.close();
});
beforeEach(() => {
  emulator.reset();
  emulator.script([{ reply: { text: 'ok', usage: { outputTokens: 1 } } }]);
});

const converse = (input: Omit<ConverseCommandInput, 'modelId'> & { modelId?: string }) => client.send(new ConverseCommand({ modelId: SONNET, ...input }));
const lastRecorded = () => emulator.requests.at(-1) as BedrockRecordedRequest;

describe('the emulator’s Bedrock prompt cache', () => {
  it('writes the prefix up to a cache point on the first request and reads it on the second identical-prefix one', async () => {
    const system = [{ text: LONG_SYSTEM }, CACHE_POINT];
    const first = await converse({ system, messages: [{ role: 'user', content: [{ text: 'first question' }] }] });
    expect(first.usage?.cacheWriteInputTokens).toBeGreaterThan(1024);
    expect(first.usage?.cacheReadInputTokens).toBe(0);

    const second = await converse({ system, messages: [{ role: 'user', content: [{ text: 'another question' }] }] });
    expect(second.usage?.cacheReadInputTokens).toBe(first.usage?.cacheWriteInputTokens);
    expect(second.usage?.cacheWriteInputTokens).toBe(0);
    expect(second.usage!.inputTokens!).toBeLessThan(20);
    expect(second.usage?.totalTokens).toBe(second.usage!.inputTokens! + second.usage!.outputTokens! + second.usage!.cacheReadInputTokens!);
    expect(lastRecorded().promptCache?.points).toEqual([{ section: 'system', prefixTokens: first.usage?.cacheWriteInputTokens, counted: true }]);
  });

  it('reads the previous round’s moving end point by looking back from the new one', async () => {
    const system = [{ text: LONG_SYSTEM }];
    const firstTurn = [{ role: 'user' as const, content: [{ text: 'question one' }, CACHE_POINT] }];
    const first = await converse({ system, messages: firstTurn });
    const written = first.usage!.cacheWriteInputTokens!;
    const second = await converse({
      system,
      messages: [{ role: 'user', content: [{ text: 'question one' }] }, { role: 'assistant', content: [{ text: 'ok' }] }, { role: 'user', content: [{ text: 'question two' }, CACHE_POINT] }],
    });
    expect(second.usage?.cacheReadInputTokens).toBe(written);
    expect(second.usage?.cacheWriteInputTokens).toBeGreaterThan(0);
  });

  it('ignores a cache point before the model’s minimum prefix length: nothing written, nothing read', async () => {
    const request = { system: [{ text: 'short system prompt' }, CACHE_POINT], messages: [{ role: 'user' as const, content: [{ text: 'hi' }] }] };
    await converse(request);
    const again = await converse(request);
    expect([again.usage?.cacheReadInputTokens, again.usage?.cacheWriteInputTokens]).toEqual([0, 0]);
    expect(lastRecorded().promptCache?.points[0]?.counted).toBe(false);
  });

  it('holds each model to its own minimum: ~1,500 tokens count for Sonnet, not for Haiku 4.5 (4,096)', async () => {
    const request = { system: [{ text: LONG_SYSTEM }, CACHE_POINT], messages: [{ role: 'user' as const, content: [{ text: 'hi' }] }] };
    const haiku = await converse({ ...request, modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0' });
    expect(haiku.usage?.cacheWriteInputTokens).toBe(0);
    expect(lastRecorded().promptCache?.minimumTokens).toBe(4096);
  });

  it('refuses more than four cache points with a ValidationException, as Bedrock does', async () => {
    const failure = await converse({
      system: [{ text: 'a' }, CACHE_POINT, { text: 'b' }, CACHE_POINT, { text: 'c' }, CACHE_POINT],
      messages: [{ role: 'user', content: [{ text: 'd' }, CACHE_POINT, { text: 'e' }, CACHE_POINT] }],
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ValidationException);
    expect((failure as Error).message).toMatch(/maximum of 4 cachePoint blocks.*Found 5/);
  });

  it('refuses a cache point in the tool list for Nova, which caches system and messages only', async () => {
    const tool = { toolSpec: { name: 't', inputSchema: { json: { type: 'object' } } } };
    const failure = await converse({ modelId: 'us.amazon.nova-pro-v1:0', toolConfig: { tools: [tool, CACHE_POINT] }, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ValidationException);
  });

  it('refuses cache points for a model without prompt caching', async () => {
    const failure = await converse({ modelId: 'meta.llama3-70b-instruct-v1:0', system: [{ text: 'x' }, CACHE_POINT], messages: [{ role: 'user', content: [{ text: 'hi' }] }] }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ValidationException);
  });

  it('leaves requests without cache points as before: no cache fields, no accounting', async () => {
    const plain = await converse({ system: [{ text: LONG_SYSTEM }], messages: [{ role: 'user', content: [{ text: 'hi' }] }] });
    expect(plain.usage?.cacheReadInputTokens).toBeUndefined();
    expect(lastRecorded().promptCache).toBeUndefined();
  });
});
