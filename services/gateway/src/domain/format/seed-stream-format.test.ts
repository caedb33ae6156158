import { ChatCompletionChunkSchema, type ChatCompletionChunk } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { chunksOf, goldenTurn, numbered, pausedTurn } from './format-test-fixtures.js';
import { SeedStreamFormatter } from './seed-stream-format.js';
import type { SsePayload } from './stream-formatter.js';

const context = { id: 'chatcmpl-abcdefgh12', model: 'm', created: 1_764_172_800, includeUsage: false };

function run(events = goldenTurn()): ChatCompletionChunk[] {
  const formatter = new SeedStreamFormatter(context);
  const payloads: SsePayload[] = events.flatMap((event) => formatter.format(event));
  expect(payloads.at(-1)).toBe('[DONE]');
  return chunksOf(payloads).map((c) => ChatCompletionChunkSchema.parse(c));
}
const content = (chunks: ChatCompletionChunk[]) => chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');

describe('SeedStreamFormatter', () => {
  it('inlines thinking and tool input as the seed did and uses Bedrock finish reasons', () => {
    const chunks = run();
    expect(content(chunks)).toBe('<thinking>I should echo.</thinking><tool_input>{"message":</tool_input>The tool said: Echo: hi');
    expect(chunks.every((c) => c.choices[0]?.delta.reasoning_content === undefined)).toBe(true);
    const reasons = chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean);
    expect(reasons).toEqual(['tool_use', 'end_turn']);
    const toolChunk = chunks.find((c) => c.choices[0]?.message_extras)!;
    const toolUse = JSON.parse(toolChunk.choices[0]!.message_extras!.tool_use) as unknown[];
    expect(toolUse).toHaveLength(2);
    expect(toolUse[1]).toMatchObject({ toolUseId: 'tooluse_1', content: [{ text: 'Echo: hi' }, { image: { format: 'png' } }] });
  });

  it('closes an open block before the finish chunk and switches tool_input blocks per tool use', () => {
    const chunks = run(
      numbered([
        { type: 'round_start', round: 1 },
        { type: 'tool_input_delta', toolUseId: 'a', name: 'x', partialJson: '{"a":' },
        { type: 'tool_input_delta', toolUseId: 'a', name: 'x', partialJson: '1}' },
        { type: 'tool_input_delta', toolUseId: 'b', name: 'x', partialJson: '{}' },
        { type: 'reasoning_delta', text: 'hmm' },
        { type: 'done', finishReason: 'max_tokens' },
      ]),
    );
    expect(content(chunks)).toBe('<tool_input>{"a":1}</tool_input><tool_input>{}</tool_input><thinking>hmm</thinking>');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('max_tokens');
  });

  it('reports errors as "Error: …" content with finish_reason error, and a stop as stop_requested', () => {
    const failed = run(numbered([{ type: 'round_start', round: 1 }, { type: 'error', code: 'model_error', message: 'boom' }, { type: 'done', finishReason: 'error' }]));
    expect(failed.at(-1)?.choices[0]).toMatchObject({ delta: { content: 'Error: boom' }, finish_reason: 'error' });
    const stopped = run(numbered([{ type: 'round_start', round: 1 }, { type: 'text_delta', text: 'hel' }, { type: 'done', finishReason: 'stop_requested' }]));
    expect(stopped.at(-1)?.choices[0]?.finish_reason).toBe('stop_requested');
  });
});

describe('SeedStreamFormatter at a pause for a person', () => {
  it('tags the asks as an <approval_request> block after closing the open block, then finishes with approval_required', () => {
    const { expiresAt } = pausedTurn();
    const chunks = run(
      numbered([
        { type: 'round_start', round: 1 },
        { type: 'reasoning_delta', text: 'I need approval' },
        { type: 'approval_request', asks: [{ kind: 'approval', id: 'ask_test00000001', toolUseId: 't1', name: 'e__echo', serverId: 'e', toolName: 'echo', input: {}, reason: 'r' }], expiresAt },
      ]),
    );
    const text = content(chunks);
    expect(text.startsWith('<thinking>I need approval</thinking><approval_request>')).toBe(true);
    const block = /<approval_request>(.*)<\/approval_request>$/.exec(text)?.[1];
    expect(JSON.parse(block!)).toEqual({ expiresAt, asks: [{ kind: 'approval', id: 'ask_test00000001', toolUseId: 't1', name: 'e__echo', serverId: 'e', toolName: 'echo', input: {}, reason: 'r' }] });
    expect(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)).toEqual(['approval_required']);
  });
});
