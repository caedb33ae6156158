import type { ConversationMessage, ConverseMessage } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { historyFromRecord, withoutLastExchange } from './history-from-record.js';

const blob = { blob_id: 'a'.repeat(64), media_type: 'image/png', bytes: 3 };
const message = (role: 'user' | 'assistant', parts: ConversationMessage['parts']): ConversationMessage => ({ id: 'msg_abcdefgh', role, created_at: 1, parts });

describe('historyFromRecord', () => {
  it('keeps text, folds tool calls and their text results into the answer, notes images, leaves thinking and asks out', () => {
    const history = historyFromRecord(
      [
        message('user', [{ type: 'text', text: 'look' }, { type: 'image', blob, name: 'cat.png' }]),
        message('assistant', [
          { type: 'thinking', text: 'hmm', redacted: false },
          { type: 'tool_call', tool_use_id: 't1', name: 'e__shot', input: { x: 1 }, status: 'done', result: { content: [{ type: 'text', text: 'a cat' }, { type: 'image', blob }], is_error: false } },
          { type: 'tool_call', tool_use_id: 't2', name: 'e__rm', input: {}, status: 'cancelled' },
          { type: 'text', text: 'It is a cat.' },
        ]),
      ],
      10,
    );
    expect(history).toEqual([
      { role: 'user', content: [{ text: 'look\n\n[an image (cat.png) was attached here; it is no longer available]' }] },
      {
        role: 'assistant',
        content: [{ text: '[called the tool e__shot with {"x":1}; it returned: a cat\n[image]]\n\n[called the tool e__rm with {}: it did not run]\n\nIt is a cat.' }],
      },
    ]);
  });

  it('a call handed to the client, then the continuation with its result', () => {
    const history = historyFromRecord(
      [
        message('user', [{ type: 'text', text: 'weather?' }]),
        message('assistant', [{ type: 'tool_call', tool_use_id: 'c1', name: 'get_weather', input: { city: 'Oslo' }, status: 'client' }]),
        message('assistant', [
          { type: 'tool_call', tool_use_id: 'c1', name: 'get_weather', input: { city: 'Oslo' }, status: 'done', result: { content: [{ type: 'text', text: 'rain' }], is_error: false } },
          { type: 'text', text: 'It rains.' },
        ]),
      ],
      10,
    );
    expect(history).toEqual([
      { role: 'user', content: [{ text: 'weather?' }] },
      {
        role: 'assistant',
        content: [{ text: '[asked the client to run the tool get_weather with {"city":"Oslo"}]' }, { text: '[called the tool get_weather with {"city":"Oslo"}; it returned: rain]\n\nIt rains.' }],
      },
    ]);
  });

  it('merges what an answer without text leaves next to each other, and stays within the bound at an exchange start', () => {
    const record = [
      message('user', [{ type: 'text', text: 'q1' }]),
      message('assistant', [{ type: 'thinking', text: 'only thinking', redacted: false }]),
      message('user', [{ type: 'text', text: 'q2' }]),
      message('assistant', [{ type: 'text', text: 'a2' }]),
      message('user', [{ type: 'text', text: 'q3' }]),
      message('assistant', [{ type: 'text', text: 'a3' }]),
    ];
    expect(historyFromRecord(record, 10).map((entry) => entry.content.map((block) => (block as { text: string }).text).join('+'))).toEqual(['q1+q2', 'a2', 'q3', 'a3']);
    expect(historyFromRecord(record, 3)).toEqual([
      { role: 'user', content: [{ text: 'q3' }] },
      { role: 'assistant', content: [{ text: 'a3' }] },
    ]);
  });
});

describe('withoutLastExchange', () => {
  it('drops the last user message that is not a tool result, and everything after it', () => {
    const history: ConverseMessage[] = [
      { role: 'user', content: [{ text: 'q1' }] },
      { role: 'assistant', content: [{ text: 'a1' }] },
      { role: 'user', content: [{ text: 'q2' }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 't', name: 'x', input: {} } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 't', content: [{ text: 'r' }] } }] },
      { role: 'assistant', content: [{ text: 'a2' }] },
    ];
    expect(withoutLastExchange(history)).toEqual(history.slice(0, 2));
    expect(withoutLastExchange(history.slice(0, 2))).toEqual([]);
    expect(withoutLastExchange([])).toEqual([]);
  });
});
