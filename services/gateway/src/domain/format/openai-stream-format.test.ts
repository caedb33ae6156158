import { ChatCompletionChunkSchema } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { chunksOf, clientToolTurn, goldenTurn, numbered, pausedTurn } from './format-test-fixtures.js';
import { OpenAiStreamFormatter } from './openai-stream-format.js';
import type { SsePayload } from './stream-formatter.js';

const context = { id: 'chatcmpl-abcdefgh12', model: 'm', created: 1_764_172_800, includeUsage: true };

function run(events = goldenTurn(), ctx = context): SsePayload[] {
  const formatter = new OpenAiStreamFormatter(ctx);
  return events.flatMap((event) => formatter.format(event));
}
const chunks = chunksOf;

describe('OpenAiStreamFormatter', () => {
  it('ends a turn on client tool calls with one delta.tool_calls chunk, then finish_reason tool_calls; the MCP round stays in message_extras', () => {
    const payloads = run(clientToolTurn());
    for (const c of chunks(payloads)) expect(ChatCompletionChunkSchema.parse(c)).toEqual(c);
    const choices = chunks(payloads).flatMap((c) => c.choices);
    expect(choices.filter((choice) => choice.delta.tool_calls).map((choice) => [choice.delta.tool_calls, choice.finish_reason])).toEqual([
      [[{ index: 0, id: 't2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }], null],
    ]);
    expect(choices.filter((choice) => choice.message_extras).map((choice) => JSON.parse(choice.message_extras!.tool_use) as unknown[])).toEqual([
      [expect.objectContaining({ name: 'everything__echo' }), expect.objectContaining({ toolUseId: 't1' })],
    ]);
    expect(choices.flatMap((choice) => (choice.finish_reason ? [choice.finish_reason] : []))).toEqual(['tool_calls']);
    expect(payloads.at(-1)).toBe('[DONE]');
  });

  it('turns the golden turn into valid chunks: role per round, reasoning, tool round, text, finish, usage, [DONE]', () => {
    const payloads = run();
    expect(payloads.at(-1)).toBe('[DONE]');
    for (const c of chunks(payloads)) expect(ChatCompletionChunkSchema.parse(c)).toEqual(c);
    const deltas = chunks(payloads).map((c) => c.choices[0]);
    expect(deltas.filter((d) => d?.delta.role === 'assistant')).toHaveLength(2);
    expect(deltas.map((d) => d?.delta.reasoning_content).filter(Boolean)).toEqual(['I should echo.']);
    expect(deltas.map((d) => d?.delta.content).filter(Boolean).join('')).toBe('The tool said: Echo: hi');
    expect(deltas.some((d) => d?.delta.tool_calls)).toBe(false);

    const toolChunk = deltas.find((d) => d?.message_extras);
    expect(toolChunk?.finish_reason).toBeNull();
    expect(JSON.parse(toolChunk!.message_extras!.tool_use)).toEqual([
      { toolUseId: 'tooluse_1', name: 'everything__echo', input: { message: 'hi' } },
      { toolUseId: 'tooluse_1', content: [{ text: 'Echo: hi' }, { image: { format: 'png', source: { base64: 'iVBORw0KGgo=' } } }] },
    ]);

    const finals = chunks(payloads).filter((c) => c.choices[0]?.finish_reason);
    expect(finals.map((c) => c.choices[0]?.finish_reason)).toEqual(['stop']);
    const usageChunk = chunks(payloads).at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toEqual({ prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 });
  });

  it('sends the tool round as soon as its last result arrives, before the next round starts', () => {
    const formatter = new OpenAiStreamFormatter(context);
    const events = goldenTurn();
    const resultIndex = events.findIndex((e) => e.type === 'tool_result');
    const before = events.slice(0, resultIndex).flatMap((e) => formatter.format(e));
    expect(chunks(before).some((c) => c.choices[0]?.message_extras)).toBe(false);
    const result = events[resultIndex] as Extract<(typeof events)[number], { type: 'tool_result' }>;
    const extras = chunks(formatter.format(result))[0]?.choices[0]?.message_extras;
    const round = JSON.parse(extras?.tool_use ?? '[]') as Array<{ toolUseId: string; name?: string; content?: unknown }>;
    // The seed's shape: the call, then its result, both naming the tool use.
    expect(round.map((entry) => ('name' in entry ? 'call' : 'result'))).toEqual(['call', 'result']);
    expect(round.every((entry) => entry.toolUseId === result.toolUseId)).toBe(true);
  });

  it('omits the usage chunk unless asked, and maps max_tokens to length', () => {
    const payloads = run(
      numbered([{ type: 'round_start', round: 1 }, { type: 'text_delta', text: 'cut' }, { type: 'done', finishReason: 'max_tokens', usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } }]),
      { ...context, includeUsage: false },
    );
    expect(chunks(payloads).every((c) => c.choices.length === 1 && c.usage === undefined)).toBe(true);
    expect(chunks(payloads).at(-1)?.choices[0]?.finish_reason).toBe('length');
  });

  it('reports an error as an OpenAI error body, then [DONE], with no finish chunk', () => {
    const payloads = run(
      numbered([{ type: 'round_start', round: 1 }, { type: 'error', code: 'model_throttled', message: 'slow down' }, { type: 'done', finishReason: 'error' }]),
    );
    expect(payloads.slice(-2)).toEqual([{ error: { message: 'slow down', type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null } }, '[DONE]']);
    expect(chunks(payloads).some((c) => c.choices[0]?.finish_reason)).toBe(false);
  });

  it('flushes a tool round cut short by a stop before the final chunk', () => {
    const payloads = run(
      numbered([
        { type: 'round_start', round: 1 },
        { type: 'tool_call', toolUseId: 't1', name: 'a', input: {} },
        { type: 'round_end', round: 1, stopReason: 'tool_use' },
        { type: 'done', finishReason: 'stop_requested' },
      ]),
    );
    const extras = chunks(payloads).find((c) => c.choices[0]?.message_extras);
    expect(JSON.parse(extras!.choices[0]!.message_extras!.tool_use)).toEqual([{ toolUseId: 't1', name: 'a', input: {} }]);
    expect(chunks(payloads).at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });
});

describe('OpenAiStreamFormatter at a pause for a person', () => {
  it('ends the response with the asks in approval_requests, finish_reason approval_required, usage so far and [DONE]', () => {
    const { before, expiresAt } = pausedTurn();
    const payloads = run(before);
    expect(payloads.at(-1)).toBe('[DONE]');
    const finals = chunks(payloads).filter((c) => c.choices[0]?.finish_reason);
    expect(finals).toHaveLength(1);
    const choice = ChatCompletionChunkSchema.parse(finals[0]).choices[0]!;
    expect(choice.finish_reason).toBe('approval_required');
    expect(choice.approval_requests).toEqual([
      { type: 'mcp_approval_request', id: 'ask_test00000001', server_label: 'everything', name: 'echo', arguments: '{"message":"hi"}', reason: 'always', expires_at: expiresAt / 1000 },
      {
        type: 'mcp_elicitation_request',
        id: 'ask_test00000002',
        server_label: 'everything',
        message: 'Your name?',
        requested_schema: { type: 'object', properties: { name: { type: 'string' } } },
        expires_at: expiresAt / 1000,
      },
    ]);
    // The paused round's call is not reported before its result.
    expect(chunks(payloads).some((c) => c.choices[0]?.message_extras)).toBe(false);
    expect(chunks(payloads).at(-1)?.usage).toEqual({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
  });

  it('continues, after seeing the events before the pause, with the whole tool round and no chunk for the answer', () => {
    const { before, after } = pausedTurn();
    const formatter = new OpenAiStreamFormatter(context);
    for (const event of before) formatter.format(event);
    const payloads = after.flatMap((event) => formatter.format(event));
    const extras = chunks(payloads).find((c) => c.choices[0]?.message_extras)?.choices[0]?.message_extras;
    expect(JSON.parse(extras!.tool_use)).toEqual([
      { toolUseId: 't1', name: 'everything__echo', input: { message: 'hi' } },
      { toolUseId: 't1', content: [{ text: 'Echo: hi' }] },
    ]);
    expect(chunks(payloads).map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('It said hi.');
    expect(chunks(payloads).map((c) => c.choices[0]?.finish_reason).filter(Boolean)).toEqual(['stop']);
    expect(chunks(payloads).some((c) => c.choices[0]?.approval_requests)).toBe(false);
  });
});
