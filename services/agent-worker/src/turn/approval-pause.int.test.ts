import type { ApprovalAsk, StreamEvent } from '@bedrock-mcp/contracts';
import type { BedrockRecordedRequest } from '@bedrock-mcp/test-support';
import { ActiveTurns } from '@bedrock-mcp/turns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatJob } from '../testing/turn-client.js';
import { CLAUDE, startWorkerStack, type WorkerStack } from '../testing/worker-stack.js';

let stack: WorkerStack;
const APPROVAL_TIMEOUT_S = 5;
/** Shorter than a wait for approval: the turn deadline must not count the wait. */
const TURN_TIMEOUT_MS = 4000;

beforeAll(async () => {
  stack = await startWorkerStack('approval');
  await stack.startWorker({ APPROVAL_TIMEOUT_S: String(APPROVAL_TIMEOUT_S), TURN_TIMEOUT_MS: String(TURN_TIMEOUT_MS) });
}, 60_000);
afterAll(() => stack?.close());
beforeEach(() => stack.emulator.reset());

const of = <T extends StreamEvent['type']>(events: StreamEvent[], type: T) => events.filter((event): event is Extract<StreamEvent, { type: T }> => event.type === type);
const bedrockRequests = () => stack.emulator.requests.filter((request): request is BedrockRecordedRequest => request.provider === 'bedrock');
const text = (events: StreamEvent[]) => of(events, 'text_delta').map((event) => event.text).join('');
const asked = (events: StreamEvent[]) => events.some((event) => event.type === 'approval_request');

/** The model calls guarded__echo (needs approval) and guarded__get-sum (does not) on `prompt`, then reports every result. */
function scriptGuardedRound(prompt: string, message = 'secret'): void {
  stack.emulator.script([
    { when: { lastUserText: prompt }, reply: { toolUses: [{ name: 'guarded__echo', input: { message } }, { name: 'guarded__get-sum', input: { a: 1, b: 2 } }] } },
    { when: { afterToolResult: 'guarded__get-sum' }, reply: ({ toolResults }) => ({ text: toolResults.map((result) => `${result.isError ? 'ERR' : 'OK'}:${result.text}`).join(' | ') }) },
  ]);
}

/** Enqueues the job; resolves with the pause (its events up to approval_request, and the ask) and a promise of the turn's end. */
async function startUntilPaused(job: ReturnType<typeof chatJob>, timeoutMs = 20_000): Promise<{ ask: ApprovalAsk; paused: StreamEvent[]; finished: Promise<StreamEvent[]> }> {
  const pausing = await stack.client.watch(job.turnId, timeoutMs, asked);
  const finishing = await stack.client.watch(job.turnId, timeoutMs + APPROVAL_TIMEOUT_S * 1000);
  await stack.client.enqueue(job);
  const paused = await pausing.until;
  const [request] = of(paused, 'approval_request');
  const ask = request!.asks[0]!;
  if (ask.kind !== 'approval') throw new Error('expected an approval');
  return { ask, paused, finished: finishing.until };
}

describe('a turn paused for approval', () => {
  it('runs the round’s other calls, pauses without a worker job, and on approval runs the tool; the model gets both results', async () => {
    scriptGuardedRound('approve me');
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'approve me' }], mcpServerIds: ['guarded'], userId: 'ann' });
    // Shorter than the approval wait (5 s), so only the pause can have held the slot this long; long enough for a loaded machine to reach the pause.
    const slots = new ActiveTurns(stack.client.redis, stack.client.turnKeys, { slotTtlMs: 4000 });
    await slots.admit(job, 5, { window: { windowStart: 0, ttlMs: 60_000 }, limit: 100 });
    const { ask, paused, finished } = await startUntilPaused(job);

    expect(ask).toMatchObject({ kind: 'approval', name: 'guarded__echo', serverId: 'guarded', toolName: 'echo', input: { message: 'secret' }, reason: 'server guarded requires approval for echo' });
    expect(ask.id).toMatch(/^ask_[A-Za-z0-9_-]{8,64}$/);
    const [request] = of(paused, 'approval_request');
    expect(request!.expiresAt).toBeGreaterThan(Date.now() + (APPROVAL_TIMEOUT_S - 2) * 1000);
    // The call that needs no approval ran before the pause; the guarded one did not.
    expect(of(paused, 'tool_result').map((event) => event.name)).toEqual(['guarded__get-sum']);
    await expect.poll(() => stack.client.jobState(job.turnId)).toBe('completed');
    const checkpoint = JSON.parse((await stack.client.redis.get(stack.client.turnKeys.turnCheckpoint(job.turnId)))!) as { status: string };
    expect(checkpoint.status).toBe('awaiting_approval');
    // The slot is held through the wait, and the turn's log outlives it.
    expect(Number(await stack.client.redis.zscore(stack.client.turnKeys.userActiveTurns(job.userId), job.turnId))).toBeGreaterThanOrEqual(request!.expiresAt);
    expect(await stack.client.redis.ttl(stack.client.turnKeys.turnLog(job.turnId))).toBeGreaterThan(3600);

    const answeredAt = Date.now();
    expect(await stack.client.answer(job.turnId, { approvals: [{ id: ask.id, decision: 'approve' }] })).toMatchObject({ kind: 'accepted', pendingApprovals: [] });
    const events = await finished;
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'end_turn' });
    const pauseMs = request!.ts - of(paused, 'round_end')[0]!.ts;
    console.info(`pause: round_end → approval_request ${pauseMs} ms; answer → approval_answer ${of(events, 'approval_answer')[0]!.ts - answeredAt} ms`);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(of(events, 'approval_answer')).toEqual([expect.objectContaining({ askId: ask.id, outcome: 'approved' })]);
    expect(of(events, 'start')).toHaveLength(1);
    expect(of(events, 'tool_result').map((event) => [event.name, event.isError])).toEqual([
      ['guarded__get-sum', false],
      ['guarded__echo', false],
    ]);
    expect(text(events)).toBe('OK:Echo: secret | OK:The sum of 1 and 2 is 3.');
    expect(await stack.client.redis.zscore(stack.client.turnKeys.userActiveTurns(job.userId), job.turnId)).toBeNull();
  }, 30_000);

  it('gives the model a denial (with the person’s message) as an error result it answers', async () => {
    scriptGuardedRound('deny me');
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'deny me' }], mcpServerIds: ['guarded'] });
    const { ask, finished } = await startUntilPaused(job);
    await stack.client.answer(job.turnId, { approvals: [{ id: ask.id, decision: 'deny', message: 'not that one' }] });
    const events = await finished;
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'end_turn' });
    expect(of(events, 'approval_answer')).toEqual([expect.objectContaining({ askId: ask.id, outcome: 'denied' })]);
    expect(text(events)).toContain('ERR:The user denied the call of guarded__echo; it was not run. Their message: not that one');
    const sent = bedrockRequests().at(-1)!.body.messages!.at(-1)!.content.map((block) => block.toolResult?.status);
    expect(sent).toEqual(['error', 'success']);
  }, 30_000);

  it('runs the tool with the arguments the person edited, and tells the model so (with their message)', async () => {
    scriptGuardedRound('edit me');
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'edit me' }], mcpServerIds: ['guarded'] });
    const { ask, finished } = await startUntilPaused(job);
    await stack.client.answer(job.turnId, { approvals: [{ id: ask.id, decision: 'approve', arguments: { message: 'toned down' }, message: 'I softened it' }] });
    const events = await finished;
    expect(of(events, 'approval_answer')).toEqual([expect.objectContaining({ askId: ask.id, outcome: 'approved', edited: true })]);
    expect(of(events, 'tool_call').find((event) => event.name === 'guarded__echo')).toMatchObject({ input: { message: 'toned down' } });
    const reply = text(events);
    expect(reply).toContain('OK:Echo: toned down');
    expect(reply).toContain('A person changed the arguments before approving this call; it ran with {"message":"toned down"}.');
    expect(reply).toContain('Message from the person who approved it: I softened it');
    expect(reply).not.toContain('Echo: secret');
  }, 30_000);

  it('expires an unanswered approval after APPROVAL_TIMEOUT_S: the model is told, a late answer is refused, and the wait does not count against TURN_TIMEOUT_MS', async () => {
    scriptGuardedRound('nobody answers');
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'nobody answers' }], mcpServerIds: ['guarded'] });
    const { ask, finished } = await startUntilPaused(job);
    const events = await finished;
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'end_turn' });
    expect(of(events, 'approval_answer')).toEqual([expect.objectContaining({ askId: ask.id, outcome: 'expired' })]);
    expect(text(events)).toContain(`ERR:Tool guarded__echo was not run: no one approved it within ${APPROVAL_TIMEOUT_S} s.`);
    expect(events.at(-1)!.ts - events[0]!.ts).toBeGreaterThan(TURN_TIMEOUT_MS);
    expect(await stack.client.answer(job.turnId, { approvals: [{ id: ask.id, decision: 'approve' }] })).toEqual({ kind: 'expired', id: ask.id });
  }, 30_000);

  it('refuses a second answer to the same approval', async () => {
    scriptGuardedRound('answer twice');
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'answer twice' }], mcpServerIds: ['guarded'] });
    const { ask, finished } = await startUntilPaused(job);
    expect(await stack.client.answer(job.turnId, { approvals: [{ id: ask.id, decision: 'deny' }] })).toMatchObject({ kind: 'accepted' });
    expect(await stack.client.answer(job.turnId, { approvals: [{ id: ask.id, decision: 'approve' }] })).toEqual({ kind: 'answered', id: ask.id });
    expect(text(await finished)).toContain('ERR:The user denied');
  }, 30_000);

  it('ends a paused turn at once on a stop request (stop_requested), without waiting for the expiry', async () => {
    scriptGuardedRound('stop me');
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'stop me' }], mcpServerIds: ['guarded'] });
    const { ask, finished } = await startUntilPaused(job);
    const stoppedAt = Date.now();
    await stack.client.stop(job.turnId);
    const events = await finished;
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop_requested' });
    expect(Date.now() - stoppedAt).toBeLessThan(APPROVAL_TIMEOUT_S * 1000 - 1000);
    expect(of(events, 'tool_result').map((event) => event.name)).toEqual(['guarded__get-sum']);
    expect(await stack.client.answer(job.turnId, { approvals: [{ id: ask.id, decision: 'approve' }] })).toEqual({ kind: 'expired', id: ask.id });
  }, 30_000);
});

describe('a keep_session turn paused for approval', () => {
  it('does not hold the user\'s history lock while it waits, and saves the whole exchange once resumed', async () => {
    const userId = `keep-${Math.random().toString(36).slice(2, 8)}`;
    stack.emulator.script([
      { when: { lastUserText: 'keep and ask' }, reply: { toolUses: [{ name: 'guarded__echo', input: { message: 'kept' } }] } },
      { when: { afterToolResult: 'guarded__echo' }, reply: ({ lastToolResultText }) => ({ text: `said: ${lastToolResultText}` }) },
    ]);
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'keep and ask' }], mcpServerIds: ['guarded'], userId, keepSession: true });
    const { ask, finished } = await startUntilPaused(job);
    await expect.poll(() => stack.client.redis.exists(stack.client.historyKeys.lock({ userId, conversationId: null }))).toBe(0);
    await stack.client.answer(job.turnId, { approvals: [{ id: ask.id, decision: 'approve' }] });
    expect(text(await finished)).toBe('said: Echo: kept');
    const stored = (await stack.client.redis.lrange(stack.client.historyKeys.history({ userId, conversationId: null }), 0, -1)).map((json) => (JSON.parse(json) as { role: string }).role);
    expect(stored).toEqual(['user', 'assistant', 'user', 'assistant']);
  }, 30_000);
});

describe('several approvals', () => {
  it('waits for every approval of a round, then pauses again for a later round (a second resume job)', async () => {
    stack.emulator.script([
      { when: { lastUserText: 'two then one' }, reply: { toolUses: [{ name: 'guarded__echo', input: { message: 'a' } }, { name: 'guarded__echo', input: { message: 'b' } }] } },
      { when: { afterToolResult: 'guarded__echo' }, times: 1, reply: { toolUses: [{ name: 'guarded__echo', input: { message: 'c' } }] } },
      { when: { afterToolResult: 'guarded__echo' }, reply: ({ toolResults }) => ({ text: toolResults.map((result) => `${result.isError ? 'ERR' : 'OK'}:${result.text}`).join(' | ') }) },
    ]);
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'two then one' }], mcpServerIds: ['guarded'] });
    const { paused } = await startUntilPaused(job);
    const [first, second] = of(paused, 'approval_request')[0]!.asks;
    expect(of(paused, 'approval_request')[0]!.asks).toHaveLength(2);
    const secondPause = await stack.client.watch(job.turnId, 20_000, (events) => of(events, 'approval_request').length === 2);
    const finished = await stack.client.watch(job.turnId, 20_000);

    expect(await stack.client.answer(job.turnId, { approvals: [{ id: first!.id, decision: 'approve' }] })).toMatchObject({ kind: 'accepted', pendingApprovals: [second!.id] });
    expect(await stack.client.jobState(`${job.turnId}-resume-1`)).toBe('delayed');
    expect(await stack.client.answer(job.turnId, { approvals: [{ id: second!.id, decision: 'deny' }] })).toMatchObject({ kind: 'accepted', pendingApprovals: [] });
    const third = of(await secondPause.until, 'approval_request')[1]!.asks[0]!;
    expect(third).toMatchObject({ input: { message: 'c' } });
    expect(await stack.client.answer(job.turnId, { approvals: [{ id: third.id, decision: 'approve' }] })).toMatchObject({ kind: 'accepted', resumeJobId: `${job.turnId}-resume-2` });
    const events = await finished.until;
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'end_turn' });
    expect(of(events, 'approval_answer').map((event) => event.outcome)).toEqual(['approved', 'denied', 'approved']);
    const resultOf = (toolUseId: string) => of(events, 'tool_result').find((event) => event.toolUseId === toolUseId);
    expect([first!, second!, third].map((ask) => resultOf(ask.toolUseId)?.isError)).toEqual([false, true, false]);
    expect(text(events)).toBe('OK:Echo: c');
    const secondRound = bedrockRequests()[1]!.body.messages!.at(-1)!.content.map((block) => block.toolResult?.status);
    expect(secondRound).toEqual(['success', 'error']);
  }, 30_000);
});

describe('approve for this conversation', () => {
  const echoTurn = (prompt: string) =>
    stack.emulator.script([
      { when: { lastUserText: prompt }, reply: { toolUses: [{ name: 'guarded__echo', input: { message: prompt } }] } },
      { when: { afterToolResult: 'guarded__echo' }, reply: ({ lastToolResultText }) => ({ text: `said: ${lastToolResultText}` }) },
    ]);

  it('skips approval for that tool in later turns of the same user and conversation_id, not for another user or conversation', async () => {
    echoTurn('first');
    const first = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'first' }], mcpServerIds: ['guarded'], userId: 'uma', conversationId: 'conv-1' });
    const { ask, finished } = await startUntilPaused(first);
    await stack.client.answer(first.turnId, { approvals: [{ id: ask.id, decision: 'approve', remember: 'conversation' }] });
    expect(text(await finished)).toBe('said: Echo: first');

    echoTurn('second');
    const second = await stack.client.run(chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'second' }], mcpServerIds: ['guarded'], userId: 'uma', conversationId: 'conv-1' }));
    expect(asked(second)).toBe(false);
    expect(text(second)).toBe('said: Echo: second');

    for (const other of [
      { userId: 'vic', conversationId: 'conv-1' },
      { userId: 'uma', conversationId: 'conv-2' },
      { userId: 'uma', conversationId: undefined },
    ]) {
      echoTurn('third');
      const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'third' }], mcpServerIds: ['guarded'], ...other });
      const paused = await startUntilPaused(job);
      await stack.client.answer(job.turnId, { approvals: [{ id: paused.ask.id, decision: 'deny' }] });
      expect(text(await paused.finished)).toContain('The user denied');
    }
  }, 60_000);

  it('without a conversation_id, applies to the rest of the turn', async () => {
    stack.emulator.script([
      { when: { lastUserText: 'twice' }, reply: { toolUses: [{ name: 'guarded__echo', input: { message: 'one' } }] } },
      { when: { afterToolResult: 'guarded__echo' }, times: 1, reply: { toolUses: [{ name: 'guarded__echo', input: { message: 'two' } }] } },
      { when: { afterToolResult: 'guarded__echo' }, reply: ({ lastToolResultText }) => ({ text: `last: ${lastToolResultText}` }) },
    ]);
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'twice' }], mcpServerIds: ['guarded'], userId: 'wes' });
    const { ask, finished } = await startUntilPaused(job);
    await stack.client.answer(job.turnId, { approvals: [{ id: ask.id, decision: 'approve', remember: 'conversation' }] });
    const events = await finished;
    expect(of(events, 'approval_request')).toHaveLength(1);
    expect(text(events)).toBe('last: Echo: two');
  }, 30_000);
});
