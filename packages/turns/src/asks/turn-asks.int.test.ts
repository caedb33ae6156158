import type { TurnAsk } from '@bedrock-mcp/contracts';
import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTurnKeys, type TurnKeys } from '../turn-keys.js';
import { TurnAsks } from './turn-asks.js';

let redis: TestRedis;
let keys: TurnKeys;
let asks: TurnAsks;

beforeEach(async () => {
  redis = await startTestRedis('turn-asks');
  keys = createTurnKeys(redis.prefix);
  asks = new TurnAsks(redis.client, keys, { ttlSeconds: 60 });
});
afterEach(() => redis.close());

const approval = (id: string, toolUseId = `tu-${id}`): TurnAsk => ({
  kind: 'approval',
  id,
  toolUseId,
  name: 'guarded__echo',
  serverId: 'guarded',
  toolName: 'echo',
  input: { message: 'hi' },
  reason: 'server guarded requires approval for echo',
});
const elicitation = (id: string): TurnAsk => ({
  kind: 'elicitation',
  id,
  toolUseId: 'tu-e',
  serverId: 'everything',
  message: 'Your name?',
  requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
});
const A1 = 'ask_aaaaaaaa1';
const A2 = 'ask_aaaaaaaa2';
const E1 = 'ask_eeeeeeee1';
const later = () => Date.now() + 60_000;

describe('TurnAsks', () => {
  it('records answers all or none: one unknown id refuses the whole call, and nothing of it is kept', async () => {
    await asks.open('t1', [approval(A1), approval(A2)], later(), 't1-resume-1');
    const refused = await asks.answer('t1', { approvals: [{ id: A1, decision: 'approve' }, { id: 'ask_nosuchask', decision: 'deny' }], elicitations: [] });
    expect(refused).toEqual({ kind: 'unknown_ask', id: 'ask_nosuchask' });
    expect((await asks.pending('t1')).map((ask) => ask.id).sort()).toEqual([A1, A2]);

    expect(await asks.answer('t1', { approvals: [{ id: A1, decision: 'approve' }], elicitations: [] })).toEqual({ kind: 'accepted', pendingApprovals: [A2], resumeJobId: 't1-resume-1' });
    expect(await asks.answer('t1', { approvals: [{ id: A2, decision: 'deny', message: 'no' }], elicitations: [] })).toEqual({ kind: 'accepted', pendingApprovals: [], resumeJobId: 't1-resume-1' });
    expect(await asks.pending('t1')).toEqual([]);
  });

  it('refuses an answer of the wrong kind, an ask answered twice, and one past its expiry', async () => {
    await asks.open('t2', [approval(A1), elicitation(E1)], later());
    expect(await asks.answer('t2', { approvals: [{ id: E1, decision: 'approve' }], elicitations: [] })).toEqual({ kind: 'wrong_kind', id: E1 });
    expect(await asks.answer('t2', { approvals: [], elicitations: [{ id: A1, action: 'decline' }] })).toEqual({ kind: 'wrong_kind', id: A1 });
    // An elicitation does not count among the approvals still pending.
    expect(await asks.answer('t2', { approvals: [{ id: A1, decision: 'approve' }], elicitations: [] })).toEqual({ kind: 'accepted', pendingApprovals: [], resumeJobId: undefined });
    expect(await asks.answer('t2', { approvals: [{ id: A1, decision: 'deny' }], elicitations: [] })).toEqual({ kind: 'answered', id: A1 });

    const expiresAt = Date.now() + 50;
    await asks.open('t3', [approval(A1)], expiresAt);
    expect(await asks.answer('t3', { approvals: [{ id: A1, decision: 'approve' }], elicitations: [] }, expiresAt)).toEqual({ kind: 'expired', id: A1 });
    expect(await asks.pending('t3', expiresAt)).toEqual([]);
  });

  it('publishes the turn id on the answers channel when answers are recorded', async () => {
    const subscriber = redis.client.duplicate();
    try {
      const heard = new Promise<string>((resolve) => subscriber.on('message', (_channel: string, message: string) => resolve(message)));
      await subscriber.subscribe(keys.answersChannel());
      await asks.open('t4', [elicitation(E1)], later());
      await asks.answer('t4', { approvals: [], elicitations: [{ id: E1, action: 'accept', content: { name: 'Ann' } }] });
      expect(await heard).toBe('t4');
    } finally {
      subscriber.disconnect();
    }
  });

  it('settles: answered asks give their answer, pending ones expire (a late answer is then refused), unknown ids say so', async () => {
    await asks.open('t5', [approval(A1), approval(A2)], later());
    await asks.answer('t5', { approvals: [{ id: A1, decision: 'approve', arguments: { message: 'edited' }, remember: 'conversation' }], elicitations: [] });
    const settled = await asks.settle('t5', [A1, A2, 'ask_nosuchask']);
    expect(settled.get(A1)).toEqual({ state: 'answered', answer: { id: A1, decision: 'approve', arguments: { message: 'edited' }, remember: 'conversation' } });
    expect(settled.get(A2)).toEqual({ state: 'expired' });
    expect(settled.get('ask_nosuchask')).toEqual({ state: 'unknown' });
    expect(await asks.answer('t5', { approvals: [{ id: A2, decision: 'approve' }], elicitations: [] })).toEqual({ kind: 'expired', id: A2 });
    // Settling again reads the same.
    expect([...(await asks.settle('t5', [A1, A2])).values()].map((s) => s.state)).toEqual(['answered', 'expired']);
  });

  it('opening the same asks again (a pause redone) keeps an answer already given', async () => {
    await asks.open('t6', [approval(A1)], later(), 't6-resume-1');
    await asks.answer('t6', { approvals: [{ id: A1, decision: 'deny' }], elicitations: [] });
    await asks.open('t6', [approval(A1)], later(), 't6-resume-1');
    expect((await asks.settle('t6', [A1])).get(A1)).toEqual({ state: 'answered', answer: { id: A1, decision: 'deny' } });
  });

  it('does not list an ask past its expiry as pending, and the record outlives the expiry by ttlSeconds', async () => {
    await asks.open('t7', [approval(A1)], Date.now() + 30);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await asks.pending('t7')).toEqual([]);
    const ttl = await redis.client.pttl(keys.turnAsks('t7'));
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});
