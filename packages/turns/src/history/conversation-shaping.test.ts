import { describe, expect, it } from 'vitest';
import { assistantText as assistant, toolAnswer, toolCall, userText as user } from '@bedrock-mcp/test-support';
import type { ConverseMessage } from '@bedrock-mcp/contracts';
import { boundHistory, mergeConsecutiveRoles, sealConversation } from './conversation-shaping.js';

describe('mergeConsecutiveRoles', () => {
  it('merges messages of one role and drops empty ones', () => {
    expect(mergeConsecutiveRoles([user('a'), { role: 'assistant', content: [] }, user('b'), assistant('c')])).toEqual([
      { role: 'user', content: [{ text: 'a' }, { text: 'b' }] },
      assistant('c'),
    ]);
  });
});

describe('sealConversation', () => {
  it('drops tool uses nobody answered, results nobody asked for, and unsigned reasoning', () => {
    const messages: ConverseMessage[] = [
      user('q'),
      {
        role: 'assistant',
        content: [
          { reasoningContent: { reasoningText: { text: 'signed', signature: 'sig' } } },
          { text: 'calling' },
          { toolUse: { toolUseId: 't1', name: 'echo', input: {} } },
          { toolUse: { toolUseId: 't2', name: 'echo', input: {} } },
        ],
      },
      { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'ok' }] } }, { toolResult: { toolUseId: 'zz', content: [] } }] },
      { role: 'assistant', content: [{ reasoningContent: { reasoningText: { text: 'cut off' } } }, { toolUse: { toolUseId: 't3', name: 'echo', input: {} } }] },
    ];
    expect(sealConversation(messages)).toEqual([
      user('q'),
      {
        role: 'assistant',
        content: [{ reasoningContent: { reasoningText: { text: 'signed', signature: 'sig' } } }, { text: 'calling' }, { toolUse: { toolUseId: 't1', name: 'echo', input: {} } }],
      },
      { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'ok' }] } }] },
    ]);
  });
});

describe('sealConversation with keepPendingToolUses (a stored history awaiting a client’s tool results)', () => {
  it('keeps the tool uses of the last assistant message, and still drops unanswered ones before it', () => {
    const messages: ConverseMessage[] = [
      user('q'),
      { role: 'assistant', content: [{ text: 'a' }, { toolUse: { toolUseId: 't0', name: 'echo', input: {} } }] },
      user('again'),
      { role: 'assistant', content: [{ text: 'asking' }, { toolUse: { toolUseId: 't1', name: 'get_weather', input: { city: 'Oslo' } } }] },
    ];
    const kept = sealConversation(messages, { keepPendingToolUses: true });
    expect(kept[1]).toEqual(assistant('a'));
    expect(kept.at(-1)).toEqual(messages.at(-1));
    // Sealed with a next message that does not answer them, they go.
    expect(sealConversation([...kept, user('never mind')]).at(-2)).toEqual(assistant('asking'));
  });
});

describe('boundHistory', () => {
  it('cuts from the front at the start of an exchange, never between a tool use and its result', () => {
    const messages = [user('1'), assistant('1'), user('2'), toolCall('x'), toolAnswer('x'), assistant('2'), user('3'), assistant('3')];
    expect(boundHistory(messages, 8)).toHaveLength(8);
    // 5 would start at toolCall('x'); the next exchange start is user('3').
    expect(boundHistory(messages, 5)).toEqual([user('3'), assistant('3')]);
    expect(boundHistory(messages, 6)).toEqual(messages.slice(2));
  });

  it('keeps the latest exchange whole when it alone is longer than the bound', () => {
    const messages = [user('1'), assistant('1'), user('2'), toolCall('x'), toolAnswer('x'), toolCall('y'), toolAnswer('y'), assistant('2')];
    expect(boundHistory(messages, 3)).toEqual(messages.slice(2));
  });
});
