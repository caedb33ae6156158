import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ContentBlockSchema, ConverseMessageSchema, isReasoning, isToolResult, isToolUse, toolUsesOf, type ConverseMessage } from './index.js';

/** A user's history as the agent worker stores it (one JSON message per Redis list entry): text turns with tools, then voice transcripts. */
const stored = JSON.parse(readFileSync(new URL('../fixtures/converse-history.stored.json', import.meta.url), 'utf8')) as unknown[];
const kinds = (message: ConverseMessage) => `${message.role}:${message.content.map((block) => Object.keys(block)[0]).join('+')}`;

describe('Converse message (a stored history)', () => {
  it('reads every stored message back exactly as it was written', () => {
    const messages = stored.map((json) => ConverseMessageSchema.parse(json));
    // Nothing dropped or coerced: signatures, statuses, tool inputs, bytes and names survive.
    expect(messages).toEqual(stored);
    expect(messages.map(kinds)).toEqual([
      'user:text+image+document',
      'assistant:reasoningContent+text+toolUse',
      'user:toolResult',
      'assistant:reasoningContent+text+toolUse',
      'user:toolResult',
      'assistant:text',
      'user:text',
      'assistant:text',
    ]);
  });

  it('tells tool uses, tool results and reasoning apart', () => {
    const messages = stored.map((json) => ConverseMessageSchema.parse(json));
    expect(toolUsesOf(messages[1])).toEqual([{ toolUseId: 'tooluse_01', name: 'computer__screenshot', input: { display: 0, scale: 0.5 } }]);
    expect(toolUsesOf(messages[2])).toEqual([]);
    expect(toolUsesOf(undefined)).toEqual([]);
    expect(messages[2]!.content.filter(isToolResult).map((block) => block.toolResult.content.map((part) => Object.keys(part)[0]))).toEqual([['text', 'image', 'json']]);
    expect(messages[3]!.content.map((block) => [isReasoning(block), isToolUse(block), isToolResult(block)])).toEqual([
      [true, false, false],
      [false, false, false],
      [false, true, false],
    ]);
  });

  it('drops a field a newer version added instead of losing the message', () => {
    const parsed = ConverseMessageSchema.parse({ role: 'assistant', content: [{ text: 'hi', citations: [] }], metadata: { at: 1 } });
    expect(parsed).toEqual({ role: 'assistant', content: [{ text: 'hi' }] });
  });

  it.each([
    ['a system message', { role: 'system', content: [{ text: 'x' }] }],
    ['content that is not a list', { role: 'user', content: 'hello' }],
    ['an unknown block', { role: 'user', content: [{ video: { format: 'mp4' } }] }],
    ['an image format Bedrock does not take', { role: 'user', content: [{ image: { format: 'bmp', bytes: 'AA==' } }] }],
    ['raw image bytes instead of base64 text', { role: 'user', content: [{ image: { format: 'png', bytes: [1, 2, 3] } }] }],
    ['a document without a name', { role: 'user', content: [{ document: { format: 'pdf', name: '', bytes: 'AA==' } }] }],
    ['a tool use without an id', { role: 'assistant', content: [{ toolUse: { toolUseId: '', name: 'x', input: {} } }] }],
    ['a tool result with an unknown status', { role: 'user', content: [{ toolResult: { toolUseId: 't', content: [], status: 'partial' } }] }],
    ['a tool result holding a tool use', { role: 'user', content: [{ toolResult: { toolUseId: 't', content: [{ toolUse: { toolUseId: 'u', name: 'x', input: {} } }] } }] }],
    ['reasoning without its text', { role: 'assistant', content: [{ reasoningContent: { reasoningText: { signature: 's' } } }] }],
  ])('refuses %s', (_name, message) => {
    expect(ConverseMessageSchema.safeParse(message).success).toBe(false);
  });

  it('accepts each block kind on its own', () => {
    const blocks = stored.flatMap((json) => ConverseMessageSchema.parse(json).content);
    for (const block of blocks) expect(ContentBlockSchema.parse(block)).toEqual(block);
  });
});
