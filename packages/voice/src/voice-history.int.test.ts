import { createLogger } from '@bedrock-mcp/common';
import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { createHistoryKeys, HistoryStore, type HistoryKeys } from '@bedrock-mcp/turns';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VoiceHistory } from './voice-history.js';

const logger = createLogger({ service: 'voice-history-test', level: 'silent' });
const USER = 'bob';

describe('voice transcripts in the user history (the agent-worker format, lock and bound)', () => {
  let redis: TestRedis;
  let keys: HistoryKeys;
  const store = (options: { maxMessages?: number; lockWaitMs?: number } = {}) =>
    new HistoryStore(redis.client, { prefix: redis.prefix, maxMessages: options.maxMessages ?? 200, lockWaitMs: options.lockWaitMs ?? 2000, pollMs: 20, logger });
  const writer = (options: { maxMessages?: number; lockWaitMs?: number } = {}) => new VoiceHistory(store(options));
  const stored = async () => (await redis.client.lrange(keys.history({ userId: USER, conversationId: null }), 0, -1)).map((json) => JSON.parse(json) as unknown);

  beforeEach(async () => {
    redis = await startTestRedis('voice-history');
    keys = createHistoryKeys(redis.prefix);
  });
  afterEach(async () => {
    await redis.close();
  });

  it('appends Converse text messages after what a text turn saved', async () => {
    const earlier = [
      { role: 'user', content: [{ text: 'list my files' }] },
      { role: 'assistant', content: [{ text: 'Let me look.' }, { toolUse: { toolUseId: 't1', name: 'fs__list', input: {} } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'a.txt' }] } }] },
      { role: 'assistant', content: [{ text: 'You have a.txt.' }] },
    ];
    await redis.client.rpush(keys.history({ userId: USER, conversationId: null }), ...earlier.map((message) => JSON.stringify(message)));

    expect(await writer().append(USER, [{ role: 'user', text: 'and now by voice' }, { role: 'assistant', text: 'Hello by voice.' }])).toBe('appended');

    expect(await stored()).toEqual([
      ...earlier,
      { role: 'user', content: [{ text: 'and now by voice' }] },
      { role: 'assistant', content: [{ text: 'Hello by voice.' }] },
    ]);
    // Read back for a voice session: text only, tool traffic left out.
    expect(await writer().load(USER)).toEqual([
      { role: 'user', text: 'list my files' },
      { role: 'assistant', text: 'Let me look.' },
      { role: 'assistant', text: 'You have a.txt.' },
      { role: 'user', text: 'and now by voice' },
      { role: 'assistant', text: 'Hello by voice.' },
    ]);
  });

  it('bumps the history epoch, so a text turn resumed from an older load does not overwrite the transcripts', async () => {
    await redis.client.set(keys.epoch({ userId: USER, conversationId: null }), '7');
    await writer().append(USER, [{ role: 'user', text: 'spoken' }]);
    expect(await redis.client.get(keys.epoch({ userId: USER, conversationId: null }))).toBe('8');
    await writer().append(USER, [{ role: 'user', text: '   ' }]); // nothing written: no bump
    expect(await redis.client.get(keys.epoch({ userId: USER, conversationId: null }))).toBe('8');
  });

  it('waits while a text turn holds the history lock, then appends', async () => {
    await redis.client.set(keys.lock({ userId: USER, conversationId: null }), 'chatcmpl-running-turn', 'PX', 30_000);
    const appending = writer().append(USER, [{ role: 'user', text: 'spoken meanwhile' }]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await stored()).toEqual([]); // the running turn's save would have dropped it
    await redis.client.del(keys.lock({ userId: USER, conversationId: null }));
    expect(await appending).toBe('appended');
    expect(await stored()).toEqual([{ role: 'user', content: [{ text: 'spoken meanwhile' }] }]);
  });

  it('gives up after lockWaitMs when the lock is never released', async () => {
    await redis.client.set(keys.lock({ userId: USER, conversationId: null }), 'chatcmpl-stuck', 'PX', 30_000);
    const started = Date.now();
    expect(await writer({ lockWaitMs: 200 }).append(USER, [{ role: 'user', text: 'lost' }])).toBe('lock_timeout');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await stored()).toEqual([]);
  });

  it('keeps the newest messages, starting at an exchange (never at an assistant message or tool results)', async () => {
    const old = [
      { role: 'user', content: [{ text: 'q1' }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'x', input: {} } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'r' }] } }] },
      { role: 'assistant', content: [{ text: 'a1' }] },
    ];
    await redis.client.rpush(keys.history({ userId: USER, conversationId: null }), ...old.map((message) => JSON.stringify(message)));
    // 4 + 2 = 6 messages, bound 4: the cut lands on the tool results, so they and the answer go too.
    await writer({ maxMessages: 4 }).append(USER, [
      { role: 'user', text: 'q2' },
      { role: 'assistant', text: 'a2' },
    ]);
    expect(await stored()).toEqual([
      { role: 'user', content: [{ text: 'q2' }] },
      { role: 'assistant', content: [{ text: 'a2' }] },
    ]);
  });

  it('starts a new history after the user removed theirs', async () => {
    await writer().append(USER, [{ role: 'user', text: 'before removal' }]);
    await store().clear({ userId: USER, conversationId: null });
    await writer().append(USER, [{ role: 'user', text: 'after removal' }]);
    expect(await stored()).toEqual([{ role: 'user', content: [{ text: 'after removal' }] }]);
  });

  it('skips blank transcripts and unreadable stored entries', async () => {
    await redis.client.rpush(keys.history({ userId: USER, conversationId: null }), 'not json', JSON.stringify({ role: 'system', content: [] }));
    expect(await writer().append(USER, [{ role: 'user', text: '   ' }])).toBe('appended');
    expect(await redis.client.llen(keys.history({ userId: USER, conversationId: null }))).toBe(2);
    expect(await writer().load(USER)).toEqual([]);
  });
});
