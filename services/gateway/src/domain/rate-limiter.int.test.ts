import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { RateCounter } from '@bedrock-mcp/turns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

let testRedis: TestRedis;
beforeAll(async () => {
  testRedis = await startTestRedis('rate-limiter');
});
afterAll(async () => {
  await testRedis?.close();
});

const counter = () => new RateCounter({ redis: testRedis.client, prefix: testRedis.prefix });

/** A limiter of 10 per one-second window on a clock the test moves. */
function limiter() {
  const clock = { now: 1_000_000 };
  const rateLimiter = new RateLimiter({ counter: counter(), limit: 10, windowMs: 1000, now: () => clock.now });
  return { rateLimiter, clock };
}

describe('RateLimiter windows and decisions', () => {
  it('puts a count in the current fixed window (kept a second past it) and allows up to the limit', async () => {
    const { rateLimiter, clock } = limiter();
    clock.now = 1_000_400;
    expect(rateLimiter.limit).toBe(10);
    const window = rateLimiter.window();
    expect(window).toEqual({ windowStart: 1_000_000, ttlMs: 2000 });
    expect(rateLimiter.decide(window, 10)).toEqual({ allowed: true, limit: 10, remaining: 0, resetSeconds: 1 });
    expect(rateLimiter.decide(window, 11)).toMatchObject({ allowed: false, remaining: 0 });
    clock.now += 1000;
    expect(rateLimiter.window().windowStart).toBe(1_001_000);
  });

  it('consume counts in Redis, per user and window', async () => {
    const { rateLimiter, clock } = limiter();
    for (let i = 0; i < 10; i++) expect((await rateLimiter.consume('counted')).allowed).toBe(true);
    expect(await rateLimiter.consume('counted')).toMatchObject({ allowed: false, remaining: 0, limit: 10 });
    expect((await rateLimiter.consume('someone-else')).remaining).toBe(9);
    clock.now += 1000;
    expect((await rateLimiter.consume('counted')).allowed).toBe(true);
  });
});

describe('RateLimiter buckets', () => {
  it('counts a named bucket apart from the chat limit, and its 429 says what was counted', async () => {
    const counter = new RateCounter({ redis: testRedis.client, prefix: testRedis.prefix });
    const now = () => 5_000_000;
    const chat = new RateLimiter({ counter, limit: 1, windowMs: 1000, now });
    const starts = new RateLimiter({ counter, limit: 1, windowMs: 1000, now, bucket: { name: 'mcp-starts', counted: 'MCP server adds' } });
    await chat.enforce('dora');
    await starts.enforce('dora');
    await expect(starts.enforce('dora')).rejects.toMatchObject({ code: 'rate_limit_exceeded', message: expect.stringContaining('Rate limit of 1 MCP server adds per minute') });
    await expect(chat.enforce('dora')).rejects.toMatchObject({ message: expect.stringContaining('Rate limit of 1 requests per minute') });
  });
});
