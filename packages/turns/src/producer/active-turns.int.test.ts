import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActiveTurns, type TurnHolder } from './active-turns.js';
import { createTurnKeys } from '../turn-keys.js';

/** A turn outside any conversation. */
const turn = (userId: string, turnId: string): TurnHolder => ({ userId, turnId, keepSession: false });
/** A rate window that never refuses, for the tests of slots and claims. */
const unlimited = { window: { windowStart: 0, ttlMs: 60_000 }, limit: 1_000 };
/** A turn in one of the user's conversations. */
const inConversation = (userId: string, turnId: string, conversationId: string): TurnHolder => ({ userId, turnId, keepSession: true, conversationId });

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
    expect(await slots.admit(turn('ann', 'turn-1'), 2, unlimited)).toMatchObject({ admitted: true, held: 1 });
    expect(await slots.admit(turn('ann', 'turn-2'), 2, unlimited)).toMatchObject({ admitted: true, held: 2 });
    expect(await slots.admit(turn('ann', 'turn-3'), 2, unlimited)).toMatchObject({ admitted: false, reason: 'user_busy', held: 2 });
    expect(await slots.admit(turn('ben', 'turn-4'), 2, unlimited)).toMatchObject({ admitted: true, held: 1 });
    await slots.release(turn('ann', 'turn-1'));
    await slots.release(turn('ann', 'turn-1'));
    expect(await slots.admit(turn('ann', 'turn-5'), 2, unlimited)).toMatchObject({ admitted: true, held: 2 });
  });

  it('lets a slot nobody released expire (a worker that died), and the key with it', async () => {
    await slots.admit(turn('cat', 'lost-turn'), 1, unlimited);
    now += 9_999;
    expect(await slots.admit(turn('cat', 'turn-2'), 1, unlimited)).toMatchObject({ admitted: false, reason: 'user_busy', held: 1 });
    now += 2;
    expect(await slots.held('cat')).toBe(0);
    expect(await slots.admit(turn('cat', 'turn-2'), 1, unlimited)).toMatchObject({ admitted: true, held: 1 });
    const ttl = await redis.client.pttl(createTurnKeys(redis.prefix).userActiveTurns('cat'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10_000);
  });

  it('keeps the key as long as its latest slot (a turn paused for approval holds its slot past the usual TTL)', async () => {
    await redis.client.zadd(createTurnKeys(redis.prefix).userActiveTurns('dan'), now + 500_000, 'paused-turn');
    await slots.admit(turn('dan', 'turn-2'), 5, unlimited);
    expect(await redis.client.pttl(createTurnKeys(redis.prefix).userActiveTurns('dan'))).toBeGreaterThan(490_000);
  });
});

describe('ActiveTurns (one turn at a time per conversation)', () => {
  let redis: TestRedis;
  let slots: ActiveTurns;

  beforeEach(async () => {
    redis = await startTestRedis('conversation-turns');
    slots = new ActiveTurns(redis.client, createTurnKeys(redis.prefix), { slotTtlMs: 10_000 });
  });
  afterEach(() => redis.close());

  it('refuses a second turn in a busy conversation, naming the running one and taking nothing; other conversations run in parallel', async () => {
    expect(await slots.admit(inConversation('ann', 'turn-1', 'c1'), 5, unlimited)).toMatchObject({ admitted: true, held: 1 });
    expect(await slots.conversationTurn('ann', 'c1')).toBe('turn-1');
    expect(await slots.admit(inConversation('ann', 'turn-2', 'c1'), 5, unlimited)).toMatchObject({ admitted: false, reason: 'conversation_busy', runningTurnId: 'turn-1' });
    expect(await slots.held('ann')).toBe(1);
    expect(await slots.admit(inConversation('ann', 'turn-3', 'c2'), 5, unlimited)).toMatchObject({ admitted: true, held: 2 });
    // Another user's conversation of the same id is another conversation.
    expect(await slots.admit(inConversation('ben', 'turn-4', 'c1'), 5, unlimited)).toMatchObject({ admitted: true, held: 1 });
    expect(await slots.conversationTurn('ann', 'c3')).toBeNull();
  });

  it('maps keep_session without a conversation id to the default conversation', async () => {
    expect(await slots.admit({ userId: 'ann', turnId: 'turn-1', keepSession: true }, 5, unlimited)).toMatchObject({ admitted: true });
    expect(await slots.conversationTurn('ann', 'default')).toBe('turn-1');
    expect(await slots.admit(inConversation('ann', 'turn-2', 'default'), 5, unlimited)).toMatchObject({ reason: 'conversation_busy', runningTurnId: 'turn-1' });
  });

  it('claims nothing when the user is at the slot limit', async () => {
    await slots.admit(turn('ann', 'turn-1'), 1, unlimited);
    expect(await slots.admit(inConversation('ann', 'turn-2', 'c1'), 1, unlimited)).toMatchObject({ admitted: false, reason: 'user_busy', held: 1 });
    expect(await slots.conversationTurn('ann', 'c1')).toBeNull();
  });

  it('releases the claim with the slot, but only while it still names the turn', async () => {
    await slots.admit(inConversation('ann', 'turn-1', 'c1'), 5, unlimited);
    await slots.release(inConversation('ann', 'turn-1', 'c1'));
    expect(await slots.conversationTurn('ann', 'c1')).toBeNull();
    expect(await slots.held('ann')).toBe(0);
    await slots.admit(inConversation('ann', 'turn-2', 'c1'), 5, unlimited);
    // A late release of the earlier turn leaves the later one's claim alone.
    await slots.release(inConversation('ann', 'turn-1', 'c1'));
    expect(await slots.conversationTurn('ann', 'c1')).toBe('turn-2');
  });

  it('lands a release before the commands sent after it on the connection, even where Redis has not cached the script', async () => {
    await slots.admit(inConversation('ann', 'turn-1', 'c1'), 5, unlimited);
    await redis.client.script('FLUSH');
    // Not awaited: the worker sends `done` right after the release, and a reader of `done` must find the conversation free.
    const released = slots.release(inConversation('ann', 'turn-1', 'c1'));
    const claimSeenAfter = slots.conversationTurn('ann', 'c1');
    await released;
    expect(await claimSeenAfter).toBeNull();
  });

  it('expires the claim with the slot (a worker that died cannot hold the conversation for good)', async () => {
    await slots.admit(inConversation('ann', 'turn-1', 'c1'), 5, unlimited);
    const ttl = await redis.client.pttl(createTurnKeys(redis.prefix).conversationTurn('ann', 'c1'));
    expect(ttl).toBeGreaterThan(9_000);
    expect(ttl).toBeLessThanOrEqual(10_000);
  });
});

describe('ActiveTurns (the rate count, in the same step)', () => {
  let redis: TestRedis;
  let slots: ActiveTurns;
  const keys = () => createTurnKeys(redis.prefix);

  beforeEach(async () => {
    redis = await startTestRedis('admit-rate');
    slots = new ActiveTurns(redis.client, keys(), { slotTtlMs: 10_000 });
  });
  afterEach(() => redis.close());

  it('counts every turn in the window, a refused one too, and over the limit takes nothing else', async () => {
    const rate = { window: { windowStart: 7_000, ttlMs: 5_000 }, limit: 2 };
    expect(await slots.admit(inConversation('ann', 'turn-1', 'c1'), 5, rate)).toEqual({ admitted: true, held: 1, count: 1 });
    // Refused by the conversation: still counted.
    expect(await slots.admit(inConversation('ann', 'turn-2', 'c1'), 5, rate)).toEqual({ admitted: false, reason: 'conversation_busy', runningTurnId: 'turn-1', count: 2 });
    expect(await slots.admit(inConversation('ann', 'turn-3', 'c2'), 5, rate)).toEqual({ admitted: false, reason: 'rate_limited', count: 3 });
    expect(await slots.held('ann')).toBe(1);
    expect(await slots.conversationTurn('ann', 'c2')).toBeNull();
    const counter = keys().userRateLimit('ann', 7_000);
    expect(await redis.client.get(counter)).toBe('3');
    expect(await redis.client.pttl(counter)).toBeGreaterThan(4_000);
    // Another window (or another user) starts again.
    expect(await slots.admit(turn('ann', 'turn-4'), 5, { ...rate, window: { windowStart: 12_000, ttlMs: 5_000 } })).toEqual({ admitted: true, held: 2, count: 1 });
    expect(await slots.admit(turn('ben', 'turn-5'), 5, rate)).toEqual({ admitted: true, held: 1, count: 1 });
  });

  it('counts a user at the slot limit too', async () => {
    const rate = { window: { windowStart: 0, ttlMs: 5_000 }, limit: 10 };
    await slots.admit(turn('cat', 'turn-1'), 1, rate);
    expect(await slots.admit(turn('cat', 'turn-2'), 1, rate)).toEqual({ admitted: false, reason: 'user_busy', held: 1, count: 2 });
  });
});
