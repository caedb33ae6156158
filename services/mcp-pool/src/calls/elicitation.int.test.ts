import { CallToolStreamLineSchema, POOL_ROUTES, routePath, toolResultText, type CallToolRequest, type CallToolStreamLine } from '@bedrock-mcp/contracts';
import { PoolClient, type ElicitationCallback, type ElicitationRequest } from '@bedrock-mcp/pool-client';
import { TEST_INTERNAL_API_KEY } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPool, type TestPool } from '../testing/pool-harness.js';

let pool: TestPool;
let socketClient: PoolClient;
let httpClient: PoolClient;
let httpRequests = 0;
beforeAll(async () => {
  pool = await startTestPool({ label: 'elicitation' });
  pool.service.server.on('request', () => (httpRequests += 1));
  socketClient = new PoolClient({ baseUrl: pool.service.url, internalApiKey: TEST_INTERNAL_API_KEY });
  httpClient = new PoolClient({ baseUrl: pool.service.url, internalApiKey: TEST_INTERNAL_API_KEY, callSocket: false });
  // Opens the call socket (and starts the shared server) before the tests.
  for (let attempt = 0; attempt < 50; attempt++) {
    const before = httpRequests;
    await socketClient.callTool('sam', { serverId: 'everything', toolName: 'echo', arguments: { message: 'warm' } });
    if (httpRequests === before) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});
afterAll(async () => {
  socketClient?.close();
  httpClient?.close();
  await pool?.close();
});

const elicit: CallToolRequest = { serverId: 'everything', toolName: 'trigger-elicitation-request', arguments: {} };
const headers = { authorization: `Bearer ${TEST_INTERNAL_API_KEY}`, 'content-type': 'application/json' };

/** The ElicitResult server-everything reports it got (its "Raw result" block). */
function rawResult(text: string): unknown {
  const match = /Raw result: ([\s\S]*)$/.exec(text);
  return match ? JSON.parse(match[1]!) : undefined;
}

/** A call's NDJSON lines over the raw call route, read as they come. */
async function rawCall(userId: string, request: CallToolRequest, signal?: AbortSignal): Promise<AsyncGenerator<CallToolStreamLine>> {
  const response = await fetch(`${pool.service.url}${routePath(POOL_ROUTES.call, { userId })}`, { method: 'POST', headers, body: JSON.stringify(request), ...(signal ? { signal } : {}) });
  expect(response.status).toBe(200);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  return (async function* () {
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += value;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        yield CallToolStreamLineSchema.parse(JSON.parse(buffered.slice(0, newline)));
        buffered = buffered.slice(newline + 1);
      }
    }
  })();
}

function answer(userId: string, elicitationId: string, body: unknown): Promise<Response> {
  return fetch(`${pool.service.url}${routePath(POOL_ROUTES.answerElicitation, { userId, elicitationId })}`, { method: 'POST', headers, body: JSON.stringify(body) });
}

describe.each([
  ['the call socket', () => socketClient],
  ['HTTP', () => httpClient],
])('elicitation over %s, against server-everything', (_name, client) => {
  it('relays the form to the caller and its accepted content to the server', async () => {
    const asked: ElicitationRequest[] = [];
    const before = httpRequests;
    const { result } = await client().callTool('sam', elicit, {
      onElicitation: async (request) => {
        asked.push(request);
        return { action: 'accept', content: { name: 'Ada Lovelace', check: true, integer: 7 } };
      },
    });
    expect(asked).toHaveLength(1);
    expect(asked[0]!.message).toBe('Please provide inputs for the following fields:');
    expect(asked[0]!.requestedSchema).toMatchObject({ type: 'object', required: ['name'], properties: { name: { type: 'string' } } });
    const text = toolResultText(result);
    expect(text).toContain('- Name: Ada Lovelace');
    expect(rawResult(text)).toEqual({ action: 'accept', content: { name: 'Ada Lovelace', check: true, integer: 7 } });
    // The call itself: one request over HTTP, none over the socket; the answer is one request either way.
    expect(httpRequests - before).toBe(client() === socketClient ? 1 : 2);
  });

  it.each(['decline', 'cancel'] as const)('relays %s', async (action) => {
    const { result } = await client().callTool('sam', elicit, { onElicitation: async () => ({ action }) });
    expect(rawResult(toolResultText(result))).toEqual({ action });
  });

  it('answers cancel when the caller does not answer in time, and the call still ends', async () => {
    let callbackSignal: AbortSignal | undefined;
    const started = Date.now();
    const { result } = await client().callTool('sam', { ...elicit, elicitationTimeoutMs: 400 }, {
      onElicitation: (_request, signal) => {
        callbackSignal = signal;
        return new Promise(() => undefined);
      },
    });
    expect(rawResult(toolResultText(result))).toEqual({ action: 'cancel' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(callbackSignal?.aborted).toBe(true);
  });

  it("does not let the call's own timeout end it while the caller answers", async () => {
    const { result } = await client().callTool('sam', { ...elicit, timeoutMs: 300 }, {
      onElicitation: async () => {
        await new Promise((resolve) => setTimeout(resolve, 1200));
        return { action: 'accept', content: { name: 'Slow Sam' } };
      },
    });
    expect(toolResultText(result)).toContain('- Name: Slow Sam');
  });

  it('answers cancel for a callback that fails or answers outside the contract', async () => {
    const failing: ElicitationCallback = () => Promise.reject(new Error('no form here'));
    expect(rawResult(toolResultText((await client().callTool('sam', elicit, { onElicitation: failing })).result))).toEqual({ action: 'cancel' });
    const wrong = (async () => ({ action: 'decline', content: { name: 'x' } })) as ElicitationCallback;
    expect(rawResult(toolResultText((await client().callTool('sam', elicit, { onElicitation: wrong })).result))).toEqual({ action: 'cancel' });
  });

  it('declines at once for a caller that does not opt in', async () => {
    const started = Date.now();
    const { result } = await client().callTool('sam', { ...elicit, elicitationTimeoutMs: 60_000 });
    expect(rawResult(toolResultText(result))).toEqual({ action: 'decline' });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('the answer route', () => {
  it("refuses another user's answer and an unknown id (404), takes the owner's once", async () => {
    const lines = await rawCall('sam', { ...elicit, elicitationTimeoutMs: 30_000 });
    const first = (await lines.next()).value as CallToolStreamLine;
    expect(first).toMatchObject({ type: 'elicitation', message: 'Please provide inputs for the following fields:' });
    const { elicitationId } = first as Extract<CallToolStreamLine, { type: 'elicitation' }>;

    const intruder = await answer('eve', elicitationId, { action: 'accept', content: { name: 'Eve' } });
    expect(intruder.status).toBe(404);
    expect(await intruder.json()).toMatchObject({ error: { code: 'tool_not_found' } });
    expect((await answer('sam', 'eli_unknownunknownunknown', { action: 'decline' })).status).toBe(404);
    expect((await answer('sam', elicitationId, { action: 'decline', content: { name: 'x' } })).status).toBe(400);

    const owner = await answer('sam', elicitationId, { action: 'accept', content: { name: 'Sam' } });
    expect(owner.status).toBe(204);
    expect((await answer('sam', elicitationId, { action: 'accept', content: { name: 'Again' } })).status).toBe(404);
    const last = (await lines.next()).value as CallToolStreamLine;
    expect(last.type).toBe('result');
    expect(toolResultText((last as Extract<CallToolStreamLine, { type: 'result' }>).result)).toContain('- Name: Sam');
  });

  it('drops the elicitation of a call its caller cancels: a later answer finds nothing', async () => {
    const abort = new AbortController();
    const lines = await rawCall('sam', { ...elicit, elicitationTimeoutMs: 30_000 }, abort.signal);
    const first = (await lines.next()).value as Extract<CallToolStreamLine, { type: 'elicitation' }>;
    expect(first.type).toBe('elicitation');
    abort.abort();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await answer('sam', first.elicitationId, { action: 'cancel' })).status).toBe(404);
  });
});

describe('an elicitation that cannot be tied to one call', () => {
  it('is declined while another call runs on the same server connection', async () => {
    let progressed!: () => void;
    const running = new Promise<void>((resolve) => (progressed = resolve));
    const other = httpClient.callTool('sam', { serverId: 'everything', toolName: 'trigger-long-running-operation', arguments: { duration: 2, steps: 4 } }, { onProgress: () => progressed() });
    await running;
    let asked = 0;
    const { result } = await socketClient.callTool('sam', elicit, { onElicitation: async () => (asked++, { action: 'accept', content: { name: 'Nobody' } }) });
    expect(rawResult(toolResultText(result))).toEqual({ action: 'decline' });
    expect(asked).toBe(0);
    await other;
  });
});
