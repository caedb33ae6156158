import { createLogger } from '@bedrock-mcp/common';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkAuthConfiguration } from './auth-startup-check.js';

function capture() {
  const lines: Array<{ level: string; msg: string }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: string; msg: string });
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'test', destination }) };
}
const keys = (count: number) => ({ count: async () => count });

describe('checkAuthConfiguration', () => {
  it('refuses a production gateway with no API_KEY and no per-user key, naming the way out', async () => {
    const { logger } = capture();
    await expect(checkAuthConfiguration({ NODE_ENV: 'production', API_KEY: undefined }, keys(0), logger)).rejects.toThrow(/set API_KEY .* create-key --user/);
  });

  it('starts in production on per-user keys alone, and warns in development that only per-user keys work', async () => {
    for (const [env, count] of [['production', 2], ['development', 0]] as const) {
      const { lines, logger } = capture();
      await checkAuthConfiguration({ NODE_ENV: env, API_KEY: undefined }, keys(count), logger);
      expect(lines.find((line) => line.level === 'warn')?.msg).toMatch(/only per-user keys work/);
    }
  });

  it('is silent when service keys are set', async () => {
    const { lines, logger } = capture();
    await checkAuthConfiguration({ NODE_ENV: 'production', API_KEY: 'a,b' }, keys(0), logger);
    expect(lines).toEqual([]);
  });
});
