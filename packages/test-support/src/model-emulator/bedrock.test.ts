import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  ModelStreamErrorException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
  type ConverseStreamOutput,
  type Message,
  type TokenUsage,
} from '@aws-sdk/client-bedrock-runtime';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startModelEmulator } from './emulator.js';
import type { ModelEmulator } from './types.js';

const MODEL_ID = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
const WEATHER_TOOL = {
  toolSpec: {
    name: 'get_weather',
    description: 'Current weather of a city',
    inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  },
};

interface CollectedToolUse {
  toolUseId: string;
  name: string;
  inputDeltas: string[];
}

interface CollectedStream {
  text: string;
  reasoningText: string;
  signature: string | undefined;
  toolUses: CollectedToolUse[];
  stopReason: string | undefined;
  usage: TokenUsage | undefined;
  eventTypes: string[];
}

/** Folds the SDK's decoded events into what an agent loop would keep. */
async function collect(stream: AsyncIterable<ConverseStreamOutput> | undefined): Promise<CollectedStream> {
  const collected: CollectedStream = {
    text: '',
    reasoningText: '',
    signature: undefined,
    toolUses: [],
    stopReason: undefined,
    usage: undefined,
    eventTypes: [],
  };
  for await (const event of stream ?? []) {
    collected.eventTypes.push(...Object.keys(event).filter((key) => event[key as keyof typeof event] !== undefined));
    const toolUseStart = event.contentBlockStart?.start?.toolUse;
    if (toolUseStart?.toolUseId !== undefined && toolUseStart.name !== undefined) {
      collected.toolUses.push({ toolUseId: toolUseStart.toolUseId, name: toolUseStart.name, inputDeltas: [] });
    }
    const delta = event.contentBlockDelta?.delta;
    if (delta?.text !== undefined) collected.text += delta.text;
    if (delta?.reasoningContent?.text !== undefined) collected.reasoningText += delta.reasoningContent.text;
    if (delta?.reasoningContent?.signature !== undefined) collected.signature = delta.reasoningContent.signature;
    if (delta?.toolUse?.input !== undefined) collected.toolUses.at(-1)?.inputDeltas.push(delta.toolUse.input);
    if (event.messageStop !== undefined) collected.stopReason = event.messageStop.stopReason;
    if (event.metadata !== undefined) collected.usage = event.metadata.usage;
  }
  return collected;
}

describe('model emulator as Amazon Bedrock (real @aws-sdk/client-bedrock-runtime)', () => {
  let emulator: ModelEmulator;
  let client: BedrockRuntimeClient;

  beforeAll(async () => {
    emulator = await startModelEmulator();
    client = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: emulator.bedrockEndpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });
  afterEach(() => emulator.reset());
  afterAll(async () => {
    client.destroy();
    await emulator.close();
  });

  it('streams reasoning and a tool use, then answers from the tool result', async () => {
    emulator.script([
      {
        when: { lastUserText: /weather/ },
        reply: {
          reasoning: { text: 'The user wants the weather in Paris.', signature: 'sig-1' },
          toolUses: [{ name: 'get_weather', input: { city: 'Paris', units: 'metric', days: [1, 2] } }],
          usage: { inputTokens: 42, outputTokens: 7 },
        },
      },
      {
        when: { afterToolResult: 'get_weather' },
        reply: ({ lastToolResultText }) => ({ text: `It says: ${lastToolResultText ?? '?'}` }),
      },
    ]);
    const messages: Message[] = [{ role: 'user', content: [{ text: 'What is the weather in Paris?' }] }];

    const first = await client.send(
      new ConverseStreamCommand({ modelId: MODEL_ID, messages, toolConfig: { tools: [WEATHER_TOOL] } }),
    );
    const turn1 = await collect(first.stream);

    expect(turn1.reasoningText).toBe('The user wants the weather in Paris.');
    expect(turn1.signature).toBe('sig-1');
    expect(turn1.toolUses).toHaveLength(1);
    const [toolUse] = turn1.toolUses;
    expect(toolUse?.name).toBe('get_weather');
    expect(toolUse?.toolUseId).toMatch(/^tooluse_/);
    expect(toolUse?.inputDeltas.length).toBeGreaterThan(1);
    expect(JSON.parse(toolUse?.inputDeltas.join('') ?? '')).toEqual({ city: 'Paris', units: 'metric', days: [1, 2] });
    expect(turn1.stopReason).toBe('tool_use');
    expect(turn1.usage).toEqual({ inputTokens: 42, outputTokens: 7, totalTokens: 49 });
    expect(turn1.eventTypes[0]).toBe('messageStart');
    expect(turn1.eventTypes.slice(-2)).toEqual(['messageStop', 'metadata']);

    messages.push(
      {
        role: 'assistant',
        content: [
          { reasoningContent: { reasoningText: { text: turn1.reasoningText, signature: turn1.signature } } },
          { toolUse: { toolUseId: toolUse?.toolUseId, name: toolUse?.name, input: JSON.parse(toolUse?.inputDeltas.join('') ?? '') } },
        ],
      },
      {
        role: 'user',
        content: [{ toolResult: { toolUseId: toolUse?.toolUseId, content: [{ text: '18°C and sunny' }] } }],
      },
    );
    const second = await client.send(new ConverseStreamCommand({ modelId: MODEL_ID, messages }));
    const turn2 = await collect(second.stream);

    expect(turn2.text).toBe('It says: 18°C and sunny');
    expect(turn2.stopReason).toBe('end_turn');
    expect(turn2.toolUses).toEqual([]);
  });

  it('answers a client configured only through AWS_ENDPOINT_URL_BEDROCK_RUNTIME and env credentials', async () => {
    emulator.script([{ reply: { text: 'configured by env' } }]);
    const names = ['AWS_ENDPOINT_URL_BEDROCK_RUNTIME', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;
    const saved = names.map((name) => [name, process.env[name]] as const);
    process.env['AWS_ENDPOINT_URL_BEDROCK_RUNTIME'] = emulator.bedrockEndpoint;
    process.env['AWS_ACCESS_KEY_ID'] = 'test';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'test';
    const envClient = new BedrockRuntimeClient({ region: 'us-east-1' });
    try {
      const response = await envClient.send(
        new ConverseStreamCommand({ modelId: MODEL_ID, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }),
      );
      expect((await collect(response.stream)).text).toBe('configured by env');
    } finally {
      envClient.destroy();
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('answers Converse (non-streaming) with reasoning and a tool use', async () => {
    emulator.script([
      {
        reply: {
          reasoning: { text: 'need a lookup', signature: 'sig-2' },
          text: 'Let me check.',
          toolUses: [{ name: 'get_weather', input: { city: 'Oslo' }, id: 'tooluse_fixed' }],
        },
      },
    ]);

    const response = await client.send(
      new ConverseCommand({ modelId: MODEL_ID, messages: [{ role: 'user', content: [{ text: 'Oslo?' }] }] }),
    );

    expect(response.stopReason).toBe('tool_use');
    expect(response.output?.message?.role).toBe('assistant');
    expect(response.output?.message?.content).toEqual([
      { reasoningContent: { reasoningText: { text: 'need a lookup', signature: 'sig-2' } } },
      { text: 'Let me check.' },
      { toolUse: { toolUseId: 'tooluse_fixed', name: 'get_weather', input: { city: 'Oslo' } } },
    ]);
    expect(response.usage?.totalTokens).toBeGreaterThan(0);
    expect(response.metrics?.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('streams redacted reasoning and honours a stopReason override', async () => {
    const redacted = Buffer.from('opaque reasoning').toString('base64');
    emulator.script([{ reply: { reasoning: { redacted }, text: 'cut sh', stopReason: 'max_tokens' } }]);

    const response = await client.send(
      new ConverseStreamCommand({ modelId: MODEL_ID, messages: [{ role: 'user', content: [{ text: 'long story' }] }] }),
    );
    const redactedDeltas: Uint8Array[] = [];
    let stopReason: string | undefined;
    for await (const event of response.stream ?? []) {
      const redactedContent = event.contentBlockDelta?.delta?.reasoningContent?.redactedContent;
      if (redactedContent !== undefined) redactedDeltas.push(redactedContent);
      stopReason = event.messageStop?.stopReason ?? stopReason;
    }

    expect(redactedDeltas.map((bytes) => Buffer.from(bytes).toString('utf8'))).toEqual(['opaque reasoning']);
    expect(stopReason).toBe('max_tokens');
  });

  it('maps HTTP 429 to ThrottlingException', async () => {
    emulator.failNext({ kind: 'http', status: 429, message: 'slow down' });
    const call = client.send(
      new ConverseStreamCommand({ modelId: MODEL_ID, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }),
    );
    await expect(call).rejects.toBeInstanceOf(ThrottlingException);
    await expect(call).rejects.toThrow('slow down');
  });

  it('maps HTTP 400 to ValidationException and 503 to ServiceUnavailableException', async () => {
    emulator.failNext({ kind: 'http', status: 400, message: 'bad input' });
    emulator.failNext({ kind: 'http', status: 503 });
    const request = { modelId: MODEL_ID, messages: [{ role: 'user' as const, content: [{ text: 'hi' }] }] };

    await expect(client.send(new ConverseCommand(request))).rejects.toBeInstanceOf(ValidationException);
    await expect(client.send(new ConverseCommand(request))).rejects.toBeInstanceOf(ServiceUnavailableException);
    const recovered = await client.send(new ConverseCommand(request));
    expect(recovered.output?.message?.content?.[0]?.text).toBe('emulator: no rule for "hi"');
  });

  it('throws a modelStreamErrorException while iterating, after the first deltas', async () => {
    emulator.script([{ reply: { text: 'aaaabbbbccccdddd', chunkCount: 4 } }]);
    emulator.failNext({ kind: 'stream', exception: 'modelStreamErrorException', afterChunks: 3, message: 'model broke' });

    const response = await client.send(
      new ConverseStreamCommand({ modelId: MODEL_ID, messages: [{ role: 'user', content: [{ text: 'count' }] }] }),
    );
    const received: string[] = [];
    const iterate = async (): Promise<void> => {
      for await (const event of response.stream ?? []) {
        if (event.contentBlockDelta?.delta?.text !== undefined) received.push(event.contentBlockDelta.delta.text);
      }
    };

    const error: unknown = await iterate().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelStreamErrorException);
    expect((error as Error).message).toBe('model broke');
    expect(received).toEqual(['aaaa', 'bbbb']); // messageStart + two deltas
  });

  it('throws ThrottlingException from an in-stream throttlingException', async () => {
    emulator.failNext({ kind: 'stream', exception: 'throttlingException', afterChunks: 1 });
    const response = await client.send(
      new ConverseStreamCommand({ modelId: MODEL_ID, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }),
    );
    await expect(collect(response.stream)).rejects.toBeInstanceOf(ThrottlingException);
  });

  it('fails the iteration when the stream is reset mid-way', async () => {
    emulator.script([{ reply: { text: 'aaabbbccc', chunkCount: 3 } }]);
    emulator.failNext({ kind: 'disconnect', afterChunks: 2 });
    const response = await client.send(
      new ConverseStreamCommand({ modelId: MODEL_ID, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }),
    );
    const received: string[] = [];
    const iterate = async (): Promise<void> => {
      for await (const event of response.stream ?? []) {
        if (event.contentBlockDelta?.delta?.text !== undefined) received.push(event.contentBlockDelta.delta.text);
      }
    };

    await expect(iterate()).rejects.toThrow();
    expect(received).toEqual(['aaa']);
  });
});
