import { describe, expect, it } from 'vitest';
import { ApiKeyAuthenticator, bearerToken, serviceKeyUserId } from './api-key-authenticator.js';
import { GatewayError } from './gateway-error.js';
import { sha256Hex, type StoredUserKey } from './user-api-key-store.js';

const userKeys = new Map<string, StoredUserKey>([[sha256Hex('bmk_alice'), { userId: 'alice', createdAt: 1 }]]);
const auth = new ApiKeyAuthenticator({ serviceKeys: ['svc-one', 'svc-two'], userKeys: { lookup: async (hash) => userKeys.get(hash) } });

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe('ApiKeyAuthenticator', () => {
  it('lets any service key act for the user named in X-User-ID', async () => {
    expect(await auth.authenticate('svc-two', 'bob')).toEqual({ userId: 'bob', method: 'service_key' });
    expect(await auth.authenticate('svc-one', 'alice')).toEqual({ userId: 'alice', method: 'service_key' });
  });

  it('gives a service key without X-User-ID an id derived from the key, never the key itself', async () => {
    const principal = await auth.authenticate('svc-one', undefined);
    expect(principal.userId).toBe(serviceKeyUserId('svc-one'));
    expect(principal.userId).toMatch(/^key-[0-9a-f]{12}$/);
    expect(principal.userId).not.toContain('svc-one');
  });

  it('binds a per-user key to its user', async () => {
    expect(await auth.authenticate('bmk_alice', undefined)).toEqual({ userId: 'alice', method: 'user_key' });
    expect(await auth.authenticate('bmk_alice', 'alice')).toEqual({ userId: 'alice', method: 'user_key' });
    const error = await failure(auth.authenticate('bmk_alice', 'bob'));
    expect([error.status, error.code]).toEqual([403, 'forbidden']);
  });

  it('answers 401 for a missing or unknown key (including a prefix of a real one) and 400 for a bad user id', async () => {
    for (const key of [undefined, '', 'svc-on', 'svc-one ', 'nope']) {
      expect((await failure(auth.authenticate(key, 'bob'))).status).toBe(401);
    }
    const bad = await failure(auth.authenticate('svc-one', 'a/b'));
    expect([bad.status, bad.param]).toEqual([400, 'X-User-ID']);
  });

  it('parses bearer tokens', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
