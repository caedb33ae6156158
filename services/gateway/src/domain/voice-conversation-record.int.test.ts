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

  it('records the calls no answer followed when the session ends, as an answer of their own, and nothing more', async () => {
    const record = recordFor('yan');
    const execute = record.recordingTools(async () => ({ text: 'boom', isError: true }), [ECHO]);
    await record.record({ role: 'user', text: 'echo kiwi' });
    await execute({ userId: 'yan', name: 'everything__echo', toolUseId: 'tooluse_9', input: { message: 'kiwi' }, signal: new AbortController().signal });
    await record.finish('stop_requested');
    await record.finish('stop_requested');

    const messages = await messagesOf('yan');
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(messages[1]).toMatchObject({
      turn_id: messages[0]!.turn_id,
      finish_reason: 'stop_requested',
      parts: [{ type: 'tool_call', tool_use_id: 'tooluse_9', status: 'error', result: { content: [{ type: 'text', text: 'boom' }], is_error: true } }],
    });

    // A call still running is left for a later answer; the session's end records it cancelled.
    const slow = recordFor('ada');
    let release!: () => void;
    const running = slow.recordingTools(() => new Promise((resolve) => (release = () => resolve({ text: 'late', isError: false }))), [ECHO]);
    await slow.record({ role: 'user', text: 'slowly' });
    const call = running({ userId: 'ada', name: 'everything__echo', toolUseId: 'tooluse_slow', input: {}, signal: new AbortController().signal });
    await slow.record({ role: 'assistant', text: 'working on it' });
    await slow.finish('error');
    release();
    await call;
    expect((await messagesOf('ada')).map((message) => [message.finish_reason, message.parts.map((part) => (part.type === 'tool_call' ? part.status : part.type))])).toEqual([
      [undefined, ['text']],
      ['end_turn', ['text']],
      ['error', ['cancelled']],
    ]);

    // A call the session abandoned as it ended did not run to its end, whatever its executor said.
    const abandoned = recordFor('bo');
    const session = new AbortController();
    const abandoning = abandoned.recordingTools(async () => {
      session.abort();
      return { text: 'the tool call failed: aborted', isError: true };
    }, [ECHO]);
    await abandoned.record({ role: 'user', text: 'go' });
    await abandoning({ userId: 'bo', name: 'everything__echo', toolUseId: 'tooluse_gone', input: {}, signal: session.signal });
    await abandoned.finish('stop_requested');
    expect((await messagesOf('bo'))[1]!.parts).toEqual([{ type: 'tool_call', tool_use_id: 'tooluse_gone', name: 'everything__echo', server_id: 'everything', tool_name: 'echo', input: {}, status: 'cancelled' }]);

    // A session whose last answer took every call records nothing at its end.
    const answered = recordFor('zed');
    await answered.record({ role: 'user', text: 'hi' });
    await answered.record({ role: 'assistant', text: 'hello' });
    await answered.finish('error');
    expect((await messagesOf('zed')).map((message) => message.role)).toEqual(['user', 'assistant']);
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
