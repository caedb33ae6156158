import { createLogger, createRedisKeys } from '@bedrock-mcp/common';
import { RedisConversationStore } from '@bedrock-mcp/config-store';
import { DEFAULT_CONVERSATION_ID, type CatalogTool, type ConversationChange } from '@bedrock-mcp/contracts';
import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoiceConversationRecord } from './voice-conversation-record.js';

let redis: TestRedis;
let store: RedisConversationStore;
const published: Array<Omit<ConversationChange, 'at'>> = [];
const logger = createLogger({ service: 'voice-record-test', level: 'silent' });
const ECHO: CatalogTool = { name: 'everything__echo', serverId: 'everything', toolName: 'echo', description: 'echo', inputSchema: { type: 'object' } };

beforeAll(async () => {
  redis = await startTestRedis('voice-record');
  store = new RedisConversationStore({ redis: redis.client, keys: createRedisKeys(redis.prefix), logger });
});
afterAll(async () => {
  await store?.close();
  await redis?.close();
});

function recordFor(userId: string): VoiceConversationRecord {
  return new VoiceConversationRecord({ store, changes: { publish: async (change) => void published.push(change) }, userId, model: 'amazon.nova-sonic-v1:0', mcpServerIds: ['everything'], logger });
}

const messagesOf = async (userId: string) => (await store.get(userId, DEFAULT_CONVERSATION_ID, { messageLimit: 50 }))?.messages ?? [];

describe('VoiceConversationRecord (a real Redis conversation store)', () => {
  it('records exchanges in order, each answer led by the tool calls made since the last one', async () => {
    const record = recordFor('vic');
    const execute = record.recordingTools(async (call) => ({ text: `Echo: ${String(call.input.message)}`, isError: false }), [ECHO]);
    await record.record({ role: 'user', text: 'echo papaya' });
    await execute({ userId: 'vic', name: 'everything__echo', toolUseId: 'tooluse_1', input: { message: 'papaya' }, signal: new AbortController().signal });
    // Queued before the next call runs: the call belongs to the answer after it, not to this one.
    const first = record.record({ role: 'assistant', text: 'Noted: papaya.' });
    await execute({ userId: 'vic', name: 'everything__echo', toolUseId: 'tooluse_2', input: { message: 'mango' }, signal: new AbortController().signal });
    void record.record({ role: 'user', text: '   ' });
    void record.record({ role: 'user', text: 'and mango' });
    await first;
    await record.record({ role: 'assistant', text: 'Noted: mango.' });

    const messages = await messagesOf('vic');
    expect(messages.map((message) => [message.role, message.parts.map((part) => (part.type === 'text' ? part.text : `${part.type}:${part.type === 'tool_call' ? part.tool_use_id : ''}`))])).toEqual([
      ['user', ['echo papaya']],
      ['assistant', ['tool_call:tooluse_1', 'Noted: papaya.']],
      ['user', ['and mango']],
      ['assistant', ['tool_call:tooluse_2', 'Noted: mango.']],
    ]);
    expect(messages[1]!.parts[0]).toMatchObject({ server_id: 'everything', tool_name: 'echo', input: { message: 'papaya' }, status: 'done', result: { content: [{ type: 'text', text: 'Echo: papaya' }], is_error: false } });
    expect(messages[0]!.turn_id).toBe(messages[1]!.turn_id);
    expect(messages[2]!.turn_id).not.toBe(messages[0]!.turn_id);
    expect(messages[1]).toMatchObject({ model: 'amazon.nova-sonic-v1:0', finish_reason: 'end_turn' });
    expect(published.filter((change) => change.user_id === 'vic').map((change) => change.turn_id)).toEqual(messages.map((message) => message.turn_id));
  });

  it('records an answer with no question before it as an exchange of its own, and nothing once the conversation is deleted', async () => {
    const record = recordFor('wes');
    await record.record({ role: 'user', text: 'hello' });
    await store.delete('wes', DEFAULT_CONVERSATION_ID);
    await record.record({ role: 'assistant', text: 'lost: the conversation is gone' });
    expect(await messagesOf('wes')).toEqual([]);

    const fresh = recordFor('xia');
    await fresh.record({ role: 'user', text: 'first' });
    await fresh.record({ role: 'assistant', text: 'answer' });
    const spokeFirst = recordFor('xia');
    await spokeFirst.record({ role: 'assistant', text: 'I spoke first' });
    const messages = await messagesOf('xia');
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'assistant']);
    expect(messages[2]!.turn_id).not.toBe(messages[1]!.turn_id);
  });
});
