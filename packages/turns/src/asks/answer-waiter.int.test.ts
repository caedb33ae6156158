import { createLogger, createRedis } from '@bedrock-mcp/common';
import type { ElicitationAsk } from '@bedrock-mcp/contracts';
import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTurnKeys } from '../turn-keys.js';
import { AnswerWaiter } from './answer-waiter.js';
import { TurnAsks } from './turn-asks.js';

let redis: TestRedis;
let subscriber: ReturnType<typeof createRedis>;
let asks: TurnAsks;
let waiter: AnswerWaiter;

beforeAll(async () => {
  redis = await startTestRedis('answer-waiter');
  const keys = createTurnKeys(redis.prefix);
  subscriber = createRedis(redis.url, 'test-answers-sub');
  asks = new TurnAsks(redis.client, keys, { ttlSeconds: 60 });
  waiter = new AnswerWaiter(subscriber, asks, keys, createLogger({ service: 'test', level: 'silent' }));
  await waiter.start();
});
afterAll(async () => {
  waiter?.close();
  await subscriber?.quit();
  await redis?.close();
});

let serial = 0;
function ask(): ElicitationAsk {
  serial += 1;
  return {
    kind: 'elicitation',
    id: `ask_waiter${String(serial).padStart(4, '0')}`,
    toolUseId: `tu_${serial}`,
    serverId: 'everything',
    message: 'Your name?',
    requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
  };
}

const accept = (id: string, name: string) => ({ approvals: [], elicitations: [{ id, action: 'accept' as const, content: { name } }] });

describe('AnswerWaiter', () => {
  it('wakes on the answer and resolves with it', async () => {
    const question = ask();
    await asks.open('turn-w1', [question], Date.now() + 30_000);
    const started = Date.now();
    const waited = waiter.wait('turn-w1', question.id, Date.now() + 30_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await asks.answer('turn-w1', accept(question.id, 'Ada'))).toMatchObject({ kind: 'accepted' });
    expect(await waited).toEqual({ state: 'answered', answer: { id: question.id, action: 'accept', content: { name: 'Ada' } } });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('sees an answer given before it started waiting', async () => {
    const question = ask();
    await asks.open('turn-w2', [question], Date.now() + 30_000);
    await asks.answer('turn-w2', { approvals: [], elicitations: [{ id: question.id, action: 'decline' }] });
    expect(await waiter.wait('turn-w2', question.id, Date.now() + 30_000)).toEqual({ state: 'answered', answer: { id: question.id, action: 'decline' } });
  });

  it('expires the ask at its expiry, after which an answer is refused', async () => {
    const question = ask();
    const expiresAt = Date.now() + 300;
    await asks.open('turn-w3', [question], expiresAt);
    expect(await waiter.wait('turn-w3', question.id, expiresAt)).toEqual({ state: 'expired' });
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    expect(await asks.answer('turn-w3', accept(question.id, 'Late'))).toEqual({ kind: 'expired', id: question.id });
  });

  it('wakes only the waiter whose ask was answered', async () => {
    const [first, second] = [ask(), ask()];
    await asks.open('turn-w4', [first, second], Date.now() + 30_000);
    let secondDone = false;
    const waitSecond = waiter.wait('turn-w4', second.id, Date.now() + 30_000).then((settled) => ((secondDone = true), settled));
    const waitFirst = waiter.wait('turn-w4', first.id, Date.now() + 30_000);
    await asks.answer('turn-w4', accept(first.id, 'One'));
    expect(await waitFirst).toMatchObject({ state: 'answered' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(secondDone).toBe(false);
    await asks.answer('turn-w4', accept(second.id, 'Two'));
    expect(await waitSecond).toMatchObject({ state: 'answered', answer: { content: { name: 'Two' } } });
  });

  it('stops waiting on abort and leaves the ask pending', async () => {
    const question = ask();
    await asks.open('turn-w5', [question], Date.now() + 30_000);
    const abort = new AbortController();
    const waited = waiter.wait('turn-w5', question.id, Date.now() + 30_000, abort.signal);
    setTimeout(() => abort.abort(new Error('call ended')), 50);
    await expect(waited).rejects.toThrow('call ended');
    expect((await asks.pending('turn-w5')).map((pending) => pending.id)).toEqual([question.id]);
  });

  it('sees an answer published while its subscription was down once it reconnects', async () => {
    const question = ask();
    await asks.open('turn-w6', [question], Date.now() + 30_000);
    const waited = waiter.wait('turn-w6', question.id, Date.now() + 30_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = new Promise((resolve) => subscriber.once('close', resolve));
    subscriber.disconnect(true);
    await closed;
    await asks.answer('turn-w6', accept(question.id, 'Offline'));
    expect(await waited).toMatchObject({ state: 'answered', answer: { content: { name: 'Offline' } } });
  });
});
