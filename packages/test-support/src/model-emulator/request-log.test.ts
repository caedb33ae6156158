import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startModelEmulator } from './emulator.js';
import type { ModelEmulator, ReplyContext } from './types.js';

const MODEL_ID = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
const PNG_BYTES = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('model emulator request log and reply context', () => {
  let emulator: ModelEmulator;
  let bedrock: BedrockRuntimeClient;
  let openai: OpenAI;

  beforeAll(async () => {
    emulator = await startModelEmulator();
    bedrock = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: emulator.bedrockEndpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    openai = new OpenAI({ baseURL: emulator.openaiBaseUrl, apiKey: 'test', maxRetries: 0 });
  });
  afterEach(() => emulator.reset());
  afterAll(async () => {
    bedrock.destroy();
    await emulator.close();
  });

  it('records the Converse body as the SDK sent it', async () => {
    const response = await bedrock.send(
      new ConverseStreamCommand({
        modelId: MODEL_ID,
        system: [{ text: 'You are terse.' }],
        messages: [
          {
            role: 'user',
            content: [{ text: 'What is in this picture?' }, { image: { format: 'png', source: { bytes: PNG_BYTES } } }],
          },
        ],
        toolConfig: {
          tools: [
            { toolSpec: { name: 'get_weather', inputSchema: { json: { type: 'object' } } } },
            { toolSpec: { name: 'get_time', inputSchema: { json: { type: 'object' } } } },
          ],
        },
        inferenceConfig: { maxTokens: 512, temperature: 0.2 },
        additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 1024 } },
      }),
    );
    for await (const event of response.stream ?? []) void event;

    expect(emulator.requests).toHaveLength(1);
    const [recorded] = emulator.requests;
    if (recorded?.provider !== 'bedrock') throw new Error('expected a Bedrock request');
    expect(recorded).toMatchObject({
      operation: 'converse-stream',
      modelId: MODEL_ID,
      stream: true,
      method: 'POST',
      httpVersion: '2.0',
      path: '/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/converse-stream',
    });
    expect(recorded.receivedAt).toBeInstanceOf(Date);
    const { body } = recorded;
    expect(body.toolConfig?.tools?.map((tool) => tool.toolSpec?.name)).toEqual(['get_weather', 'get_time']);
    expect(body.messages?.[0]?.content[1]?.image).toEqual({
      format: 'png',
      source: { bytes: Buffer.from(PNG_BYTES).toString('base64') },
    });
    expect(body.system).toEqual([{ text: 'You are terse.' }]);
    expect(body.inferenceConfig).toEqual({ maxTokens: 512, temperature: 0.2 });
    expect(body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 1024 } });
  });

  it('gives reply functions the Bedrock tool results with names, images and error status', async () => {
    const contexts: ReplyContext[] = [];
    emulator.script([
      {
        when: { afterToolResult: 'screenshot' },
        reply: (context) => {
          contexts.push(context);
          return { text: 'seen' };
        },
      },
    ]);

    const response = await bedrock.send(
      new ConverseCommand({
        modelId: MODEL_ID,
        messages: [
          { role: 'user', content: [{ text: 'take a screenshot' }] },
          { role: 'assistant', content: [{ toolUse: { toolUseId: 'tu-1', name: 'screenshot', input: {} } }] },
          {
            role: 'user',
            content: [
              {
                toolResult: {
                  toolUseId: 'tu-1',
                  status: 'error',
                  content: [{ text: 'partial capture' }, { image: { format: 'png', source: { bytes: PNG_BYTES } } }],
                },
              },
            ],
          },
        ],
      }),
    );

    expect(response.output?.message?.content?.[0]?.text).toBe('seen');
    expect(contexts).toHaveLength(1);
    expect(contexts[0]).toMatchObject({
      provider: 'bedrock',
      modelId: MODEL_ID,
      lastUserText: undefined,
      lastToolResultText: 'partial capture',
      toolResults: [{ name: 'screenshot', toolUseId: 'tu-1', text: 'partial capture', images: 1, isError: true }],
    });
    expect(contexts[0]?.request).toBe(emulator.requests[0]);
  });

  it('records the OpenAI chat body, including tool messages', async () => {
    await openai.chat.completions.create({
      model: 'gpt-test',
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'look it up' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'found it' },
      ],
    });

    const [recorded] = emulator.requests;
    if (recorded?.provider !== 'openai') throw new Error('expected an OpenAI request');
    expect(recorded).toMatchObject({
      operation: 'chat.completions',
      modelId: 'gpt-test',
      stream: false,
      httpVersion: '1.1',
      path: '/v1/chat/completions',
    });
    expect(recorded.body?.tools?.map((tool) => tool.function.name)).toEqual(['lookup']);
    expect(recorded.body?.messages?.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_1', content: 'found it' });
  });

  it('answers unscripted requests with an echo naming what was asked', async () => {
    const completion = await openai.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'anything there?' }] }],
    });
    expect(completion.choices[0]?.message.content).toBe('emulator: no rule for "anything there?"');
  });
});
