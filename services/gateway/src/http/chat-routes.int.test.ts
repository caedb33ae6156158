import { ChatCompletionChunkSchema, ChatCompletionSchema, ChatJobSchema } from '@bedrock-mcp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSse, startGatewayHarness, TEST_MODEL, type GatewayHarness } from '../testing/gateway-harness.js';
import { echoScript, type TurnScript } from '../testing/scripted-turn-worker.js';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness({ env: { RATE_LIMIT_PER_MINUTE: '1000' } });
});
afterAll(async () => {
  await h?.close();
});

const chat = (body: Record<string, unknown>, init: { user?: string; headers?: Record<string, string> } = {}) =>
  h.request('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'hello world' }], ...body }), ...init });

/** A script that waits for `release` between its two halves, so tests can act mid-turn. */
function gatedScript(): { script: TurnScript; release: () => void; reached: Promise<void> } {
  let release!: () => void;
  let reachedResolve!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const reached = new Promise<void>((resolve) => (reachedResolve = resolve));
  const script: TurnScript = async (job, emit) => {
    await emit({ type: 'start', model: job.model, userId: job.userId });
    await emit({ type: 'round_start', round: 1 });
    await emit({ type: 'text_delta', text: 'first half ' });
    reachedResolve();
    await gate;
    await emit({ type: 'text_delta', text: 'second half' });
    await emit({ type: 'done', finishReason: 'end_turn' });
  };
  return { script, release, reached };
}

describe('POST /v1/chat/completions', () => {
  it('streams OpenAI chunks with an id per event, X-Stream-ID, usage on request and [DONE]', async () => {
    h.worker.script = echoScript;
    const res = await chat({ stream: true, stream_options: { include_usage: true } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const turnId = res.headers.get('x-stream-id');
    expect(turnId).toMatch(/^chatcmpl-/);
    const events = parseSse(await res.text());
    expect(events.at(-1)?.data).toBe('[DONE]');
    expect(events.every((event) => event.id !== undefined && Number(event.id) > 0)).toBe(true);
    const chunks = events.slice(0, -1).map((event) => ChatCompletionChunkSchema.parse(JSON.parse(event.data)));
    expect(chunks.every((chunk) => chunk.id === turnId)).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('You said: hello world');
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
  });

  it('streams the seed dialect when asked by header', async () => {
    const res = await chat({ stream: true }, { headers: { 'X-Stream-Format': 'seed' } });
    const chunks = parseSse(await res.text()).slice(0, -1).map((event) => ChatCompletionChunkSchema.parse(JSON.parse(event.data)));
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('end_turn');
  });

  it('answers one chat.completion without stream, and enqueues a ChatJob with the seed defaults', async () => {
    const before = h.worker.jobs.length;
    const res = await chat({ mcp_server_ids: ['cot'], extra_params: { enable_thinking: true } });
    expect(res.status).toBe(200);
    const completion = ChatCompletionSchema.parse(await res.json());
    expect(completion.choices[0]?.message.content).toBe('You said: hello world');
    expect(completion.usage.total_tokens).toBe(15);
    const job = ChatJobSchema.parse(h.worker.jobs[before]);
    expect(job).toMatchObject({ turnId: completion.id, userId: 'alice', model: TEST_MODEL, maxTokens: 4000, temperature: 0.5, mcpServerIds: ['cot'], keepSession: false });
    expect(job.thinking).toEqual({ enabled: true, budgetTokens: 1024 });
    const meta = await h.testRedis.client.hgetall(h.turnKeys.turnMeta(completion.id));
    expect(meta).toMatchObject({ userId: 'alice', model: TEST_MODEL });
    expect(await h.testRedis.client.ttl(h.turnKeys.turnMeta(completion.id))).toBeGreaterThan(0);
  });

  it('carries require_approval into the ChatJob (absent when not sent) and refuses a malformed one naming the field', async () => {
    const before = h.worker.jobs.length;
    const policy = { never: { tool_names: ['get-sum'] } };
    expect((await chat({ mcp_server_ids: ['cot'], require_approval: policy })).status).toBe(200);
    expect((await chat({ mcp_server_ids: ['cot'] })).status).toBe(200);
    const [withPolicy, without] = h.worker.jobs.slice(before).map((job) => ChatJobSchema.parse(job));
    expect(withPolicy?.requireApproval).toEqual(policy);
    expect(without).not.toHaveProperty('requireApproval');
    const bad = await chat({ require_approval: 'sometimes' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ code: 'invalid_request', param: expect.stringContaining('require_approval') });
  });

  it('turns a failed turn into an HTTP error for non-stream requests', async () => {
    h.worker.script = async (_job, emit) => {
      await emit({ type: 'error', code: 'model_throttled', message: 'too many requests upstream' });
      await emit({ type: 'done', finishReason: 'error' });
    };
    const res = await chat({});
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({ error: { message: 'too many requests upstream', type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null } });
    h.worker.script = echoScript;
  });

  it('refuses unknown models (404 model_not_found) and unknown MCP servers (400 naming the id)', async () => {
    const model = await chat({ model: 'nope' });
    expect(model.status).toBe(404);
    expect((await model.json()).error).toMatchObject({ code: 'model_not_found', param: 'model' });
    const servers = await chat({ mcp_server_ids: ['cot', 'not-mine'] });
    expect(servers.status).toBe(400);
    expect((await servers.json()).error).toMatchObject({ code: 'invalid_request', param: 'mcp_server_ids[1]', message: expect.stringContaining("'not-mine'") });
  });
});

describe('resume and stop', () => {
  it('replays after Last-Event-ID and then streams the live rest, without gaps or duplicates', async () => {
    const gated = gatedScript();
    h.worker.script = gated.script;
    const res = await chat({ stream: true }, {});
    const turnId = res.headers.get('x-stream-id')!;
    // Read the first event, then drop the connection mid-answer.
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const firstId = Number(parseSse(first)[0]?.id);
    await gated.reached;

    const resumed = h.request(`/v1/chat/completions/${turnId}/stream`, { headers: { 'Last-Event-ID': String(firstId) } });
    setTimeout(gated.release, 50);
    const response = await resumed;
    expect(response.headers.get('x-stream-id')).toBe(turnId);
    const events = parseSse(await response.text());
    const ids = events.filter((event) => event.data !== '[DONE]').map((event) => Number(event.id));
    expect(ids[0]).toBe(firstId + 1);
    expect(new Set(ids).size).toBe(ids.length);
    const text = events
      .filter((event) => event.data !== '[DONE]')
      .map((event) => JSON.parse(event.data).choices[0]?.delta.content ?? '')
      .join('');
    expect(text).toBe('first half second half');
    expect(events.at(-1)?.data).toBe('[DONE]');

    // After the end: ?after= replays the tail; after the last id only [DONE] remains.
    const tail = parseSse(await (await h.request(`/v1/chat/completions/${turnId}/stream?after=${ids.at(-2)}`)).text());
    expect(tail.map((event) => event.id ?? 'none')).toEqual([String(ids.at(-1)), String(ids.at(-1))]);
    const none = parseSse(await (await h.request(`/v1/chat/completions/${turnId}/stream?after=${ids.at(-1)}`)).text());
    expect(none.map((event) => event.data)).toEqual(['[DONE]']);
    h.worker.script = echoScript;
  });

  it('lets only the owner resume or stop a turn', async () => {
    const res = await chat({});
    const turnId = res.headers.get('x-stream-id')!;
    expect((await h.request(`/v1/chat/completions/${turnId}/stream`, { user: 'bob' })).status).toBe(403);
    const stop = await h.request(`/v1/stop/stream/${turnId}`, { method: 'POST', user: 'bob' });
    expect(stop.status).toBe(403);
    expect(await stop.json()).toMatchObject({ errno: -1, error: { code: 'forbidden' } });
    expect(await h.testRedis.client.exists(h.turnKeys.turnCancel(turnId))).toBe(0);
    expect((await h.request('/v1/chat/completions/chatcmpl-doesnotexist/stream')).status).toBe(404);
    expect((await h.request('/v1/stop/stream/chatcmpl-doesnotexist', { method: 'POST' })).status).toBe(404);
  });

  it('stops a turn: sets the cancel flag and broadcasts the turn id to workers', async () => {
    const gated = gatedScript();
    h.worker.script = gated.script;
    const res = await chat({ stream: true });
    const turnId = res.headers.get('x-stream-id')!;
    await gated.reached;
    const listener = h.testRedis.client.duplicate();
    const heard = new Promise<string>((resolve) => listener.on('message', (_channel, message) => resolve(message)));
    await listener.subscribe(h.turnKeys.cancelChannel());
    const stop = await h.request(`/v1/stop/stream/${turnId}`, { method: 'POST' });
    expect(await stop.json()).toEqual({ errno: 0, msg: 'Stream stopping initiated' });
    expect(await heard).toBe(turnId);
    expect(await h.testRedis.client.get(h.turnKeys.turnCancel(turnId))).toBe('1');
    expect(await h.testRedis.client.ttl(h.turnKeys.turnCancel(turnId))).toBeGreaterThan(0);
    listener.disconnect();
    gated.release();
    await res.text();
    h.worker.script = echoScript;
  });
});
