import type { ChatMessage, ConversationMessage } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { clientResultParts } from './client-results.js';

const calling: ConversationMessage = {
  id: 'msg_calling0001',
  role: 'assistant',
  created_at: 1,
  turn_id: 'chatcmpl-calling0001',
  parts: [
    { type: 'text', text: 'Let me check.' },
    { type: 'tool_call', tool_use_id: 'call_a', name: 'get_weather', input: { city: 'Oslo' }, status: 'cancelled' },
    { type: 'tool_call', tool_use_id: 'call_b', name: 'get_time', input: {}, status: 'cancelled' },
  ],
  finish_reason: 'tool_use',
};

describe('clientResultParts', () => {
  it("gives the answered calls with the client's results, in the calls' order", () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'an earlier question' },
      { role: 'tool', tool_call_id: 'call_b', content: [{ type: 'text', text: 'noon' }, { type: 'text', text: 'UTC' }] },
      { role: 'tool', tool_call_id: 'call_a', content: 'mild' },
    ];
    expect(clientResultParts(messages, calling)).toEqual([
      { type: 'tool_call', tool_use_id: 'call_a', name: 'get_weather', input: { city: 'Oslo' }, status: 'done', result: { content: [{ type: 'text', text: 'mild' }], is_error: false } },
      { type: 'tool_call', tool_use_id: 'call_b', name: 'get_time', input: {}, status: 'done', result: { content: [{ type: 'text', text: 'noon\nUTC' }], is_error: false } },
    ]);
  });

  it('gives nothing for a request that is no continuation of the last answer', () => {
    expect(clientResultParts([{ role: 'user', content: 'hello' }], calling)).toBeUndefined();
    expect(clientResultParts([{ role: 'tool', tool_call_id: 'call_elsewhere', content: 'x' }], calling)).toBeUndefined();
    expect(clientResultParts([{ role: 'tool', tool_call_id: 'call_a', content: 'x' }], { ...calling, role: 'user' })).toBeUndefined();
    expect(clientResultParts([{ role: 'tool', tool_call_id: 'call_a', content: 'x' }], undefined)).toBeUndefined();
  });
});
