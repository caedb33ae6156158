import { createConversationStore, type ConversationStore } from '@bedrock-mcp/config-store';
import { ConversationChangeSchema, type ConversationChange, type ConversationMessage, type ConversationPart, type StreamEvent } from '@bedrock-mcp/contracts';
import type { BedrockRecordedRequest } from '@bedrock-mcp/test-support';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatJob } from '../testing/turn-client.js';
import { CLAUDE, DEEPSEEK, startWorkerStack, type WorkerStack } from '../testing/worker-stack.js';
import { TITLE_PROMPT } from './conversation-title.js';

let stack: WorkerStack;
let store: ConversationStore;
let changesSubscriber: Redis;
const changes: ConversationChange[] = [];
const APPROVAL_TIMEOUT_S = 5;

beforeAll(async () => {
  stack = await startWorkerStack('conv-rec');
  await stack.startWorker({ APPROVAL_TIMEOUT_S: String(APPROVAL_TIMEOUT_S), HISTORY_MAX_MESSAGES: '20' });
  store = createConversationStore({
    settings: { REDIS_URL: stack.redis.url, REDIS_PREFIX: stack.redis.prefix, AWS_REGION: 'us-east-1', CONVERSATIONS_DDB_TABLE: undefined, CONVERSATION_RETENTION_DAYS: 0 },
  });
  changesSubscriber = new Redis(stack.redis.url);
  changesSubscriber.on('message', (_channel: string, json: string) => changes.push(ConversationChangeSchema.parse(JSON.parse(json))));
  await changesSubscriber.subscribe(stack.client.keys.conversationChanges());
}, 60_000);
afterAll(async () => {
  await changesSubscriber?.quit();
  await store?.close();
  await stack?.close();
});
beforeEach(() => stack.emulator.reset());

const user = () => `rec-${Math.random().toString(36).slice(2, 8)}`;
const of = <T extends StreamEvent['type']>(events: StreamEvent[], type: T) => events.filter((event): event is Extract<StreamEvent, { type: T }> => event.type === type);
const record = async (userId: string, conversationId: string) => (await store.get(userId, conversationId, { messageLimit: 100 }))?.messages ?? [];
const partsOf = <T extends ConversationPart['type']>(message: ConversationMessage | undefined, type: T) =>
  (message?.parts ?? []).filter((part): part is Extract<ConversationPart, { type: T }> => part.type === type);
const bedrockRequests = () => stack.emulator.requests.filter((request): request is BedrockRecordedRequest => request.provider === 'bedrock');
const textsSent = (request: BedrockRecordedRequest | undefined) => (request?.body.messages ?? []).map((message) => `${message.role}:${message.content.map((block) => (block as { text?: string }).text ?? Object.keys(block)[0]).join('|')}`);
/** A 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

describe('recording a conversation’s turns', () => {
  it('records thinking, text and a tool call whose image result is a blob (not inline), and the user’s image; both before done', async () => {
    const who = user();
    stack.emulator.script([
      { when: { lastUserText: 'show me' }, reply: { reasoning: { text: 'a picture helps', signature: 'sig-1' }, text: 'Getting one.', toolUses: [{ name: 'everything__get-tiny-image', input: {} }] } },
      { when: { afterToolResult: 'everything__get-tiny-image' }, reply: { text: 'Here is a tiny image.' } },
    ]);
    const job = chatJob({
      model: CLAUDE,
      userId: who,
      keepSession: true,
      conversationId: 'conv-img',
      mcpServerIds: ['everything'],
      thinking: { enabled: true, budgetTokens: 1024 },
      messages: [{ role: 'user', content: [{ type: 'text', text: 'show me a picture' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG.toString('base64')}` } }] }],
    });
    const events = await stack.client.run(job);
    // Read at once: the answer is recorded before `done`.
    const messages = await record(who, 'conv-img');
    expect(messages.map((message) => [message.role, message.turn_id])).toEqual([
      ['user', job.turnId],
      ['assistant', job.turnId],
    ]);
    const [question, answer] = messages;
    expect(partsOf(question, 'text')).toEqual([{ type: 'text', text: 'show me a picture' }]);
    const [userImage] = partsOf(question, 'image');
    expect((await store.getBlob(who, 'conv-img', userImage!.blob.blob_id))?.data.equals(PNG)).toBe(true);

    expect(answer!.parts.map((part) => part.type)).toEqual(['thinking', 'text', 'tool_call', 'text']);
    expect(answer!.parts[0]).toEqual({ type: 'thinking', text: 'a picture helps', redacted: false });
    expect(answer).toMatchObject({ model: CLAUDE, finish_reason: 'end_turn', usage: { totalTokens: expect.any(Number) } });
    const [call] = partsOf(answer, 'tool_call');
    expect(call).toMatchObject({ name: 'everything__get-tiny-image', server_id: 'everything', status: 'done', result: { is_error: false } });
    const imagePart = call!.result!.content.find((part) => part.type === 'image');
    expect(imagePart).toMatchObject({ type: 'image', blob: { media_type: 'image/png' } });
    const sent = of(events, 'tool_result')[0]!.content.find((part) => part.type === 'image')!;
    const stored = await store.getBlob(who, 'conv-img', (imagePart as { blob: { blob_id: string } }).blob.blob_id);
    expect(stored?.data.equals(Buffer.from((sent as { data: string }).data, 'base64'))).toBe(true);
    expect(JSON.stringify(messages)).not.toContain((sent as { data: string }).data.slice(0, 40));
    expect(JSON.stringify(messages)).not.toContain(PNG.toString('base64').slice(0, 40));
    // Each step is published for the user's other devices.
    await expect.poll(() => changes.filter((change) => change.user_id === who && change.change === 'messages_added').map((change) => [change.change, change.turn_id])).toEqual([
      ['messages_added', job.turnId],
      ['messages_added', job.turnId],
    ]);
  });

  it('records a turn paused for approval and resumed as one answer, with the ask and its outcome', async () => {
    const who = user();
    stack.emulator.script([
      { when: { lastUserText: 'approve me' }, reply: { toolUses: [{ name: 'guarded__echo', input: { message: 'hi' } }] } },
      { when: { afterToolResult: 'guarded__echo' }, reply: ({ lastToolResultText }) => ({ text: `got ${lastToolResultText}` }) },
    ]);
    const job = chatJob({ model: CLAUDE, userId: who, keepSession: true, conversationId: 'conv-ask', mcpServerIds: ['guarded'], messages: [{ role: 'user', content: 'approve me' }] });
    const pausing = await stack.client.watch(job.turnId, 20_000, (events) => events.some((event) => event.type === 'approval_request'));
    const finishing = await stack.client.watch(job.turnId, 20_000);
    await stack.client.enqueue(job);
    const paused = await pausing.until;
    const ask = of(paused, 'approval_request')[0]!.asks[0]!;
    // Paused: the question is recorded, the answer not yet.
    await expect.poll(async () => (await record(who, 'conv-ask')).map((message) => message.role)).toEqual(['user']);
    await stack.client.answer(job.turnId, { approvals: [{ id: ask.id, decision: 'approve' }] });
    expect((await finishing.until).at(-1)).toMatchObject({ type: 'done', finishReason: 'end_turn' });

    const messages = await record(who, 'conv-ask');
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    const answer = messages[1]!;
    // As it happened: the call was asked about before it ran.
    expect(answer.parts.map((part) => part.type)).toEqual(['ask', 'tool_call', 'text']);
    expect(partsOf(answer, 'tool_call')[0]).toMatchObject({ name: 'guarded__echo', status: 'done', result: { content: [{ type: 'text', text: 'Echo: hi' }] } });
    expect(partsOf(answer, 'ask')[0]).toMatchObject({ ask: { id: ask.id, kind: 'approval' }, outcome: 'approved' });
    expect(partsOf(answer, 'text')[0]!.text).toBe('got Echo: hi');
  }, 30_000);

  it('records a turn stopped midway with finish_reason stop_requested and the text so far', async () => {
    const who = user();
    stack.emulator.script([{ when: { lastUserText: 'long story' }, reply: { text: 'once upon a time '.repeat(20), chunkCount: 20, chunkDelayMs: 100 } }]);
    const job = chatJob({ model: CLAUDE, userId: who, keepSession: true, conversationId: 'conv-stop', messages: [{ role: 'user', content: 'long story' }] });
    const streaming = await stack.client.watch(job.turnId, 20_000, (events) => events.some((event) => event.type === 'text_delta'));
    const finishing = await stack.client.watch(job.turnId, 20_000);
    await stack.client.enqueue(job);
    await streaming.until;
    await stack.client.requestStop(job.turnId);
    expect((await finishing.until).at(-1)).toMatchObject({ finishReason: 'stop_requested' });
    const [, answer] = await record(who, 'conv-stop');
    expect(answer).toMatchObject({ role: 'assistant', finish_reason: 'stop_requested' });
    const text = partsOf(answer, 'text')[0]!.text;
    expect(text.length).toBeGreaterThan(0);
    expect(text.length).toBeLessThan('once upon a time '.repeat(20).length);
  });

  it('records keep_session without a conversation_id in the default conversation; a turn with neither is recorded nowhere', async () => {
    const who = user();
    stack.emulator.script([{ when: { lastUserText: 'kept' }, reply: { text: 'noted' } }]);
    await stack.client.run(chatJob({ model: CLAUDE, userId: who, keepSession: true, messages: [{ role: 'user', content: 'kept' }] }));
    expect((await record(who, 'default')).map((message) => partsOf(message, 'text')[0]?.text)).toEqual(['kept', 'noted']);
    await stack.client.run(chatJob({ model: CLAUDE, userId: who, keepSession: false, messages: [{ role: 'user', content: 'kept too' }] }));
    expect(await record(who, 'default')).toHaveLength(2);
    expect((await store.list(who, { limit: 10 })).conversations.map((conversation) => conversation.id)).toEqual(['default']);
  });

  it('a worker taking over a turn whose question is recorded records it once', async () => {
    const who = user();
    stack.emulator.script([{ when: { lastUserText: 'taken over' }, reply: { text: 'answered once' } }]);
    const job = chatJob({ model: CLAUDE, userId: who, keepSession: true, conversationId: 'conv-over', messages: [{ role: 'user', content: 'taken over' }] });
    // The worker that died had recorded the question, then nothing else.
    const question: ConversationMessage = { id: 'msg_dead-worker', role: 'user', created_at: Date.now(), turn_id: job.turnId, parts: [{ type: 'text', text: 'taken over' }] };
    await store.startTurn(who, 'conv-over', { turnId: job.turnId, message: question, blobs: [], model: CLAUDE, mcpServerIds: [], replaceLast: false, now: Date.now() });
    const finishing = await stack.client.watch(job.turnId, 20_000);
    await stack.client.enqueueTakenOver(job);
    expect((await finishing.until).at(-1)).toMatchObject({ finishReason: 'end_turn' });
    expect((await record(who, 'conv-over')).map((message) => [message.id === 'msg_dead-worker', message.role, partsOf(message, 'text')[0]?.text])).toEqual([
      [true, 'user', 'taken over'],
      [false, 'assistant', 'answered once'],
    ]);
  });

  it('records nothing for a turn stopped before a worker took it (its conversation was deleted while it was queued)', async () => {
    const who = user();
    stack.emulator.script([{ when: { lastUserText: 'queued' }, reply: { text: 'never said' } }]);
    const job = chatJob({ model: CLAUDE, userId: who, keepSession: true, conversationId: 'conv-queued', messages: [{ role: 'user', content: 'queued' }] });
    await stack.client.requestStop(job.turnId);
    const finishing = await stack.client.watch(job.turnId, 20_000);
    await stack.client.enqueue(job);
    expect((await finishing.until).at(-1)).toMatchObject({ finishReason: 'stop_requested' });
    expect(await store.summary(who, 'conv-queued')).toBeUndefined();
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('writes nothing for a turn whose conversation was deleted while it ran', async () => {
    const who = user();
    stack.emulator.script([{ when: { lastUserText: 'slow' }, reply: { text: 'slow answer '.repeat(10), chunkCount: 10, chunkDelayMs: 60 } }]);
    const job = chatJob({ model: CLAUDE, userId: who, keepSession: true, conversationId: 'conv-del', messages: [{ role: 'user', content: 'slow' }] });
    const streaming = await stack.client.watch(job.turnId, 20_000, (events) => events.some((event) => event.type === 'text_delta'));
    const finishing = await stack.client.watch(job.turnId, 20_000);
    await stack.client.enqueue(job);
    await streaming.until;
    await expect.poll(async () => (await record(who, 'conv-del')).length).toBe(1);
    expect(await store.delete(who, 'conv-del')).toBe(true);
    expect((await finishing.until).at(-1)).toMatchObject({ finishReason: 'end_turn' });
    expect(await store.summary(who, 'conv-del')).toBeUndefined();
    expect(await stack.redis.client.keys(`${stack.redis.prefix}user:{${who}}:conversation*`)).toEqual([]);
  });
});

describe('replace_last', () => {
  it('edit-and-resend and regenerate replace exactly the last exchange, in the model history and in the record', async () => {
    const who = user();
    stack.emulator.script([{ when: { lastUserText: /^(?!Write a title)/ }, reply: ({ lastUserText }) => ({ text: `re: ${lastUserText}` }) }]);
    const turn = (content: string, replaceLast = false) =>
      stack.client.run(chatJob({ model: CLAUDE, userId: who, keepSession: true, conversationId: 'conv-edit', replaceLast, messages: [{ role: 'user', content }] }));
    await turn('one');
    await turn('two');
    await turn('two, edited', true);
    expect(textsSent(bedrockRequests().filter((request) => !textsSent(request).some((text) => text.includes(TITLE_PROMPT))).at(-1))).toEqual([
      'user:one',
      'assistant:re: one',
      'user:two, edited',
    ]);
    const texts = async () => (await record(who, 'conv-edit')).map((message) => `${message.role}:${partsOf(message, 'text')[0]?.text}`);
    expect(await texts()).toEqual(['user:one', 'assistant:re: one', 'user:two, edited', 'assistant:re: two, edited']);
    await turn('two, edited', true); // regenerate
    expect(await texts()).toEqual(['user:one', 'assistant:re: one', 'user:two, edited', 'assistant:re: two, edited']);
    const history = (await stack.redis.client.lrange(stack.client.historyKeys.history({ userId: who, conversationId: 'conv-edit' }), 0, -1)).map(
      (json) => (JSON.parse(json) as { content: Array<{ text?: string }> }).content[0]!.text,
    );
    expect(history).toEqual(['one', 're: one', 'two, edited', 're: two, edited']);
  });
});

describe('a history rebuilt from the record', () => {
  it('gives the model the earlier exchanges as text, tool calls and results folded in, when the history expired', async () => {
    const who = user();
    stack.emulator.script([
      { when: { lastUserText: 'echo it' }, reply: { toolUses: [{ name: 'everything__echo', input: { message: 'fact-42' } }] } },
      { when: { afterToolResult: 'everything__echo' }, reply: { text: 'echoed' } },
      { when: { lastUserText: 'what was it' }, reply: { text: 'fact-42' } },
    ]);
    const job = (content: string) => chatJob({ model: CLAUDE, userId: who, keepSession: true, conversationId: 'conv-old', mcpServerIds: ['everything'], messages: [{ role: 'user', content }] });
    await stack.client.run(job('echo it'));
    // The history expired (HISTORY_CONVERSATION_TTL_S: the list and its epoch); the record is still there.
    const scope = { userId: who, conversationId: 'conv-old' };
    await stack.redis.client.del(stack.client.historyKeys.history(scope), stack.client.historyKeys.epoch(scope));
    await stack.client.run(job('what was it'));
    const sent = textsSent(bedrockRequests().findLast((request) => textsSent(request).at(-1) === 'user:what was it'));
    expect(sent).toHaveLength(3);
    expect(sent[0]).toBe('user:echo it');
    expect(sent[1]).toMatch(/^assistant:\[called the tool everything__echo with \{"message":"fact-42"\}; it returned: Echo: fact-42\]\n\nechoed$/);
    expect(sent[2]).toBe('user:what was it');
    // And is saved again as the conversation's history.
    expect(await stack.redis.client.llen(stack.client.historyKeys.history(scope))).toBe(4);

    // A history its user cleared (POST /v1/remove/history) stays forgotten.
    await stack.client.clearHistory(scope);
    await stack.client.run(job('what was it'));
    expect(textsSent(bedrockRequests().at(-1))).toEqual(['user:what was it']);
  });
});

describe('titles', () => {
  it('asks the model for a title after the first exchange, without delaying done, and publishes the change', async () => {
    const who = user();
    stack.emulator.script([
      { when: { lastUserText: TITLE_PROMPT }, reply: { text: '"Paris Weather Today."', chunkDelayMs: 300, chunkCount: 3 } },
      { when: { lastUserText: 'weather in paris' }, reply: { text: 'Sunny.' } },
    ]);
    const started = Date.now();
    await stack.client.run(chatJob({ model: CLAUDE, userId: who, keepSession: true, conversationId: 'conv-title', messages: [{ role: 'user', content: 'weather in paris?' }] }));
    const turnMs = Date.now() - started;
    expect((await store.summary(who, 'conv-title'))?.title_source).toBe('first_message');
    await expect.poll(async () => (await store.summary(who, 'conv-title'))?.title, { timeout: 5000 }).toBe('Paris Weather Today');
    expect(Date.now() - started).toBeGreaterThan(turnMs);
    expect((await store.summary(who, 'conv-title'))?.title_source).toBe('model');
    const titleRequest = bedrockRequests().find((request) => textsSent(request)[0]?.includes(TITLE_PROMPT));
    expect(textsSent(titleRequest)).toEqual([`user:${TITLE_PROMPT}`]);
    expect(titleRequest!.body.system).toEqual([{ text: expect.stringContaining('User: weather in paris?\n\nAssistant: Sunny.') }]);
    expect(titleRequest!.body.toolConfig).toBeUndefined();
    expect(titleRequest!.body.inferenceConfig).toMatchObject({ maxTokens: 30 });
    await expect.poll(() => changes.filter((change) => change.user_id === who).map((change) => change.change)).toEqual(['messages_added', 'messages_added', 'updated']);
  });

  it('titles through an OpenAI-compatible model too', async () => {
    const who = user();
    stack.emulator.script([
      { when: { provider: 'openai', lastUserText: TITLE_PROMPT }, reply: { text: 'Title: Soup recipes' } },
      { when: { provider: 'openai', lastUserText: 'soup' }, reply: { text: 'Try lentils.' } },
    ]);
    await stack.client.run(chatJob({ model: DEEPSEEK, userId: who, keepSession: true, conversationId: 'conv-oa', messages: [{ role: 'user', content: 'a soup idea?' }] }));
    await expect.poll(async () => (await store.summary(who, 'conv-oa'))?.title, { timeout: 5000 }).toBe('Soup recipes');
  });

  it('never replaces a title the user set, nor asks the model for one', async () => {
    const who = user();
    await store.create(who, 'conv-mine', { title: 'My own title' }, Date.now());
    stack.emulator.script([
      { when: { lastUserText: TITLE_PROMPT }, reply: { text: 'Model title' } },
      { when: { lastUserText: 'hello' }, reply: { text: 'hi' } },
    ]);
    await stack.client.run(chatJob({ model: CLAUDE, userId: who, keepSession: true, conversationId: 'conv-mine', messages: [{ role: 'user', content: 'hello' }] }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await store.summary(who, 'conv-mine')).toMatchObject({ title: 'My own title', title_source: 'user', message_count: 2 });
    expect(bedrockRequests().some((request) => textsSent(request)[0]?.includes(TITLE_PROMPT))).toBe(false);
  });
});
