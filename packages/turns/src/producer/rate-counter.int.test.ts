import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTurnKeys } from '../turn-keys.js';
import { RateCounter } from './rate-counter.js';

describe('RateCounter', () => {
  let redis: TestRedis;
  let counter: RateCounter;

  beforeEach(async () => {
    redis = await startTestRedis('rate-counter');
    counter = new RateCounter({ redis: redis.client, prefix: redis.prefix });
  });
  afterEach(() => redis.close());

  it('counts per user, window and bucket, each counter living ttlMs', async () => {
    const window = { windowStart: 60_000, ttlMs: 61_000 };
    expect(await counter.count('ann', window)).toBe(1);
    expect(await counter.count('ann', window)).toBe(2);
    expect(await counter.count('ann', { ...window, bucket: 'mcp-starts' })).toBe(1);
    expect(await counter.count('ann', { ...window, windowStart: 120_000 })).toBe(1);
    expect(await counter.count('ben', window)).toBe(1);
    const keys = createTurnKeys(redis.prefix);
    expect(await redis.client.get(keys.userRateLimit('ann', 60_000))).toBe('2');
    const ttl = await redis.client.pttl(keys.userRateLimit('ann', 60_000, 'mcp-starts'));
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(61_000);
  });
});
