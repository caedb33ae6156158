import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InternalServerException,
} from '@aws-sdk/client-bedrock-runtime';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { splitIntoChunks } from './chunking.js';
import { startModelEmulator } from './emulator.js';
import type { ModelEmulator } from './types.js';

const MODEL_ID = 'anthropic.claude-3-haiku-20240307-v1:0';
const hello = { modelId: MODEL_ID, messages: [{ role: 'user' as const, content: [{ text: 'hello' }] }] };

function bedrockClient(emulator: ModelEmulator): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: emulator.bedrockEndpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}

describe('model emulator lifecycle', () => {
  const started: ModelEmulator[] = [];
  const start = async (...args: Parameters<typeof startModelEmulator>): Promise<ModelEmulator> => {
    const emulator = await startModelEmulator(...args);
    started.push(emulator);
    return emulator;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((emulator) => emulator.close()));
  });

  it('serves both protocols on one port', async () => {
    const emulator = await start({ rules: [{ reply: { text: 'same port' } }] });
    const bedrock = bedrockClient(emulator);
    const openai = new OpenAI({ baseURL: emulator.openaiBaseUrl, apiKey: 'test', maxRetries: 0 });

    const viaBedrock = await bedrock.send(new ConverseCommand(hello));
    const viaOpenAI = await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    bedrock.destroy();

    expect(emulator.bedrockEndpoint).toBe(emulator.url);
    expect(emulator.openaiBaseUrl).toBe(`${emulator.url}/v1`);
    expect(viaBedrock.output?.message?.content?.[0]?.text).toBe('same port');
    expect(viaOpenAI.choices[0]?.message.content).toBe('same port');
    expect(emulator.requests.map((request) => request.httpVersion)).toEqual(['2.0', '1.1']);
  });

  it('paces stream events by chunkDelayMs', async () => {
    const emulator = await start({ chunkDelayMs: 40, rules: [{ reply: { text: 'abcdef', chunkCount: 3 } }] });
    const bedrock = bedrockClient(emulator);

    const response = await bedrock.send(new ConverseStreamCommand(hello));
    const deltaTimes: number[] = [];
    for await (const event of response.stream ?? []) {
      if (event.contentBlockDelta !== undefined) deltaTimes.push(performance.now());
    }
    bedrock.destroy();

    expect(deltaTimes).toHaveLength(3);
    expect((deltaTimes.at(-1) ?? 0) - (deltaTimes[0] ?? 0)).toBeGreaterThanOrEqual(70);
  });

  it('close() cuts a stream in progress, is idempotent and frees the port', async () => {
    const emulator = await start({ rules: [{ reply: { text: 'slow', chunkDelayMs: 10_000 } }] });
    const openai = new OpenAI({ baseURL: emulator.openaiBaseUrl, apiKey: 'test', maxRetries: 0 });
    const bedrock = bedrockClient(emulator);
    const openaiStream = await openai.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    const bedrockStream = (await bedrock.send(new ConverseStreamCommand(hello))).stream;
    if (bedrockStream === undefined) throw new Error('expected a stream');
    /** Settles to the iteration's error, or undefined when the stream ended normally. */
    const drain = async (stream: AsyncIterable<unknown>): Promise<unknown> => {
      try {
        for await (const item of stream) void item;
        return undefined;
      } catch (error) {
        return error;
      }
    };
    const outcomes = Promise.all([drain(openaiStream), drain(bedrockStream)]);

    const startedAt = performance.now();
    await Promise.all([emulator.close(), emulator.close()]);
    await emulator.close();
    bedrock.destroy();

    const [openaiError, bedrockError] = await outcomes;
    expect(openaiError).toBeInstanceOf(Error);
    expect(bedrockError).toBeInstanceOf(Error);
    expect(performance.now() - startedAt).toBeLessThan(1_000);
    await expect(fetch(`${emulator.url}/healthz`)).rejects.toThrow();
  });

  it('answers unknown routes with 404 and health checks with 200, without logging them', async () => {
    const emulator = await start();

    const missing = await fetch(`${emulator.url}/nope`);
    const health = await fetch(`${emulator.url}/healthz`);

    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: 'emulator: no route for GET /nope' });
    expect(health.status).toBe(200);
    expect(emulator.requests).toEqual([]);
  });

  it('turns a throwing reply function into a server error the SDK reports', async () => {
    const emulator = await start({
      rules: [
        {
          reply: () => {
            throw new Error('script bug');
          },
        },
      ],
    });
    const bedrock = bedrockClient(emulator);

    const error: unknown = await bedrock.send(new ConverseCommand(hello)).catch((caught: unknown) => caught);
    bedrock.destroy();

    expect(error).toBeInstanceOf(InternalServerException);
    expect((error as Error).message).toContain('script bug');
  });

  it('reset() clears script, queued failures and the request log', async () => {
    const emulator = await start({ rules: [{ reply: { text: 'scripted' } }] });
    emulator.failNext({ kind: 'http', status: 500 });
    emulator.reset();
    const bedrock = bedrockClient(emulator);

    const response = await bedrock.send(new ConverseCommand(hello));
    bedrock.destroy();

    expect(response.output?.message?.content?.[0]?.text).toBe('emulator: no rule for "hello"');
    expect(emulator.requests).toHaveLength(1);
  });
});

describe('splitIntoChunks', () => {
  it('splits into near-equal pieces without breaking surrogate pairs', () => {
    expect(splitIntoChunks('abcdefg', 3)).toEqual(['abc', 'def', 'g']);
    expect(splitIntoChunks('ab', 5)).toEqual(['a', 'b']);
    expect(splitIntoChunks('', 3)).toEqual([]);
    expect(splitIntoChunks('😀😀😀😀', 2)).toEqual(['😀😀', '😀😀']);
  });
});
