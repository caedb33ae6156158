import { SettingsSchema } from '@bedrock-mcp/common';
import { describe, expect, it } from 'vitest';
import { SignInRefused, userFromClaims } from './oidc-claims.js';

const settings = (env: Record<string, string> = {}) => SettingsSchema.parse(env);

describe('userFromClaims', () => {
  it('takes the user id from OIDC_USER_CLAIM and the name from OIDC_NAME_CLAIM (falling back to the id)', () => {
    expect(userFromClaims({ sub: 'abc-123', name: ' Ada ' }, settings())).toEqual({ userId: 'abc-123', displayName: 'Ada' });
    expect(userFromClaims({ sub: 'x', email: 'ada@example.com' }, settings({ OIDC_USER_CLAIM: 'email' }))).toEqual({ userId: 'ada@example.com', displayName: 'ada@example.com' });
    expect(userFromClaims({ sub: 'x', preferred_username: 'ada', given: 'A' }, settings({ OIDC_USER_CLAIM: 'preferred_username', OIDC_NAME_CLAIM: 'given' }))).toEqual({ userId: 'ada', displayName: 'A' });
  });

  it('refuses a missing user claim, or one that cannot be a user id', () => {
    expect(() => userFromClaims({ sub: 'x' }, settings({ OIDC_USER_CLAIM: 'email' }))).toThrow(SignInRefused);
    for (const sub of ['a/b', '{x}', 'a b', '.hidden', 'x'.repeat(129)]) expect(() => userFromClaims({ sub }, settings()), sub).toThrow(/cannot be a user id/);
  });

  it('allows only verified emails of OIDC_ALLOWED_DOMAINS', () => {
    const allowed = settings({ OIDC_ALLOWED_DOMAINS: 'example.com, Corp.example' });
    expect(userFromClaims({ sub: 'a', email: 'a@corp.EXAMPLE', email_verified: true }, allowed).userId).toBe('a');
    for (const claims of [{ sub: 'a' }, { sub: 'a', email: 'a@evil.example' }, { sub: 'a', email: 'a@example.com.evil' }, { sub: 'a', email: 'a@example.com', email_verified: false }]) {
      expect(() => userFromClaims(claims, allowed), JSON.stringify(claims)).toThrow(/OIDC_ALLOWED_DOMAINS/);
    }
  });

  it('allows only members of OIDC_ALLOWED_GROUPS, read from OIDC_GROUPS_CLAIM (array, string or nested path)', () => {
    const allowed = settings({ OIDC_ALLOWED_GROUPS: 'mcp-users,admins' });
    expect(userFromClaims({ sub: 'a', groups: ['x', 'admins'] }, allowed).userId).toBe('a');
    expect(userFromClaims({ sub: 'a', groups: 'x mcp-users' }, allowed).userId).toBe('a');
    expect(userFromClaims({ sub: 'a', 'cognito:groups': ['admins'] }, settings({ OIDC_ALLOWED_GROUPS: 'admins', OIDC_GROUPS_CLAIM: 'cognito:groups' })).userId).toBe('a');
    expect(userFromClaims({ sub: 'a', realm_access: { roles: ['admins'] } }, settings({ OIDC_ALLOWED_GROUPS: 'admins', OIDC_GROUPS_CLAIM: 'realm_access.roles' })).userId).toBe('a');
    for (const claims of [{ sub: 'a' }, { sub: 'a', groups: ['staff'] }, { sub: 'a', groups: 'admins-not' }]) {
      expect(() => userFromClaims(claims, allowed), JSON.stringify(claims)).toThrow(/OIDC_ALLOWED_GROUPS/);
    }
  });
});
