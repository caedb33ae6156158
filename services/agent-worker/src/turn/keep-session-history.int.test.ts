import type { StreamEvent } from '@bedrock-mcp/contracts';
import type { HistoryScope } from '@bedrock-mcp/turns';
import type { BedrockRecordedRequest } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatJob } from '../testing/turn-client.js';
import { CLAUDE, startWorkerStack, type WorkerStack } from '../testing/worker-stack.js';

let stack: WorkerStack;

beforeAll(async () => {
  stack = await startWorkerStack('history');
  // These tests answer every request with one catch-all rule and read the last request: no title calls.
  await stack.startWorker({ HISTORY_MAX_MESSAGES: '6', CONVERSATION_TITLES: 'first_message' });
}, 60_000);
afterAll(() => stack?.close());
beforeEach(() => stack.emulator.reset());

const bedrockRequests = () => stack.emulator.requests.filter((request): request is BedrockRecordedRequest => request.provider === 'bedrock');
/** The user's default conversation, or `conversationId`'s. */
const scope = (userId: string, conversationId: string | null = null): HistoryScope => ({ userId, conversationId });
const stored = async (userId: string, conversationId: string | null = null) => (await stack.redis.client.lrange(stack.client.historyKeys.history(scope(userId, conversationId)), 0, -1)).map((json) => JSON.parse(json) as { role: string; content: Record<string, unknown>[] });
const kinds = (message: { content: Record<string, unknown>[] }) => message.content.map((block) => Object.keys(block)[0]).join('+');
const user = `hist-${Math.random().toString(36).slice(2, 8)}`;
const text = (events: StreamEvent[]) => events.filter((event) => event.type === 'text_delta').map((event) => (event as { text: string }).text).join('');

describe('keep_session history', () => {
  it('keeps tool uses, results and signed reasoning across turns; the next turn sends them before its own message', async () => {
    stack.emulator.script([
      { when: { lastUserText: 'first' }, reply: { reasoning: { text: 'need echo', signature: 'sig-h1' }, toolUses: [{ name: 'everything__echo', input: { message: 'm1' } }] } },
      { when: { afterToolResult: 'everything__echo' }, reply: { text: 'echoed m1' } },
      { when: { lastUserText: 'second' }, reply: { text: 'I remember' } },
    ]);
    const options = { model: CLAUDE, userId: user, keepSession: true, mcpServerIds: ['everything'], thinking: { enabled: true, budgetTokens: 1024 } };
    await stack.client.run(chatJob({ ...options, messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'first' }] }));
    expect((await stored(user)).map((message) => `${message.role}:${kinds(message)}`)).toEqual([
      'user:text',
      'assistant:reasoningContent+toolUse',
      'user:toolResult',
      'assistant:text',
    ]);

    const events = await stack.client.run(chatJob({ ...options, messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'second' }] }));
    expect(text(events)).toBe('I remember');
    const sent = bedrockRequests().at(-1)!.body;
    expect(sent.system).toEqual([{ text: 'sys' }]);
    expect(sent.messages!.map((message) => `${message.role}:${kinds(message as never)}`)).toEqual([
      'user:text',
      'assistant:reasoningContent+toolUse',
      'user:toolResult',
      'assistant:text',
      'user:text',
    ]);
    expect(sent.messages![1]!.content[0]).toEqual({ reasoningContent: { reasoningText: { text: 'need echo', signature: 'sig-h1' } } });
    expect((await stored(user)).length).toBe(6);
  });

  it('stays within HISTORY_MAX_MESSAGES, cut at the start of an exchange', async () => {
    stack.emulator.script([{ reply: ({ lastUserText }) => ({ text: `re: ${lastUserText}` }) }]);
    for (const message of ['third', 'fourth']) {
      await stack.client.run(chatJob({ model: CLAUDE, userId: user, keepSession: true, messages: [{ role: 'user', content: message }] }));
    }
    const history = await stored(user);
    expect(history.length).toBeLessThanOrEqual(6);
    expect(history[0]).toMatchObject({ role: 'user' });
    expect(history[0]!.content.some((block) => 'toolResult' in block)).toBe(false);
    expect(history.at(-1)).toEqual({ role: 'assistant', content: [{ text: 're: fourth' }] });
  });

  it('does not write back a history removed while a turn was running', async () => {
    const who = `${user}-rm`;
    // The user had no history yet: only clearUserHistory's epoch tells the turn it was cleared.
    stack.emulator.script([{ reply: { text: 'slow answer '.repeat(10), chunkCount: 10, chunkDelayMs: 40 } }]);
    const job = chatJob({ model: CLAUDE, userId: who, keepSession: true, messages: [{ role: 'user', content: 'slow' }] });
    const streaming = await stack.client.watch(job.turnId, 10_000, (events) => events.some((event) => event.type === 'text_delta'));
    const done = await stack.client.watch(job.turnId);
    await stack.client.enqueue(job);
    await streaming.until;
    await stack.client.clearHistory(scope(who));
    await done.until;
    expect(await stored(who)).toEqual([]);

    // A plain DEL (without clearUserHistory's epoch bump) of a non-empty history is honoured too.
    stack.emulator.script([{ reply: ({ lastUserText }) => ({ text: `re: ${lastUserText}`, chunkCount: 10, chunkDelayMs: 40 }) }]);
    await stack.client.run(chatJob({ model: CLAUDE, userId: who, keepSession: true, messages: [{ role: 'user', content: 'again' }] }));
    expect(await stored(who)).toHaveLength(2);
    const job2 = chatJob({ model: CLAUDE, userId: who, keepSession: true, messages: [{ role: 'user', content: 'slow' }] });
    const streaming2 = await stack.client.watch(job2.turnId, 10_000, (events) => events.some((event) => event.type === 'text_delta'));
    const done2 = await stack.client.watch(job2.turnId);
    await stack.client.enqueue(job2);
    await streaming2.until;
    await stack.redis.client.del(stack.client.historyKeys.history(scope(who)));
    await done2.until;
    expect(await stored(who)).toEqual([]);
  });

  it('runs two turns of one user one after the other, so two tabs never interleave one history', async () => {
    const who = `${user}-tabs`;
    stack.emulator.script([{ reply: ({ lastUserText }) => ({ text: `re: ${lastUserText}`, chunkCount: 5, chunkDelayMs: 30 }) }]);
    const [a, b] = ['tab one', 'tab two'].map((content) => chatJob({ model: CLAUDE, userId: who, keepSession: true, messages: [{ role: 'user', content }] }));
    const [eventsA, eventsB] = await Promise.all([stack.client.run(a!), stack.client.run(b!)]);
    expect(eventsA.at(-1)).toMatchObject({ finishReason: 'end_turn' });
    expect(eventsB.at(-1)).toMatchObject({ finishReason: 'end_turn' });
    const history = await stored(who);
    expect(history).toHaveLength(4);
    const texts = history.map((message) => String(message.content[0]!.text));
    // Whichever ran first, each question is followed by its own answer.
    expect([texts[1], texts[3]]).toEqual([`re: ${texts[0]}`, `re: ${texts[2]}`]);
    // The later turn saw the earlier exchange.
    const second = bedrockRequests().find((request) => request.body.messages!.length === 3);
    expect(second).toBeDefined();
  });

  it('keeps one history per conversation_id, apart from the default conversation and from each other', async () => {
    const who = `${user}-convs`;
    stack.emulator.script([{ reply: ({ lastUserText }) => ({ text: `re: ${lastUserText}` }) }]);
    const turn = (conversationId: string | undefined, content: string) =>
      stack.client.run(chatJob({ model: CLAUDE, userId: who, keepSession: true, ...(conversationId ? { conversationId } : {}), messages: [{ role: 'user', content }] }));
    await turn(undefined, 'in default');
    await turn('conv-a', 'in a');
    await turn('conv-b', 'in b');
    await turn('conv-a', 'a again');
    const sentTexts = () => bedrockRequests().at(-1)!.body.messages!.map((message) => String((message.content[0] as { text?: string }).text));
    expect(sentTexts()).toEqual(['in a', 're: in a', 'a again']);
    await turn(undefined, 'default again');
    expect(sentTexts()).toEqual(['in default', 're: in default', 'default again']);
    const texts = async (conversationId: string | null) => (await stored(who, conversationId)).map((message) => String(message.content[0]!.text));
    expect(await texts('conv-a')).toEqual(['in a', 're: in a', 'a again', 're: a again']);
    expect(await texts('conv-b')).toEqual(['in b', 're: in b']);
    expect(await texts(null)).toEqual(['in default', 're: in default', 'default again', 're: default again']);
    // The default conversation keeps the keys stored histories have always lived under.
    expect(await stack.redis.client.llen(`${stack.client.keys.prefix}user:{${who}}:history`)).toBe(4);

    // Clearing one conversation leaves the others.
    await stack.client.clearHistory(scope(who, 'conv-a'));
    expect(await texts('conv-a')).toEqual([]);
    expect(await texts('conv-b')).toHaveLength(2);
    expect(await texts(null)).toHaveLength(4);
  });

  it('a conversation_id without keep_session neither loads nor saves a history', async () => {
    const who = `${user}-nokeep`;
    stack.emulator.script([{ reply: ({ lastUserText }) => ({ text: `re: ${lastUserText}` }) }]);
    await stack.client.run(chatJob({ model: CLAUDE, userId: who, keepSession: true, conversationId: 'conv-a', messages: [{ role: 'user', content: 'kept' }] }));
    await stack.client.run(chatJob({ model: CLAUDE, userId: who, conversationId: 'conv-a', messages: [{ role: 'user', content: 'full messages' }] }));
    expect(bedrockRequests().at(-1)!.body.messages).toHaveLength(1);
    expect(await stored(who, 'conv-a')).toHaveLength(2);
  });

  it('runs turns of two conversations of one user at once (both hold their locks), and one conversation’s turns one after the other', async () => {
    const who = `${user}-par`;
    stack.emulator.script([{ reply: ({ lastUserText }) => ({ text: `re: ${lastUserText}`, chunkCount: 10, chunkDelayMs: 100 }) }]);
    const job = (conversationId: string, content: string) => chatJob({ model: CLAUDE, userId: who, keepSession: true, conversationId, messages: [{ role: 'user', content }] });
    const lockOf = (conversationId: string) => stack.redis.client.get(stack.client.historyKeys.lock(scope(who, conversationId)));
    const a1 = job('conv-a', 'a one');
    const b1 = job('conv-b', 'b one');
    const a2 = job('conv-a', 'a two');
    const streamingA = await stack.client.watch(a1.turnId, 10_000, (events) => events.some((event) => event.type === 'text_delta'));
    const streamingB = await stack.client.watch(b1.turnId, 10_000, (events) => events.some((event) => event.type === 'text_delta'));
    const doneA1 = await stack.client.watch(a1.turnId);
    const doneB1 = await stack.client.watch(b1.turnId);
    await stack.client.enqueue(a1);
    await streamingA.until;
    const doneA2 = await stack.client.watch(a2.turnId);
    await stack.client.enqueue(a2);
    await stack.client.enqueue(b1);
    await streamingB.until;
    // conv-b's turn streams while conv-a's first turn still holds conv-a: different conversations do not wait.
    expect([await lockOf('conv-a'), await lockOf('conv-b')]).toEqual([a1.turnId, b1.turnId]);
    const [eventsA1, eventsB1, eventsA2] = await Promise.all([doneA1.until, doneB1.until, doneA2.until]);
    for (const events of [eventsA1, eventsB1, eventsA2]) expect(events.at(-1)).toMatchObject({ finishReason: 'end_turn' });
    // conv-a's second turn waited for its first and continued it.
    expect((await stored(who, 'conv-a')).map((message) => String(message.content[0]!.text))).toEqual(['a one', 're: a one', 'a two', 're: a two']);
    expect((await stored(who, 'conv-b')).map((message) => String(message.content[0]!.text))).toEqual(['b one', 're: b one']);
    expect(await stored(who)).toEqual([]);
  });
});
