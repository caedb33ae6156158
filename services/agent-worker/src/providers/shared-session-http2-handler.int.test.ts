import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { startModelEmulator, type BedrockRecordedRequest, type ModelEmulator } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BedrockClientPool, type BedrockClientPoolOptions } from './bedrock-client-pool.js';

const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
let emulator: ModelEmulator;
beforeAll(async () => {
  emulator = await startModelEmulator();
});
beforeEach(() => emulator.reset());
afterAll(() => emulator?.close());

async function converseText(pool: BedrockClientPool, text: string, signal?: AbortSignal): Promise<string> {
  const output = await pool.next().client.send(new ConverseStreamCommand({ modelId: MODEL, messages: [{ role: 'user', content: [{ text }] }] }), { abortSignal: signal });
  let answer = '';
  for await (const event of output.stream ?? []) answer += event.contentBlockDelta?.delta?.text ?? '';
  return answer;
}

function clientPool(options: Partial<BedrockClientPoolOptions> = {}) {
  return new BedrockClientPool({
    region: 'us-east-1',
    credentials: [{ accessKeyId: 'AKIDSHARED', secretAccessKey: 'secret' }],
    createClient: (config) => new BedrockRuntimeClient({ ...config, endpoint: emulator.bedrockEndpoint }),
    ...options,
  });
}

const connectionsUsed = () => new Set(emulator.requests.map((request) => (request as BedrockRecordedRequest).remotePort)).size;

describe('SharedSessionHttp2Handler (through BedrockClientPool, against the emulator)', () => {
  it('streams consecutive and concurrent ConverseStream calls over one HTTP/2 connection', async () => {
    emulator.script([{ reply: ({ lastUserText }) => ({ text: `echo ${lastUserText}`, chunkCount: 3 }) }]);
    const pool = clientPool({ sharedSessions: { maxStreamsPerSession: 8, idleSessionMs: 10_000 } });
    try {
      expect(await converseText(pool, 'one')).toBe('echo one');
      expect(await converseText(pool, 'two')).toBe('echo two');
      expect(await Promise.all(['a', 'b', 'c', 'd'].map((text) => converseText(pool, text)))).toEqual(['echo a', 'echo b', 'echo c', 'echo d']);
      expect(emulator.requests).toHaveLength(6);
      expect(connectionsUsed()).toBe(1);
    } finally {
      pool.close();
    }
  });

  it('opens another connection past maxStreamsPerSession', async () => {
    emulator.script([{ reply: { text: 'slow answer', chunkCount: 4, chunkDelayMs: 50 } }]);
    const pool = clientPool({ sharedSessions: { maxStreamsPerSession: 2, idleSessionMs: 10_000 } });
    try {
      await Promise.all(Array.from({ length: 4 }, (_, index) => converseText(pool, `call ${index}`)));
      expect(connectionsUsed()).toBe(2);
    } finally {
      pool.close();
    }
  });

  it('aborts one stream while another on the same connection streams on', async () => {
    emulator.script([
      { when: { lastUserText: 'long' }, reply: { text: 'word '.repeat(50), chunkCount: 50, chunkDelayMs: 20 } },
      { reply: { text: 'steady '.repeat(10), chunkCount: 10, chunkDelayMs: 30 } },
    ]);
    const pool = clientPool({ sharedSessions: { maxStreamsPerSession: 8, idleSessionMs: 10_000 } });
    try {
      const abort = new AbortController();
      // The SDK ends an aborted event stream quietly; the provider reads the signal (see abortable).
      const long = converseText(pool, 'long', abort.signal);
      const steady = converseText(pool, 'steady');
      setTimeout(() => abort.abort(), 100);
      expect((await long).length).toBeLessThan('word '.repeat(25).length);
      expect(await steady).toBe('steady '.repeat(10));
      expect(connectionsUsed()).toBe(1);
    } finally {
      pool.close();
    }
  });

  it('without it, the SDK opens a connection per ConverseStream call', async () => {
    emulator.script([{ reply: { text: 'answer' } }]);
    const pool = clientPool();
    try {
      await converseText(pool, 'one');
      await converseText(pool, 'two');
      expect(connectionsUsed()).toBe(2);
    } finally {
      pool.close();
    }
  });
});
