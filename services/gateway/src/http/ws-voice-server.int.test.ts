import { createHash } from 'node:crypto';
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { createLogger } from '@bedrock-mcp/common';
import { AppConfigFileSchema, VOICE_CLOSE_CODES, VoiceTicketResponseSchema, WS_CLOSE_CODES } from '@bedrock-mcp/contracts';
import { startMcpPoolProcess, startModelEmulator, startTestRedis, TEST_INTERNAL_API_KEY, type ModelEmulator, type PoolProcess, type TestRedis } from '@bedrock-mcp/test-support';
import { createHistoryKeys, HistoryStore } from '@bedrock-mcp/turns';
import { VoiceHistory } from '@bedrock-mcp/voice';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSonicClient } from '../domain/sonic-client.js';
import { UserApiKeyStore } from '../domain/user-api-key-store.js';
import { startGatewayHarness, type GatewayHarness, type GatewayHarnessOptions } from '../testing/gateway-harness.js';
import { isFinalText, VoiceTestClient } from '../testing/voice-test-client.js';

// The gateway in-process with real Redis, a real mcp-pool process running server-everything, and
// the real AWS SDK (the gateway's own Sonic client factory) against the model emulator's Nova Sonic.

const APP = AppConfigFileSchema.parse({
  models: [{ model_id: 'test.model-v1', model_name: 'Test model' }],
  mcpServers: { everything: { command: 'mcp-server-everything', args: ['stdio'], description: 'MCP reference server' } },
});

let emulator: ModelEmulator;
let sonic: BedrockRuntimeClient;
let poolRedis: TestRedis;
let pool: PoolProcess;
let h: GatewayHarness;
const clients: VoiceTestClient[] = [];
const extraHarnesses: GatewayHarness[] = [];

async function startHarness(options: GatewayHarnessOptions = {}): Promise<GatewayHarness> {
  return startGatewayHarness({ app: APP, poolUrl: pool.url, sonicClient: sonic, ...options });
}

async function ticket(harness: GatewayHarness, body: Record<string, unknown> = {}, user = 'alice'): Promise<string> {
  const res = await harness.request('/v1/voice/ticket', { method: 'POST', body: JSON.stringify(body), user });
  expect(res.status, await res.clone().text()).toBe(200);
  return VoiceTicketResponseSchema.parse(await res.json()).ticket;
}

function connect(harness: GatewayHarness, params: Record<string, string>): VoiceTestClient {
  const client = new VoiceTestClient(harness.voiceUrl(params));
  clients.push(client);
  return client;
}

async function connectReady(harness: GatewayHarness, params: Record<string, string>): Promise<VoiceTestClient> {
  const client = connect(harness, params);
  await client.waitFor((frame) => frame.type === 'ready', 'ready');
  return client;
}

/** A sample of /metrics (every series carries the `service` label). */
async function metric(harness: GatewayHarness, name: string, label = ''): Promise<number | undefined> {
  const text = await (await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${TEST_INTERNAL_API_KEY}` } })).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`) && candidate.includes(label));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

beforeAll(async () => {
  emulator = await startModelEmulator();
  sonic = createSonicClient('us-east-1', { endpoint: emulator.bedrockEndpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  // Only global servers are used, so the pool needs no user configs from the gateways' Redis prefixes.
  poolRedis = await startTestRedis('gateway-voice-pool');
  pool = await startMcpPoolProcess({ redisUrl: poolRedis.url, redisPrefix: poolRedis.prefix, app: APP });
  h = await startHarness();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(extraHarnesses.splice(0).map((harness) => harness.close()));
  emulator.reset();
});
afterAll(async () => {
  await h?.close();
  await pool?.stop();
  await poolRedis?.close();
  sonic?.destroy();
  await emulator?.close();
});

describe('POST /v1/voice/ticket', () => {
  it('issues a ticket for an authenticated caller, checking the voice, the servers and the body', async () => {
    const res = await h.request('/v1/voice/ticket', { method: 'POST', body: JSON.stringify({ mcp_server_ids: ['everything'], voice_id: 'amy' }) });
    expect(res.status).toBe(200);
    const body = VoiceTicketResponseSchema.parse(await res.json());
    expect(body.expires_in).toBe(h.settings.VOICE_TICKET_TTL_S);
    expect(body.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Redis holds only the ticket's hash.
    expect(await h.testRedis.client.exists(h.keys.voiceTicket(createHash('sha256').update(body.ticket).digest('hex')))).toBe(1);
    expect(await h.testRedis.client.exists(h.keys.voiceTicket(body.ticket))).toBe(0);
    // An empty body is fine: the default voice, no tools.
    expect((await h.request('/v1/voice/ticket', { method: 'POST' })).status).toBe(200);
  });

  it('refuses a missing key (401), an unknown voice, an unknown server or field (400 naming it)', async () => {
    expect((await h.request('/v1/voice/ticket', { method: 'POST', key: '', body: '{}' })).status).toBe(401);
    const voice = await h.request('/v1/voice/ticket', { method: 'POST', body: JSON.stringify({ voice_id: 'brian' }) });
    expect(voice.status).toBe(400);
    expect(await voice.json()).toMatchObject({ error: { code: 'invalid_request', param: 'voice_id', message: expect.stringContaining('matthew, tiffany, amy') } });
    const server = await h.request('/v1/voice/ticket', { method: 'POST', body: JSON.stringify({ mcp_server_ids: ['everything', 'nope'] }) });
    expect(server.status).toBe(400);
    expect(await server.json()).toMatchObject({ error: { param: 'mcp_server_ids[1]', message: expect.stringContaining("'nope'") } });
    const field = await h.request('/v1/voice/ticket', { method: 'POST', body: JSON.stringify({ api_key: 'x' }) });
    expect(field.status).toBe(400);
  });
});

describe('voice socket authorization', () => {
  it('refuses a socket without a ticket, with an unknown, a used or an expired one (4401)', async () => {
    expect(await connect(h, {}).closed).toMatchObject({ code: WS_CLOSE_CODES.unauthorized, reason: expect.stringContaining('POST /v1/voice/ticket') });
    expect((await connect(h, { ticket: 'A'.repeat(43) }).closed).code).toBe(WS_CLOSE_CODES.unauthorized);

    const once = await ticket(h);
    await connectReady(h, { ticket: once });
    expect(await connect(h, { ticket: once }).closed).toMatchObject({ code: WS_CLOSE_CODES.unauthorized, reason: expect.stringContaining('used') });

    const expiring = await ticket(h);
    await h.testRedis.client.pexpire(h.keys.voiceTicket(createHash('sha256').update(expiring).digest('hex')), 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await connect(h, { ticket: expiring }).closed).code).toBe(WS_CLOSE_CODES.unauthorized);
    expect(await metric(h, 'gateway_voice_refused_total', 'code="4401"')).toBe(4);
  });

  it('refuses the seed’s query token unless VOICE_ALLOW_QUERY_TOKEN is on', async () => {
    const refused = await connect(h, { token: 'test-service-key', user_id: 'alice' }).closed;
    expect(refused).toMatchObject({ code: WS_CLOSE_CODES.unauthorized, reason: expect.stringContaining('not accepted') });
  });

  it('with VOICE_ALLOW_QUERY_TOKEN, takes the seed’s token + user_id under the REST rules (4401 bad key, 4403 someone else)', async () => {
    const seedish = await startHarness({ env: { VOICE_ALLOW_QUERY_TOKEN: '1' } });
    extraHarnesses.push(seedish);
    const client = await connectReady(seedish, { token: 'test-service-key', user_id: 'carol', voice_id: 'tiffany', mcp_server_ids: 'everything' });
    expect(client.of('ready')).toEqual([{ type: 'ready', voiceId: 'tiffany' }]);
    // `ready` comes before the stream reaches Bedrock (the SDK answers only with the first output).
    await waitUntil(async () => emulator.sonicSessions.length === 1, 'the stream to reach Bedrock');
    expect(emulator.sonicSessions[0]?.promptStart?.['audioOutputConfiguration']).toMatchObject({ voiceId: 'tiffany' });

    expect((await connect(seedish, { token: 'wrong-key', user_id: 'carol' }).closed).code).toBe(WS_CLOSE_CODES.unauthorized);
    const { apiKey } = await new UserApiKeyStore(seedish.testRedis.client, seedish.keys).create('bob');
    expect((await connect(seedish, { token: apiKey, user_id: 'carol' }).closed).code).toBe(WS_CLOSE_CODES.forbidden);
    await connectReady(seedish, { token: apiKey });
    // A ticket still works there.
    await connectReady(seedish, { ticket: await ticket(seedish) });
  });

  it('refuses an unknown voice or server in the query (4400) and a ticket presented for another user (4403)', async () => {
    expect(await connect(h, { ticket: await ticket(h), voice_id: 'brian' }).closed).toMatchObject({ code: VOICE_CLOSE_CODES.invalidRequest, reason: expect.stringContaining('brian') });
    expect((await connect(h, { ticket: await ticket(h), mcp_server_ids: 'nope' }).closed).code).toBe(VOICE_CLOSE_CODES.invalidRequest);
    expect((await connect(h, { ticket: await ticket(h), user_id: 'mallory' }).closed).code).toBe(WS_CLOSE_CODES.forbidden);
  });
});

describe('a voice conversation', () => {
  it('answers a spoken question: user transcript, a tool call through the pool, assistant transcript, 24 kHz audio, history', async () => {
    emulator.scriptSonic({
      audioMs: 600,
      turns: [
        {
          userTranscript: 'please echo hello voice',
          toolUse: { name: 'everything__echo', input: { message: 'hello voice' } },
          assistantText: ({ toolResult }) => `The tool said ${toolResult ?? 'nothing'}.`,
        },
      ],
    });
    const user = 'dana';
    const client = await connectReady(h, { ticket: await ticket(h, { mcp_server_ids: ['everything'], voice_id: 'matthew' }, user) });
    expect(client.frames.slice(0, 2)).toEqual([
      { type: 'connection_established', sessionId: expect.any(String) },
      { type: 'ready', voiceId: 'matthew' },
    ]);
    expect(await metric(h, 'gateway_voice_sessions')).toBe(1);

    client.speak();
    const answer = 'The tool said Echo: hello voice.';
    await client.waitFor(isFinalText('assistant', answer), 'the final answer');
    expect(client.of('text').filter((frame) => frame.role === 'user')).toEqual([
      { type: 'text', role: 'user', utteranceId: expect.any(String), content: 'please echo hello voice', final: true, user: 'please echo hello voice' },
    ]);
    const [toolUse] = client.of('toolUse');
    expect(toolUse).toEqual({ type: 'toolUse', toolUseId: expect.any(String), name: 'everything__echo', input: { message: 'hello voice' } });
    expect(client.of('toolResult')).toEqual([{ type: 'toolResult', toolUseId: toolUse!.toolUseId, name: 'everything__echo', content: 'Echo: hello voice', isError: false }]);
    expect(client.of('audio_data').every((frame) => frame.sampleRate === 24_000)).toBe(true);
    await client.waitFor(() => client.audioSamples() >= 24_000 * 0.6, 'all the audio');
    expect(client.audioSamples()).toBe(24_000 * 0.6);

    const [stream] = emulator.sonicSessions;
    expect(stream?.systemPrompt).toBe(h.settings.VOICE_SYSTEM_PROMPT);
    expect(stream?.toolResults).toEqual([{ toolUseId: toolUse!.toolUseId, content: 'Echo: hello voice' }]);
    expect(stream?.audioInputBytes).toBeGreaterThanOrEqual(16_000 * 2 * 0.9);

    expect(await client.close()).toMatchObject({ code: 1000 });
    await waitUntil(async () => (await metric(h, 'gateway_voice_sessions')) === 0, 'the session gauge to drop');
    expect(stream?.outcome).toBe('ended');
    // The transcripts are in the user's chat history, in the agent worker's message format.
    expect(await new VoiceHistory(new HistoryStore(h.testRedis.client, { prefix: h.keys.prefix, logger: createLogger({ service: 'test', level: 'silent' }) })).load(user)).toEqual([
      { role: 'user', text: 'please echo hello voice' },
      { role: 'assistant', text: answer },
    ]);
    expect(JSON.parse((await h.testRedis.client.lindex(createHistoryKeys(h.keys.prefix).history({ userId: user, conversationId: null }), 0))!)).toEqual({ role: 'user', content: [{ text: 'please echo hello voice' }] });
  });

  it('starts from the user’s history with keep_session (default) and leaves it alone with keep_session=0', async () => {
    const user = 'erin';
    await h.testRedis.client.rpush(
      createHistoryKeys(h.keys.prefix).history({ userId: user, conversationId: null }),
      JSON.stringify({ role: 'user', content: [{ text: 'my favourite colour is teal' }] }),
      JSON.stringify({ role: 'assistant', content: [{ text: 'Noted: teal.' }] }),
    );
    emulator.scriptSonic({ turns: [{ userTranscript: 'what colour', assistantText: 'Teal.' }, { userTranscript: 'again', assistantText: 'Still teal.' }] });
    const kept = await connectReady(h, { ticket: await ticket(h, {}, user) });
    kept.speak();
    await kept.waitFor(isFinalText('assistant', 'Teal.'), 'the answer');
    await kept.close();
    expect(emulator.sonicSessions[0]?.history).toEqual([
      { role: 'USER', text: 'my favourite colour is teal' },
      { role: 'ASSISTANT', text: 'Noted: teal.' },
    ]);
    await waitUntil(async () => (await h.testRedis.client.llen(createHistoryKeys(h.keys.prefix).history({ userId: user, conversationId: null }))) === 4, 'the transcripts to be appended');

    const apart = await connectReady(h, { ticket: await ticket(h, {}, user), keep_session: '0' });
    apart.speak();
    await apart.waitFor(isFinalText('assistant', 'Still teal.'), 'the answer');
    await apart.close();
    expect(emulator.sonicSessions[1]?.history).toEqual([]);
    expect(await h.testRedis.client.llen(createHistoryKeys(h.keys.prefix).history({ userId: user, conversationId: null }))).toBe(4);
  });

  it('barge-in: the interruption reaches the client and none of the cut answer follows it', async () => {
    emulator.scriptSonic({
      audioMs: 3000,
      audioChunkDelayMs: 10,
      turns: [
        { userTranscript: 'tell me a long story', assistantText: 'Once upon a time there was a very long story.' },
        { userTranscript: 'shorter please', assistantText: 'Sure.', audioMs: 80 },
      ],
    });
    const client = await connectReady(h, { ticket: await ticket(h) });
    client.speak();
    await client.waitFor((frame) => frame.type === 'audio_data', 'the first answer to start');
    client.speak(200, 500);
    await client.waitFor((frame) => frame.type === 'interrupted', 'the interruption');
    await client.waitFor(isFinalText('assistant', 'Sure.'), 'the second answer');
    await client.waitFor(() => client.audioSamples(client.frames.findIndex((frame) => frame.type === 'interrupted')) >= 24 * 80, 'the second answer’s audio');

    const interruptedAt = client.frames.findIndex((frame) => frame.type === 'interrupted');
    expect(client.of('interrupted')).toHaveLength(1);
    expect(client.audioSamples(0) - client.audioSamples(interruptedAt)).toBeLessThan(24_000 * 3);
    expect(client.audioSamples(interruptedAt)).toBe(24 * 80);
    expect(emulator.sonicSessions[0]?.interruptions).toBe(1);
  });

  it('renews the Bedrock stream before its limit without the client noticing (VOICE_SESSION_RENEW_MS)', async () => {
    const renewing = await startHarness({ env: { VOICE_SESSION_RENEW_MS: '1000', VOICE_SESSION_RENEW_GRACE_MS: '3000' } });
    extraHarnesses.push(renewing);
    emulator.scriptSonic({
      turns: [
        { userTranscript: 'my name is Alice', assistantText: 'Nice to meet you, Alice.' },
        { userTranscript: 'what is my name', assistantText: ({ session }) => `You said: ${session.history.map((turn) => turn.text).join(' / ')}` },
      ],
    });
    const client = await connectReady(renewing, { ticket: await ticket(renewing, {}, 'frank'), keep_session: '0' });
    client.speak();
    await client.waitFor(isFinalText('assistant', 'Nice to meet you, Alice.'), 'the first answer');
    await waitUntil(async () => emulator.sonicSessions.length === 2, 'the renewal', 5000);
    client.speak();
    await client.waitFor(isFinalText('assistant', 'You said: my name is Alice / Nice to meet you, Alice.'), 'the answer from the renewed stream');
    expect(emulator.sonicSessions[0]?.outcome).toBe('ended');
    expect(client.of('ready')).toHaveLength(1);
    expect(client.of('error')).toEqual([]);
  });

  it('answers ping, reports a malformed text frame without closing, and closes on an oversized frame (1009)', async () => {
    const client = await connectReady(h, { ticket: await ticket(h) });
    client.socket.send(JSON.stringify({ type: 'ping' }));
    await client.waitFor((frame) => frame.type === 'pong', 'pong');
    client.socket.send('hello');
    client.socket.send(JSON.stringify({ type: 'audio' }));
    await waitUntil(async () => client.of('error').length === 2, 'two error frames');
    expect(client.of('error').map((frame) => frame.code)).toEqual(['invalid_request', 'invalid_request']);
    client.socket.send(Buffer.alloc(65 * 1024));
    expect((await client.closed).code).toBe(1009);
  });

  it('reports a refused model session as an error frame, then closes with 1011', async () => {
    emulator.failNext({ kind: 'http', status: 403, message: 'not allowed' });
    const client = await connectReady(h, { ticket: await ticket(h) });
    expect(await client.closed).toMatchObject({ code: VOICE_CLOSE_CODES.modelFailed });
    expect(client.of('error')).toEqual([{ type: 'error', code: 'upstream_error', message: 'the voice model refused the session: not allowed' }]);
  });

  it('closes a client that does not read the audio (4408) instead of buffering without bound', async () => {
    const small = await startHarness({ voice: { highWaterBytes: 16 * 1024, maxQueuedBytes: 64 * 1024 } });
    extraHarnesses.push(small);
    // 5 minutes of answer (~19 MB of JSON): more than the loopback socket buffers can hide.
    emulator.scriptSonic({ audioMs: 300_000, audioChunkMs: 500, turns: [{ userTranscript: 'talk a lot', assistantText: 'Here goes.' }] });
    const client = await connectReady(small, { ticket: await ticket(small) });
    client.speak();
    await client.waitFor((frame) => frame.type === 'audio_data', 'the answer to start');
    client.socket.pause();
    await waitUntil(async () => (await metric(small, 'gateway_voice_sessions')) === 0, 'the gateway to give up on the client', 20_000);
    client.socket.resume();
    expect(await client.closed).toMatchObject({ code: VOICE_CLOSE_CODES.clientTooSlow, reason: expect.stringContaining('fast enough') });
  });

  it('closes voice sockets with 1001 when the gateway shuts down', async () => {
    const closing = await startHarness();
    const client = await connectReady(closing, { ticket: await ticket(closing) });
    await waitUntil(async () => emulator.sonicSessions.length === 1, 'the stream to reach Bedrock');
    await closing.close();
    expect((await client.closed).code).toBe(WS_CLOSE_CODES.goingAway);
    expect(emulator.sonicSessions.at(-1)?.outcome).toBe('ended');
  });
});

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
