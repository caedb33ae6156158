import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BedrockRecordedRequest } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatJob } from '../testing/turn-client.js';
import { CLAUDE, startWorkerStack, type WorkerStack } from '../testing/worker-stack.js';

let stack: WorkerStack;

beforeAll(async () => {
  stack = await startWorkerStack('rotation');
  writeFileSync(join(stack.dir, 'credential.csv'), 'ak,sk\nAKIDROTATEONE,secret-one\nAKIDROTATETWO,secret-two\n');
  // A long retry backoff shows that moving to the next credential does not wait for it.
  await stack.startWorker({ MODEL_RETRY_BASE_MS: '5000' });
}, 60_000);
afterAll(() => stack?.close());

const accessKeyOf = (request: BedrockRecordedRequest) => /Credential=([A-Z0-9]+)\//.exec(String(request.headers.authorization))?.[1];
const bedrockRequests = () => stack.emulator.requests.filter((request): request is BedrockRecordedRequest => request.provider === 'bedrock');

describe('credential rotation with conf/credential.csv', () => {
  it('moves a throttled call to the next credential at once, rotates per request, and skips a throttled credential for a while', async () => {
    stack.emulator.script([{ reply: { text: 'ok' } }]);
    stack.emulator.failNext({ kind: 'http', status: 429, provider: 'bedrock' });
    const started = Date.now();
    const events = await stack.client.run(chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'hi' }] }));
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'end_turn' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(bedrockRequests().map(accessKeyOf)).toEqual(['AKIDROTATEONE', 'AKIDROTATETWO']);

    // The first credential is cooling down after its throttle: the next turns use the second.
    await stack.client.run(chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'again' }] }));
    expect(bedrockRequests().map(accessKeyOf).at(-1)).toBe('AKIDROTATETWO');
    expect(process.env.AWS_ACCESS_KEY_ID).toBe('AKIDEMULATOR0');
    expect(bedrockRequests().map(accessKeyOf)).not.toContain('AKIDEMULATOR0');
  });
});
