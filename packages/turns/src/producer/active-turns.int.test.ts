import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActiveTurns } from './active-turns.js';
import { createTurnKeys } from '../turn-keys.js';

describe('ActiveTurns (concurrent-turn slots per user)', () => {
  let redis: TestRedis;
  let now = 1_000_000;
  let slots: ActiveTurns;

  beforeEach(async () => {
    redis = await startTestRedis('active-turns');
    now = 1_000_000;
    slots = new ActiveTurns(redis.client, createTurnKeys(redis.prefix), { slotTtlMs: 10_000, now: () => now });
  });
  afterEach(() => redis.close());

  it('admits up to the limit per user, and again once a slot is released (twice is harmless)', async () => {
    expect(await slots.admit('ann', 'turn-1', 2)).toEqual({ admitted: true, held: 1 });
    expect(await slots.admit('ann', 'turn-2', 2)).toEqual({ admitted: true, held: 2 });
    expect(await slots.admit('ann', 'turn-3', 2)).toEqual({ admitted: false, held: 2 });
    expect(await slots.admit('ben', 'turn-4', 2)).toEqual({ admitted: true, held: 1 });
    await slots.release('ann', 'turn-1');
    await slots.release('ann', 'turn-1');
    expect(await slots.admit('ann', 'turn-5', 2)).toEqual({ admitted: true, held: 2 });
  });

  it('lets a slot nobody released expire (a worker that died), and the key with it', async () => {
    await slots.admit('cat', 'lost-turn', 1);
    now += 9_999;
    expect(await slots.admit('cat', 'turn-2', 1)).toEqual({ admitted: false, held: 1 });
    now += 2;
    expect(await slots.held('cat')).toBe(0);
    expect(await slots.admit('cat', 'turn-2', 1)).toEqual({ admitted: true, held: 1 });
    const ttl = await redis.client.pttl(createTurnKeys(redis.prefix).userActiveTurns('cat'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10_000);
  });

  it('keeps the key as long as its latest slot (a turn paused for approval holds its slot past the usual TTL)', async () => {
    await redis.client.zadd(createTurnKeys(redis.prefix).userActiveTurns('dan'), now + 500_000, 'paused-turn');
    await slots.admit('dan', 'turn-2', 5);
    expect(await redis.client.pttl(createTurnKeys(redis.prefix).userActiveTurns('dan'))).toBeGreaterThan(490_000);
  });
});
