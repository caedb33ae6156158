import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { createTurnKeys, RateCounter } from '@bedrock-mcp/turns';
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

describe('RateLimiter.shouldWait', () => {
  it('waits for users near the limit in this window (2 of 10 left), not before, and not for users it never saw', async () => {
    const { rateLimiter } = limiter();
    expect(rateLimiter.shouldWait('near')).toBe(false);
    for (let i = 0; i < 7; i++) await rateLimiter.consume('near');
    expect(rateLimiter.shouldWait('near')).toBe(false);
    await rateLimiter.consume('near');
    expect(rateLimiter.shouldWait('near')).toBe(true);
    expect(rateLimiter.shouldWait('someone-else')).toBe(false);
  });

  it('keeps waiting in the next window for a user who reached the limit, and forgets after that', async () => {
    const { rateLimiter, clock } = limiter();
    for (let i = 0; i < 11; i++) await rateLimiter.consume('flooder');
    for (let i = 0; i < 8; i++) await rateLimiter.consume('busy');
    clock.now += 1000;
    expect(rateLimiter.shouldWait('flooder')).toBe(true);
    expect(rateLimiter.shouldWait('busy')).toBe(false); // near, not at, the limit last window
    clock.now += 1000;
    expect(rateLimiter.shouldWait('flooder')).toBe(false);
  });

  it('counts a turn over the limit and broadcasts its stop in the same step', async () => {
    const { rateLimiter } = limiter();
    const subscriber = testRedis.client.duplicate();
    const stopped: string[] = [];
    subscriber.on('message', (_channel: string, turnId: string) => stopped.push(turnId));
    await subscriber.subscribe(createTurnKeys(testRedis.prefix).cancelChannel());
    for (let i = 0; i < 10; i++) expect((await rateLimiter.countTurn('counted', `turn-${i}`, testRedis.client)).allowed).toBe(true);
    const refused = await rateLimiter.countTurn('counted', 'turn-10', testRedis.client);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, limit: 10 });
    await expect.poll(() => stopped).toEqual(['turn-10']);
    await subscriber.quit();
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
