import { createHash } from 'node:crypto';
import { createRedisKeys, type RedisKeys } from '@bedrock-mcp/common';
import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VoiceTicketStore } from './voice-ticket-store.js';

describe('VoiceTicketStore: short-lived single-use WebSocket tickets', () => {
  let redis: TestRedis;
  let keys: RedisKeys;

  beforeEach(async () => {
    redis = await startTestRedis('voice-ticket');
    keys = createRedisKeys(redis.prefix);
  });
  afterEach(async () => {
    await redis.close();
  });

  it('issues a ticket that works exactly once and carries the grant', async () => {
    const store = new VoiceTicketStore(redis.client, keys, { ttlSeconds: 60 });
    const { ticket, expiresIn } = await store.issue({ userId: 'alice', mcpServerIds: ['everything'], voiceId: 'amy' });
    expect(expiresIn).toBe(60);
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);

    expect(await store.consume(ticket)).toMatchObject({ userId: 'alice', mcpServerIds: ['everything'], voiceId: 'amy', issuedAt: expect.any(Number) });
    expect(await store.consume(ticket)).toBeUndefined();
  });

  it('stores only a hash of the ticket, with the TTL', async () => {
    const store = new VoiceTicketStore(redis.client, keys, { ttlSeconds: 60 });
    const { ticket } = await store.issue({ userId: 'alice' });
    const stored = await redis.client.keys(`${redis.prefix}*`);
    expect(stored).toEqual([keys.voiceTicket(createHash('sha256').update(ticket).digest('hex'))]);
    expect(stored.some((key) => key.includes(ticket))).toBe(false);
    const ttl = await redis.client.ttl(stored[0]!);
    expect(ttl).toBeGreaterThan(55);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('refuses an expired ticket', async () => {
    const store = new VoiceTicketStore(redis.client, keys, { ttlSeconds: 1 });
    const { ticket } = await store.issue({ userId: 'alice' });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await store.consume(ticket)).toBeUndefined();
  });

  it('refuses malformed and unknown tickets without a crash, and invalid grants at issue', async () => {
    const store = new VoiceTicketStore(redis.client, keys, { ttlSeconds: 60 });
    expect(await store.consume('')).toBeUndefined();
    expect(await store.consume('x'.repeat(10_000))).toBeUndefined();
    expect(await store.consume('A'.repeat(43))).toBeUndefined();
    await expect(store.issue({ userId: 'not/a/user' })).rejects.toThrow();
    await expect(store.issue({ userId: 'alice', mcpServerIds: ['../etc'] })).rejects.toThrow();
  });

  it('refuses a stored grant that does not parse (tampered or from another version)', async () => {
    const store = new VoiceTicketStore(redis.client, keys, { ttlSeconds: 60 });
    const ticket = 'B'.repeat(43);
    await redis.client.set(keys.voiceTicket(createHash('sha256').update(ticket).digest('hex')), JSON.stringify({ userId: 'alice', admin: true }));
    expect(await store.consume(ticket)).toBeUndefined();
  });
});
