import { describe, expect, it } from 'vitest';
import { envForService, secretsWithheldFrom } from './service-secrets.js';

const env = {
  PATH: '/usr/bin',
  REDIS_URL: 'redis://127.0.0.1:6379',
  API_KEY: 'k',
  COMPATIBLE_API_KEY: 'o',
  SECRETS_KEY: 's',
  INTERNAL_API_KEY: 'i',
  AWS_ACCESS_KEY_ID: 'a',
  AWS_SECRET_ACCESS_KEY: 'b',
  AWS_SESSION_TOKEN: 't',
};

describe('envForService', () => {
  it('gives the pool SECRETS_KEY and REDIS_URL but no API key and no model credentials', () => {
    const pool = envForService('mcp-pool', env);
    expect(pool).toMatchObject({ PATH: '/usr/bin', REDIS_URL: env.REDIS_URL, SECRETS_KEY: 's', INTERNAL_API_KEY: 'i' });
    for (const name of ['API_KEY', 'COMPATIBLE_API_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) expect(pool).not.toHaveProperty(name);
  });

  it('gives the pool AWS credentials only for a DynamoDB config store', () => {
    expect(envForService('mcp-pool', { ...env, DDB_TABLE: 'configs' })).toMatchObject({ AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' });
    expect(envForService('mcp-pool', { ...env, ddb_table: 'configs' })).not.toHaveProperty('API_KEY');
  });

  it('gives the gateway the API keys, the worker the model credentials, the web server nothing', () => {
    expect(envForService('gateway', env)).toMatchObject({ API_KEY: 'k', SECRETS_KEY: 's', INTERNAL_API_KEY: 'i', AWS_ACCESS_KEY_ID: 'a' });
    expect(envForService('gateway', env)).not.toHaveProperty('COMPATIBLE_API_KEY');
    expect(envForService('agent-worker', env)).toMatchObject({ COMPATIBLE_API_KEY: 'o', INTERNAL_API_KEY: 'i', AWS_SECRET_ACCESS_KEY: 'b' });
    expect(secretsWithheldFrom('agent-worker', env).sort()).toEqual(['API_KEY', 'SECRETS_KEY']);
    expect(secretsWithheldFrom('web', env)).toHaveLength(7);
  });
});
