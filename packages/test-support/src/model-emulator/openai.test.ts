import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startModelEmulator } from './emulator.js';
import type { ModelEmulator } from './types.js';

const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } },
  { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
];

interface AssembledToolCall {
  id: string;
  name: string;
  argumentFragments: string[];
}

interface AssembledStream {
  content: string;
  reasoning: string;
  toolCalls: AssembledToolCall[];
  finishReason: string | null;
  usage: ChatCompletionChunk['usage'];
}

/** DeepSeek-style reasoning is not part of the OpenAI types. */
type DeltaWithReasoning = ChatCompletionChunk.Choice.Delta & { reasoning_content?: string };

async function assemble(stream: AsyncIterable<ChatCompletionChunk>): Promise<AssembledStream> {
  const assembled: AssembledStream = { content: '', reasoning: '', toolCalls: [], finishReason: null, usage: undefined };
  for await (const chunk of stream) {
    if (chunk.usage) assembled.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (choice === undefined) continue;
    const delta: DeltaWithReasoning = choice.delta;
    assembled.content += delta.content ?? '';
    assembled.reasoning += delta.reasoning_content ?? '';
    for (const call of delta.tool_calls ?? []) {
      const target = (assembled.toolCalls[call.index] ??= { id: '', name: '', argumentFragments: [] });
      if (call.id !== undefined) target.id = call.id;
      if (call.function?.name !== undefined) target.name = call.function.name;
      if (call.function?.arguments) target.argumentFragments.push(call.function.arguments);
    }
    assembled.finishReason = choice.finish_reason ?? assembled.finishReason;
  }
  return assembled;
}

describe('model emulator as an OpenAI-compatible provider (real openai client)', () => {
  let emulator: ModelEmulator;
  let client: OpenAI;

  beforeAll(async () => {
    emulator = await startModelEmulator();
    client = new OpenAI({ baseURL: emulator.openaiBaseUrl, apiKey: 'test', maxRetries: 0 });
  });
  afterEach(() => emulator.reset());
  afterAll(async () => {
    await emulator.close();
  });

  it('streams reasoning_content and two parallel tool calls, then answers from both results', async () => {
    emulator.script([
      {
        when: { lastUserText: 'weather and time' },
        reply: {
          reasoning: { text: 'Two lookups needed.', signature: 'ignored-on-openai' },
          toolUses: [
            { name: 'get_weather', input: { city: 'Paris' } },
            { name: 'get_time', input: { zone: 'Europe/Paris', format: '24h' } },
          ],
        },
      },
      {
        when: { afterToolResult: 'get_time' },
        reply: ({ toolResults }) => ({ text: toolResults.map((result) => `${result.name}=${result.text}`).join('; ') }),
      },
    ]);
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'weather and time in Paris?' }];

    const turn1 = await assemble(
      await client.chat.completions.create({ model: 'deepseek-reasoner', messages, tools: TOOLS, stream: true }),
    );

    expect(turn1.reasoning).toBe('Two lookups needed.');
    expect(turn1.finishReason).toBe('tool_calls');
    expect(turn1.toolCalls.map((call) => call.name)).toEqual(['get_weather', 'get_time']);
    for (const call of turn1.toolCalls) {
      expect(call.id).toMatch(/^call_/);
      expect(call.argumentFragments.length).toBeGreaterThan(1);
    }
    expect(JSON.parse(turn1.toolCalls[0]?.argumentFragments.join('') ?? '')).toEqual({ city: 'Paris' });
    expect(JSON.parse(turn1.toolCalls[1]?.argumentFragments.join('') ?? '')).toEqual({
      zone: 'Europe/Paris',
      format: '24h',
    });

    messages.push(
      {
        role: 'assistant',
        content: null,
        tool_calls: turn1.toolCalls.map((call) => ({
          id: call.id,
          type: 'function' as const,
          function: { name: call.name, arguments: call.argumentFragments.join('') },
        })),
      },
      { role: 'tool', tool_call_id: turn1.toolCalls[0]?.id ?? '', content: 'sunny' },
      { role: 'tool', tool_call_id: turn1.toolCalls[1]?.id ?? '', content: '14:00' },
    );
    const turn2 = await assemble(await client.chat.completions.create({ model: 'deepseek-reasoner', messages, stream: true }));

    expect(turn2.content).toBe('get_weather=sunny; get_time=14:00');
    expect(turn2.finishReason).toBe('stop');
  });

  it('reports usage in a final chunk when stream_options.include_usage is set', async () => {
    emulator.script([{ reply: { text: 'counted', usage: { inputTokens: 11, outputTokens: 3 } } }]);

    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'count me' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const assembled = await assemble(stream);

    expect(assembled.content).toBe('counted');
    expect(assembled.usage).toEqual({ prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 });
  });

  it('answers non-streaming requests with message.tool_calls', async () => {
    emulator.script([{ reply: { text: 'Checking.', toolUses: [{ name: 'get_weather', input: { city: 'Rome' } }] } }]);

    const completion = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'Rome?' }],
      tools: TOOLS,
    });

    const choice = completion.choices[0];
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-test');
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBe('Checking.');
    const toolCall = choice?.message.tool_calls?.[0];
    expect(toolCall?.type).toBe('function');
    if (toolCall?.type !== 'function') throw new Error('expected a function tool call');
    expect(toolCall.function.name).toBe('get_weather');
    expect(JSON.parse(toolCall.function.arguments)).toEqual({ city: 'Rome' });
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('surfaces HTTP 429 as OpenAI.RateLimitError and 400 as BadRequestError', async () => {
    emulator.failNext({ kind: 'http', status: 429, message: 'too many' });
    emulator.failNext({ kind: 'http', status: 400 });
    const request = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };

    const rateLimited: unknown = await client.chat.completions.create(request).catch((error: unknown) => error);
    expect(rateLimited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((rateLimited as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('rate_limit_exceeded');
    expect((rateLimited as Error).message).toContain('too many');
    await expect(client.chat.completions.create(request)).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('throws an APIError while iterating when the stream carries an error payload', async () => {
    emulator.script([{ reply: { text: 'aaabbbccc', chunkCount: 3 } }]);
    emulator.failNext({ kind: 'stream', exception: 'modelStreamErrorException', afterChunks: 2, message: 'upstream broke' });

    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true });
    const contents: string[] = [];
    const iterate = async (): Promise<void> => {
      for await (const chunk of stream) contents.push(chunk.choices[0]?.delta.content ?? '');
    };

    const error: unknown = await iterate().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain('upstream broke');
    expect(contents.join('')).toBe('aaa'); // role chunk + first text chunk
  });

  it('fails the iteration when the connection drops mid-stream', async () => {
    emulator.script([{ reply: { text: 'aaabbbccc', chunkCount: 3 } }]);
    emulator.failNext({ kind: 'disconnect', afterChunks: 2 });
    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true });
    const contents: string[] = [];
    const iterate = async (): Promise<void> => {
      for await (const chunk of stream) contents.push(chunk.choices[0]?.delta.content ?? '');
    };

    await expect(iterate()).rejects.toThrow();
    expect(contents.join('')).toBe('aaa');
  });

  it('lists models', async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(['emulator-model']);
  });
});
