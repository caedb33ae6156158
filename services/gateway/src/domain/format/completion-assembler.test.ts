import { ChatCompletionSchema } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { CompletionAssembler } from './completion-assembler.js';
import { clientToolTurn, goldenTurn, numbered, pausedTurn } from './format-test-fixtures.js';

const context = { id: 'chatcmpl-abcdefgh12', model: 'm', created: 1_764_172_800 };

describe('CompletionAssembler', () => {
  it('puts the client tool calls a turn ended on in message.tool_calls (finish_reason tool_calls), the MCP round in message_extras', () => {
    const assembler = new CompletionAssembler({ ...context, format: 'openai' });
    for (const event of clientToolTurn()) assembler.accept(event);
    const result = assembler.result();
    if (result.kind !== 'completion') throw new Error('expected a completion');
    const choice = ChatCompletionSchema.parse(result.completion).choices[0];
    expect(choice).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: 'Asking your side.',
        tool_calls: [{ id: 't2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      finish_reason: 'tool_calls',
      message_extras: { tool_use: [{ name: 'everything__echo', arguments: { message: 'hi' }, result: [{ text: 'Echo: hi' }] }] },
    });
  });

  it('assembles one chat.completion with reasoning, the tool_use list and usage', () => {
    const assembler = new CompletionAssembler({ ...context, format: 'openai' });
    for (const event of goldenTurn()) assembler.accept(event);
    expect(assembler.finished).toBe(true);
    const result = assembler.result();
    if (result.kind !== 'completion') throw new Error('expected a completion');
    const completion = ChatCompletionSchema.parse(result.completion);
    expect(completion.choices[0]).toEqual({
      index: 0,
      message: { role: 'assistant', content: 'The tool said: Echo: hi', reasoning_content: 'I should echo.' },
      finish_reason: 'stop',
      message_extras: {
        tool_use: [
          { name: 'everything__echo', arguments: { message: 'hi' }, result: [{ text: 'Echo: hi' }, { image: { format: 'png', source: { base64: 'iVBORw0KGgo=' } } }] },
        ],
      },
    });
    expect(completion.usage).toEqual({ prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 });
  });

  it('keeps Bedrock finish reasons in the seed format', () => {
    const assembler = new CompletionAssembler({ ...context, format: 'seed' });
    for (const event of numbered([{ type: 'text_delta', text: 'x' }, { type: 'done', finishReason: 'end_turn' }])) assembler.accept(event);
    const result = assembler.result();
    expect(result.kind === 'completion' && result.completion.choices[0]?.finish_reason).toBe('end_turn');
  });

  it('turns a failed turn into an error', () => {
    const assembler = new CompletionAssembler({ ...context, format: 'openai' });
    for (const event of numbered([{ type: 'text_delta', text: 'par' }, { type: 'error', code: 'model_throttled', message: 'slow' }, { type: 'done', finishReason: 'error' }])) {
      assembler.accept(event);
    }
    expect(assembler.result()).toEqual({ kind: 'error', code: 'model_throttled', message: 'slow' });
  });

  it('drops the partial output of a round that a worker re-ran after taking the turn over', () => {
    const assembler = new CompletionAssembler({ ...context, format: 'openai' });
    const events = numbered([
      { type: 'round_start', round: 1 },
      { type: 'text_delta', text: 'Hel' },
      { type: 'tool_call', toolUseId: 'lost', name: 'a', input: {} },
      { type: 'round_start', round: 1, resumed: true },
      { type: 'text_delta', text: 'Hello' },
      { type: 'done', finishReason: 'end_turn' },
    ]);
    for (const event of events) assembler.accept(event);
    const result = assembler.result();
    if (result.kind !== 'completion') throw new Error('expected a completion');
    expect(result.completion.choices[0]?.message.content).toBe('Hello');
    expect(result.completion.choices[0]?.message_extras).toBeUndefined();
  });
});

describe('CompletionAssembler at a pause for a person', () => {
  it('finishes at the approval_request with message.approval_requests and the text so far', () => {
    const { before } = pausedTurn();
    const assembler = new CompletionAssembler({ ...context, format: 'openai' });
    for (const event of before) assembler.accept(event);
    expect(assembler.finished).toBe(true);
    const result = assembler.result();
    if (result.kind !== 'completion') throw new Error('expected a completion');
    const choice = ChatCompletionSchema.parse(result.completion).choices[0]!;
    expect(choice.finish_reason).toBe('approval_required');
    expect(choice.message.content).toBe('Let me echo. ');
    expect(choice.message.approval_requests?.map((request) => [request.type, request.id])).toEqual([
      ['mcp_approval_request', 'ask_test00000001'],
      ['mcp_elicitation_request', 'ask_test00000002'],
    ]);
    expect(choice.message_extras).toBeUndefined();
  });

  it('builds only the rest of the response from the events after the pause, with the interrupted tool round whole', () => {
    const { before, after } = pausedTurn();
    const assembler = new CompletionAssembler({ ...context, format: 'openai' });
    for (const event of [...before, ...after]) assembler.accept(event);
    const result = assembler.result();
    if (result.kind !== 'completion') throw new Error('expected a completion');
    const choice = result.completion.choices[0]!;
    expect(choice.finish_reason).toBe('stop');
    expect(choice.message).toEqual({ role: 'assistant', content: 'It said hi.' });
    expect(choice.message_extras?.tool_use).toEqual([{ name: 'everything__echo', arguments: { message: 'hi' }, result: [{ text: 'Echo: hi' }] }]);
    expect(result.completion.usage.total_tokens).toBe(15);
  });
});
