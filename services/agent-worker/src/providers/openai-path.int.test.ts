import type { StreamEvent } from '@bedrock-mcp/contracts';
import type { OpenAIRecordedRequest } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatJob } from '../testing/turn-client.js';
import { DEEPSEEK, startWorkerStack, type WorkerStack } from '../testing/worker-stack.js';

let stack: WorkerStack;

beforeAll(async () => {
  stack = await startWorkerStack('openai');
  await stack.startWorker();
}, 60_000);
afterAll(() => stack?.close());
beforeEach(() => stack.emulator.reset());

const of = <T extends StreamEvent['type']>(events: StreamEvent[], type: T) => events.filter((event): event is Extract<StreamEvent, { type: T }> => event.type === type);
const openaiRequests = () => stack.emulator.requests.filter((request): request is OpenAIRecordedRequest => request.provider === 'openai' && request.operation === 'chat.completions');

describe('the OpenAI-compatible provider (openai client against COMPATIBLE_API_BASE)', () => {
  it('assembles streamed tool_call deltas by index, runs the tools and answers with tool messages; same events as Bedrock', async () => {
    stack.emulator.script([
      {
        when: { lastUserText: 'two echoes' },
        reply: {
          reasoning: { text: 'Two calls needed.' },
          toolUses: [
            { name: 'everything__echo', input: { message: 'one' } },
            { name: 'everything__echo', input: { message: 'two' } },
          ],
          usage: { inputTokens: 11, outputTokens: 3 },
        },
      },
      { when: { afterToolResult: 'everything__echo' }, reply: ({ toolResults }) => ({ text: toolResults.map((result) => result.text).join(', '), usage: { inputTokens: 13, outputTokens: 4 } }) },
    ]);
    const events = await stack.client.run(
      chatJob({ model: DEEPSEEK, messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'two echoes' }], mcpServerIds: ['everything'], topP: 0.9, stopSequences: ['STOP'] }),
    );
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'end_turn', usage: { inputTokens: 24, outputTokens: 7, totalTokens: 31 } });
    expect(of(events, 'reasoning_delta').map((event) => event.text).join('')).toBe('Two calls needed.');
    expect(of(events, 'round_end').map((event) => event.stopReason)).toEqual(['tool_use', 'end_turn']);
    const calls = of(events, 'tool_call');
    expect(calls.map((call) => [call.name, call.serverId, call.toolName, call.input])).toEqual([
      ['everything__echo', 'everything', 'echo', { message: 'one' }],
      ['everything__echo', 'everything', 'echo', { message: 'two' }],
    ]);
    const inputs = new Map<string, string>();
    for (const delta of of(events, 'tool_input_delta')) inputs.set(delta.toolUseId, (inputs.get(delta.toolUseId) ?? '') + delta.partialJson);
    expect([...inputs.values()].map((json) => JSON.parse(json))).toEqual([{ message: 'one' }, { message: 'two' }]);
    expect(of(events, 'text_delta').map((event) => event.text).join('')).toBe('Echo: one, Echo: two');

    const [first, second] = openaiRequests();
    expect(first!.body).toMatchObject({ model: DEEPSEEK, stream: true, max_tokens: 4000, top_p: 0.9, stop: ['STOP'], messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'two echoes' }] });
    expect(first!.body!.tools?.some((tool) => tool.function.name === 'everything__echo')).toBe(true);
    const sent = second!.body!.messages!;
    const assistant = sent.at(-3) as { role: string; tool_calls: { id: string; function: { name: string; arguments: string } }[] };
    expect(assistant.role).toBe('assistant');
    expect(assistant.tool_calls.map((call) => JSON.parse(call.function.arguments))).toEqual([{ message: 'one' }, { message: 'two' }]);
    expect(sent.slice(-2)).toEqual([
      { role: 'tool', tool_call_id: calls[0]!.toolUseId, content: 'Echo: one' },
      { role: 'tool', tool_call_id: calls[1]!.toolUseId, content: 'Echo: two' },
    ]);
  });

  it('counts a provider’s cached prompt tokens once: as cache reads, not also as input', async () => {
    stack.emulator.script([{ reply: { text: 'cached', usage: { inputTokens: 5, outputTokens: 2, cacheReadInputTokens: 100 } } }]);
    const events = await stack.client.run(chatJob({ model: DEEPSEEK, messages: [{ role: 'user', content: 'hi' }] }));
    expect(events.at(-1)).toMatchObject({ type: 'done', usage: { inputTokens: 5, outputTokens: 2, cacheReadInputTokens: 100 } });
  });

  it('retries HTTP 429 and then streams the answer', async () => {
    stack.emulator.script([{ reply: { text: 'hello after a wait' } }]);
    stack.emulator.failNext({ kind: 'http', status: 429, provider: 'openai' });
    const events = await stack.client.run(chatJob({ model: DEEPSEEK, messages: [{ role: 'user', content: 'hi' }] }));
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'end_turn' });
    expect(openaiRequests()).toHaveLength(2);
  });

  it('sends an image of the user message as an image_url data URL', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
    stack.emulator.script([{ reply: { text: 'a pixel' } }]);
    await stack.client.run(chatJob({ model: DEEPSEEK, messages: [{ role: 'user', content: [{ type: 'text', text: 'what?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }] }] }));
    expect(openaiRequests()[0]!.body!.messages![0]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'what?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
      ],
    });
  });
});
