import { RequestServerSchema, type RequestServer } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { RequestServerSecrets } from './request-server-secrets.js';
import { SealedSecretError, SecretCipher, SecretKeyMismatchError } from './secret-cipher.js';

const cipher = SecretCipher.fromSecret('unit-test-secrets-key-0001');
const secrets = new RequestServerSecrets(cipher);
const plain: RequestServer = {
  serverId: 'req-remote',
  turnId: 'chatcmpl-turn-aaaa',
  transport: 'streamable_http',
  url: 'https://mcp.example.com/mcp',
  token: 'oauth-token-1',
  headers: { 'X-Api-Key': 'header-secret-1', Accept: 'application/json' },
};

describe('RequestServerSecrets', () => {
  it('seals the token and every header value into what the job schema takes, and opens them again', () => {
    const sealed = secrets.seal('alice', plain);
    expect(RequestServerSchema.parse(sealed)).toEqual(sealed);
    expect(JSON.stringify(sealed)).not.toMatch(/oauth-token-1|header-secret-1|application\/json/);
    expect({ ...sealed, token: undefined, headers: undefined }).toEqual({ ...plain, token: undefined, headers: undefined });
    expect(Object.keys(sealed.headers)).toEqual(['X-Api-Key', 'Accept']);
    expect(secrets.open('alice', sealed)).toEqual(plain);
  });

  it('opens nothing sealed for another user, turn, server or field', () => {
    const sealed = secrets.seal('alice', plain);
    expect(() => secrets.open('bob', sealed)).toThrow(SealedSecretError);
    expect(() => secrets.open('alice', { ...sealed, turnId: 'chatcmpl-turn-bbbb' })).toThrow(SealedSecretError);
    expect(() => secrets.open('alice', { ...sealed, serverId: 'req-other' })).toThrow(SealedSecretError);
    expect(() => secrets.open('alice', { ...sealed, headers: { 'X-Api-Key': sealed.token! } })).toThrow(SealedSecretError);
  });

  it('tells another SECRETS_KEY apart', () => {
    const sealed = new RequestServerSecrets(SecretCipher.fromSecret('unit-test-secrets-key-0002')).seal('alice', plain);
    expect(() => secrets.open('alice', sealed)).toThrow(SecretKeyMismatchError);
  });

  it('is refused by the job schema in plain text', () => {
    const parsed = RequestServerSchema.safeParse(plain);
    expect(parsed.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual(['headers.Accept', 'headers.X-Api-Key', 'token']);
    expect(parsed.error?.issues[0]?.message).toMatch(/sealed by the gateway/);
  });
});
