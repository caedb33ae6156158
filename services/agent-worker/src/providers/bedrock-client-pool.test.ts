import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BedrockClientPool, CredentialFileError, readCredentialCsv } from './bedrock-client-pool.js';

const dir = mkdtempSync(join(tmpdir(), 'aw-cred-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const csv = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('readCredentialCsv', () => {
  it('reads ak/sk columns in any order and skips blank lines', () => {
    const path = csv('ok.csv', 'sk,ak,label\n"S1",A1,x\n\nS2 , A2\n');
    expect(readCredentialCsv(path)).toEqual([
      { accessKeyId: 'A1', secretAccessKey: 'S1' },
      { accessKeyId: 'A2', secretAccessKey: 'S2' },
    ]);
  });

  it('is empty without a file and refuses a file without the columns or with a missing value', () => {
    expect(readCredentialCsv(join(dir, 'missing.csv'))).toEqual([]);
    expect(() => readCredentialCsv(csv('bad.csv', 'key,secret\na,b\n'))).toThrow(CredentialFileError);
    expect(() => readCredentialCsv(csv('hole.csv', 'ak,sk\na,\n'))).toThrow(/line 2/);
  });
});

describe('BedrockClientPool', () => {
  const credentials = [1, 2, 3].map((n) => ({ accessKeyId: `A${n}`, secretAccessKey: `S${n}` }));

  it('hands out clients round-robin and skips a throttled one while it cools down', () => {
    let now = 0;
    const pool = new BedrockClientPool({ region: 'us-east-1', credentials, throttleCooldownMs: 1000, now: () => now });
    expect([pool.next(), pool.next(), pool.next(), pool.next()].map((h) => h.label)).toEqual(['1/3', '2/3', '3/3', '1/3']);
    const second = pool.next();
    pool.reportThrottled(second);
    expect([pool.next(), pool.next(), pool.next()].map((h) => h.label)).toEqual(['3/3', '1/3', '3/3']);
    now = 1001;
    expect([pool.next(), pool.next()].map((h) => h.label)).toEqual(['1/3', '2/3']);
    pool.close();
  });

  it('uses one client on the default credential chain without a credential file', () => {
    const pool = new BedrockClientPool({ region: 'eu-west-1', credentials: [] });
    expect(pool.size).toBe(1);
    pool.close();
  });
});
