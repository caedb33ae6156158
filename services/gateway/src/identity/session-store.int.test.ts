import { createRedisKeys } from '@bedrock-mcp/common';
import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../domain/user-api-key-store.js';
import { clearSessionCookie, readCookie, sessionCookie, sessionCookieName } from './session-cookie.js';
import { SessionStore } from './session-store.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis('sessions');
});
afterAll(async () => {
  await redis?.close();
});

/** A store on a clock the test moves (ms). */
function storeAt(start: number, options = { idleTimeoutS: 600, maxAgeS: 3600 }) {
  const clock = { now: start };
  const store = new SessionStore(redis.client, createRedisKeys(redis.prefix), { ...options, now: () => clock.now });
  return { clock, store };
}

describe('SessionStore (real Redis)', () => {
  const keys = () => createRedisKeys(redis.prefix);

  it('keys a session by the SHA-256 of its cookie value, never the value itself', async () => {
    const { store } = storeAt(Date.now());
    const { cookieValue, session } = await store.create({ userId: 'ann', displayName: 'Ann', method: 'oidc' });
    expect(session.hash).toBe(sha256Hex(cookieValue));
    const stored = await redis.client.get(keys().session(session.hash));
    expect(stored).not.toContain(cookieValue);
    expect(await redis.client.exists(keys().session(cookieValue))).toBe(0);
  });

  it('pushes the idle deadline back at most once a minute, and never past the absolute one', async () => {
    const start = Date.now();
    const { clock, store } = storeAt(start);
    const { cookieValue, session } = await store.create({ userId: 'ben', displayName: 'Ben', method: 'local' });
    clock.now = start + 30_000;
    expect((await store.get(cookieValue))?.lastSeenAt).toBe(start);
    clock.now = start + 61_000;
    expect((await store.get(cookieValue))?.lastSeenAt).toBe(start + 61_000);
    // Active every 9 minutes: alive past the first idle deadline, ended by the absolute one.
    for (let at = start + 9 * 60_000; at < start + 3600_000; at += 9 * 60_000) {
      clock.now = at;
      expect(await store.get(cookieValue), `at +${(at - start) / 60_000} min`).toBeDefined();
    }
    clock.now = start + 3600_000;
    expect(await store.get(cookieValue)).toBeUndefined();
    expect(await redis.client.exists(keys().session(session.hash))).toBe(0);
  });

  it('ends a session idle for longer than the idle timeout, and sets the Redis expiry to match', async () => {
    const start = Date.now();
    const { clock, store } = storeAt(start);
    const { cookieValue, session } = await store.create({ userId: 'cy', displayName: 'Cy', method: 'oidc' });
    const ttl = await redis.client.pttl(keys().session(session.hash));
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
    clock.now = start + 600_000;
    expect(await store.get(cookieValue)).toBeUndefined();
  });

  it('signs out one session, or all of a user’s, and forgets expired ones at the next sign-in', async () => {
    const { store } = storeAt(Date.now());
    const a = await store.create({ userId: 'dee', displayName: 'Dee', method: 'oidc' });
    const b = await store.create({ userId: 'dee', displayName: 'Dee', method: 'oidc' });
    const other = await store.create({ userId: 'eve', displayName: 'Eve', method: 'oidc' });
    await store.destroy(a.session);
    expect(await store.get(a.cookieValue)).toBeUndefined();
    expect(await store.get(b.cookieValue)).toBeDefined();
    const c = await store.create({ userId: 'dee', displayName: 'Dee', method: 'oidc' });
    expect(await store.destroyAll('dee')).toBe(2);
    for (const gone of [b, c]) expect(await store.get(gone.cookieValue)).toBeUndefined();
    expect(await store.get(other.cookieValue)).toBeDefined();

    await redis.client.del(keys().session(other.session.hash));
    await store.create({ userId: 'eve', displayName: 'Eve', method: 'oidc' });
    expect(await redis.client.smembers(keys().userSessions('eve'))).not.toContain(other.session.hash);
  });
});

describe('session cookies', () => {
  it('are __Host- prefixed and Secure on https, httpOnly and SameSite=Lax always', () => {
    expect(sessionCookie('v', true, 60)).toBe('__Host-bmcp_session=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure');
    expect(sessionCookie('v', false, 60)).toBe('bmcp_session=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax');
    expect(clearSessionCookie(true)).toContain('Max-Age=0');
    expect(sessionCookieName(true)).toBe('__Host-bmcp_session');
  });

  it('are read only when named once (a second cookie of the same name, e.g. planted by a sibling domain, counts as none)', () => {
    expect(readCookie({ cookie: 'a=1; bmcp_session=abc; b=2' }, 'bmcp_session')).toBe('abc');
    expect(readCookie({ cookie: 'bmcp_session=abc; bmcp_session=def' }, 'bmcp_session')).toBeUndefined();
    expect(readCookie({}, 'bmcp_session')).toBeUndefined();
  });
});
