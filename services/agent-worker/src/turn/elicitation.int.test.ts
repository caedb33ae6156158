import { createLogger, createRedis } from '@bedrock-mcp/common';
import type { StreamEvent } from '@bedrock-mcp/contracts';
import { AnswerWaiter, TurnAsks, TurnEmitter } from '@bedrock-mcp/turns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatJob } from '../testing/turn-client.js';
import { CLAUDE, startWorkerStack, type WorkerStack } from '../testing/worker-stack.js';
import { ElicitationRelay } from './elicitation-relay.js';

let stack: WorkerStack;
let asks: TurnAsks;
const logger = createLogger({ service: 'test', level: 'silent' });

beforeAll(async () => {
  stack = await startWorkerStack('elicit');
  await stack.startWorker();
  asks = new TurnAsks(stack.client.redis, stack.client.turnKeys, { ttlSeconds: 60 });
}, 60_000);
afterAll(() => stack?.close());
beforeEach(() => stack.emulator.reset());

const of = <T extends StreamEvent['type']>(events: StreamEvent[], type: T) => events.filter((event): event is Extract<StreamEvent, { type: T }> => event.type === type);
const TOOL = 'everything__trigger-elicitation-request';

/** Runs a turn whose model calls the elicitation tool; `answer` answers the ask it sees (what the gateway does for the owner). */
async function turnWithElicitation(answer: (askId: string, turnId: string) => Promise<unknown>): Promise<StreamEvent[]> {
  stack.emulator.script([
    { when: { lastUserText: 'fill the form' }, reply: { toolUses: [{ name: TOOL, input: {} }] } },
    { when: { afterToolResult: TOOL }, reply: ({ lastToolResultText }) => ({ text: `Got: ${lastToolResultText}` }) },
  ]);
  const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'fill the form' }], mcpServerIds: ['everything'] });
  const asked = await stack.client.watch(job.turnId, 20_000, (events) => events.some((event) => event.type === 'approval_request'));
  const done = await stack.client.watch(job.turnId, 20_000);
  await stack.client.enqueue(job);
  const [request] = of(await asked.until, 'approval_request');
  await answer(request!.asks[0]!.id, job.turnId);
  return done.until;
}

describe('an MCP elicitation during a turn (real worker, pool, server-everything, Redis)', () => {
  it('asks the person, relays the accepted form to the server, and the model sees the result', async () => {
    let answered: unknown;
    const events = await turnWithElicitation(async (askId, turnId) => {
      answered = await asks.answer(turnId, { approvals: [], elicitations: [{ id: askId, action: 'accept', content: { name: 'Ada Lovelace', check: true } }] });
    });
    expect(answered).toMatchObject({ kind: 'accepted', pendingApprovals: [] });
    const [call] = of(events, 'tool_call');
    const [request] = of(events, 'approval_request');
    expect(request!.asks).toEqual([
      {
        kind: 'elicitation',
        id: expect.stringMatching(/^ask_/),
        toolUseId: call!.toolUseId,
        serverId: 'everything',
        message: 'Please provide inputs for the following fields:',
        requestedSchema: expect.objectContaining({ type: 'object', required: ['name'] }),
      },
    ]);
    expect(request!.expiresAt).toBeGreaterThan(Date.now() + 800_000); // APPROVAL_TIMEOUT_S default 900
    expect(of(events, 'approval_answer')).toMatchObject([{ askId: request!.asks[0]!.id, outcome: 'accepted' }]);
    const [result] = of(events, 'tool_result');
    expect(result).toMatchObject({ isError: false });
    expect(JSON.stringify(result!.content)).toContain('- Name: Ada Lovelace');
    expect(of(events, 'text_delta').map((event) => event.text).join('')).toContain('Name: Ada Lovelace');
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'end_turn' });
  });

  it('relays a decline, and the answer cannot be given twice', async () => {
    let again: unknown;
    const events = await turnWithElicitation(async (askId, turnId) => {
      await asks.answer(turnId, { approvals: [], elicitations: [{ id: askId, action: 'decline' }] });
      again = await asks.answer(turnId, { approvals: [], elicitations: [{ id: askId, action: 'accept', content: { name: 'x' } }] });
    });
    expect(again).toMatchObject({ kind: 'answered' });
    expect(of(events, 'approval_answer')).toMatchObject([{ outcome: 'declined' }]);
    expect(JSON.stringify(of(events, 'tool_result')[0]!.content)).toContain('declined');
  });
});

describe('ElicitationRelay with a real AnswerWaiter and Redis', () => {
  let subscriber: ReturnType<typeof createRedis>;
  let waiter: AnswerWaiter;
  beforeAll(async () => {
    subscriber = createRedis(stack.redis.url, 'test-relay-answers');
    waiter = new AnswerWaiter(subscriber, asks, stack.client.turnKeys, logger);
    await waiter.start();
  });
  afterAll(async () => {
    waiter.close();
    await subscriber.quit();
  });

  const question = { message: 'Your name?', requestedSchema: { type: 'object' as const, properties: { name: { type: 'string' } } } };

  it('answers cancel when nobody answers in time, and tells the stream the ask expired', async () => {
    const relay = new ElicitationRelay({ asks, answers: waiter, timeoutSeconds: 1, logger });
    const turnId = 'turn-relay-expiry';
    const emitter = new TurnEmitter(stack.client.events, turnId, logger);
    const started = Date.now();
    const reply = await relay.forCall({ turnId, toolUseId: 'tu_1', serverId: 'everything', emitter })(question, new AbortController().signal);
    expect(reply).toEqual({ action: 'cancel' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    await emitter.flush();
    const events = await stack.client.events.readAfter(turnId, 0);
    expect(events.map((event) => event.type)).toEqual(['approval_request', 'approval_answer']);
    expect(events[1]).toMatchObject({ outcome: 'expired' });
    const askId = (events[0] as Extract<StreamEvent, { type: 'approval_request' }>).asks[0]!.id;
    expect(await asks.answer(turnId, { approvals: [], elicitations: [{ id: askId, action: 'decline' }] })).toMatchObject({ kind: 'expired' });
  });

  it('expires the ask when the tool call ends first, so a later answer is refused', async () => {
    const relay = new ElicitationRelay({ asks, answers: waiter, timeoutSeconds: 600, logger });
    const turnId = 'turn-relay-ended';
    const emitter = new TurnEmitter(stack.client.events, turnId, logger);
    const callEnded = new AbortController();
    const replying = relay.forCall({ turnId, toolUseId: 'tu_2', serverId: 'everything', emitter })(question, callEnded.signal);
    await expect.poll(async () => (await asks.pending(turnId)).length).toBe(1);
    const [ask] = await asks.pending(turnId);
    callEnded.abort(new Error('call over'));
    expect(await replying).toEqual({ action: 'cancel' });
    expect(await asks.answer(turnId, { approvals: [], elicitations: [{ id: ask!.id, action: 'decline' }] })).toMatchObject({ kind: 'expired' });
  });
});
