import type { StreamEvent } from '@bedrock-mcp/contracts';
import type { BedrockRecordedRequest } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatJob } from '../testing/turn-client.js';
import { CLAUDE, startWorkerStack, type WorkerStack } from '../testing/worker-stack.js';

let stack: WorkerStack;

beforeAll(async () => {
  stack = await startWorkerStack('history');
  await stack.startWorker({ HISTORY_MAX_MESSAGES: '6' });
}, 60_000);
afterAll(() => stack?.close());
beforeEach(() => stack.emulator.reset());

const bedrockRequests = () => stack.emulator.requests.filter((request): request is BedrockRecordedRequest => request.provider === 'bedrock');
const stored = async (userId: string) => (await stack.redis.client.lrange(stack.client.historyKeys.history(userId), 0, -1)).map((json) => JSON.parse(json) as { role: string; content: Record<string, unknown>[] });
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
    await stack.client.clearHistory(who);
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
    await stack.redis.client.del(stack.client.historyKeys.history(who));
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
});
