import { ChatCompletionChunkSchema, ChatCompletionSchema, WsServerFrameSchema, type ChatCompletionChunk, type OpenAiApprovalRequest, type WsServerFrame } from '@bedrock-mcp/contracts';
import OpenAI from 'openai';
import type { Stream } from 'openai/core/streaming';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { parseSse, SERVICE_KEY, startGatewayHarness, TEST_MODEL, type GatewayHarness } from '../testing/gateway-harness.js';
import { approvalScript, approvalScriptWith, ECHO_ASK_ID } from '../testing/scripted-turn-worker.js';

/** The stream's idle timeout here: far shorter than the asks' lifetime, so a wait for a person outlasts it. */
const IDLE_MS = 400;

let h: GatewayHarness;
let client: OpenAI;
beforeAll(async () => {
  h = await startGatewayHarness({ env: { RATE_LIMIT_PER_MINUTE: '1000' }, streamIdleTimeoutMs: IDLE_MS });
  h.worker.script = approvalScript;
  client = openAiClient(h.url, 'alice');
});
afterAll(async () => {
  await h?.close();
});

function openAiClient(url: string, user: string): OpenAI {
  return new OpenAI({ baseURL: `${url}/v1`, apiKey: SERVICE_KEY, defaultHeaders: { 'X-User-ID': user }, maxRetries: 0 });
}

/** The OpenAI dialect's extension as the openai client hands it over (passed through untouched). */
type WithAsks<T> = T & { approval_requests?: OpenAiApprovalRequest[] };

const chat = (body: Record<string, unknown>, user = 'alice') =>
  h.request('/v1/chat/completions', { method: 'POST', user, body: JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'hello' }], ...body }) });

const answer = (turnId: string, body: Record<string, unknown>, user = 'alice') =>
  h.request(`/v1/turns/${turnId}/approvals`, { method: 'POST', user, body: JSON.stringify(body) });

const approve = { approvals: [{ id: ECHO_ASK_ID, decision: 'approve' }] };

function chunksOf(text: string): ChatCompletionChunk[] {
  const events = parseSse(text);
  expect(events.at(-1)?.data).toBe('[DONE]');
  return events.slice(0, -1).map((event) => ChatCompletionChunkSchema.parse(JSON.parse(event.data)));
}

/** Starts a streamed turn and reads it to its pause; returns the turn id. */
async function pausedTurn(user = 'alice'): Promise<string> {
  const res = await chat({ stream: true }, user);
  expect(res.status).toBe(200);
  const chunks = chunksOf(await res.text());
  expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('approval_required');
  return res.headers.get('x-stream-id')!;
}

describe('a turn that waits for a person, through the openai client', () => {
  it('streams up to the pause (approval_requests, finish_reason approval_required), and the approvals call streams the rest', async () => {
    const stream = await client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'hi there' }], stream: true });
    let text = '';
    const finishReasons: string[] = [];
    let requests: OpenAiApprovalRequest[] | undefined;
    let turnId = '';
    for await (const chunk of stream) {
      turnId = chunk.id;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finishReasons.push(chunk.choices[0].finish_reason);
      requests ??= (chunk.choices[0] as WithAsks<OpenAI.ChatCompletionChunk.Choice> | undefined)?.approval_requests;
    }
    expect(text).toBe('Let me echo. ');
    expect(finishReasons).toEqual(['approval_required']);
    expect(requests).toEqual([
      { type: 'mcp_approval_request', id: ECHO_ASK_ID, server_label: 'everything', name: 'echo', arguments: '{"message":"hi there"}', reason: 'the server asks', expires_at: expect.any(Number) },
    ]);
    expect(requests![0]!.expires_at * 1000).toBeGreaterThan(Date.now());

    const rest = await client.post<Stream<OpenAI.ChatCompletionChunk>>(`/turns/${turnId}/approvals`, {
      body: { ...approve, stream: true, stream_options: { include_usage: true } },
      stream: true,
    });
    let restText = '';
    const restReasons: string[] = [];
    let toolUse: unknown;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of rest) {
      expect(chunk.id).toBe(turnId);
      restText += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) restReasons.push(chunk.choices[0].finish_reason);
      const extras = (chunk.choices[0] as { message_extras?: { tool_use: string } } | undefined)?.message_extras;
      if (extras) toolUse = JSON.parse(extras.tool_use);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(restText).toBe('Outcome: approved.');
    expect(restReasons).toEqual(['stop']);
    // The tool round the pause interrupted comes out whole: the call (before the pause) and its result.
    expect(toolUse).toEqual([
      { toolUseId: 'tooluse_echo', name: 'everything__echo', input: { message: 'hi there' } },
      { toolUseId: 'tooluse_echo', content: [{ text: 'Echo: hi there' }] },
    ]);
    expect(usage?.total_tokens).toBe(28);
  });

  it('answers a chat.completion that stops at the asks, and the approvals call (deny, non-stream) returns the rest', async () => {
    const { data: completion, response } = await client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    const turnId = response.headers.get('x-stream-id')!;
    expect(completion.id).toBe(turnId);
    expect(completion.choices[0]?.finish_reason).toBe('approval_required');
    const message = completion.choices[0]!.message as WithAsks<OpenAI.ChatCompletionMessage>;
    expect(message.content).toBe('Let me echo. ');
    expect(message.approval_requests?.map((request) => [request.type, request.id])).toEqual([['mcp_approval_request', ECHO_ASK_ID]]);

    const { data: rest, response: restResponse } = await client
      .post<OpenAI.ChatCompletion>(`/turns/${turnId}/approvals`, { body: { approvals: [{ id: ECHO_ASK_ID, decision: 'deny', message: 'not now' }] } })
      .withResponse();
    expect(restResponse.headers.get('x-stream-id')).toBe(turnId);
    const parsed = ChatCompletionSchema.parse(rest);
    expect(parsed.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant', content: 'Outcome: denied.' } });
    expect(parsed.choices[0]?.message.approval_requests).toBeUndefined();
    expect(parsed.choices[0]?.message_extras?.tool_use).toEqual([{ name: 'everything__echo', arguments: { message: 'hi' }, result: [{ text: 'The call was denied.' }] }]);
  });
});

describe('an MCP server’s elicitation', () => {
  it('arrives as an mcp_elicitation_request with its schema; the accepted form goes back to the turn', async () => {
    const askId = 'ask_elicit00000001';
    h.worker.script = async (job, emit, ask) => {
      await emit({ type: 'start', model: job.model, userId: job.userId });
      await emit({ type: 'round_start', round: 1 });
      await emit({ type: 'tool_call', toolUseId: 'tooluse_form', name: 'everything__elicit', input: {} });
      const settled = await ask([{ kind: 'elicitation', id: askId, toolUseId: 'tooluse_form', serverId: 'everything', message: 'Your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } }], 60_000);
      const answer = settled.get(askId);
      const name = answer?.state === 'answered' && 'action' in answer.answer ? String(answer.answer.content?.name) : '?';
      await emit({ type: 'text_delta', text: `Hello ${name}.` });
      await emit({ type: 'done', finishReason: 'end_turn' });
    };
    try {
      const completion = await client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'form' }] });
      expect(completion.choices[0]?.finish_reason).toBe('approval_required');
      expect((completion.choices[0]!.message as WithAsks<OpenAI.ChatCompletionMessage>).approval_requests).toEqual([
        {
          type: 'mcp_elicitation_request',
          id: askId,
          server_label: 'everything',
          message: 'Your name?',
          requested_schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
          expires_at: expect.any(Number),
        },
      ]);
      // An approval's answer for an elicitation is the wrong kind.
      expect((await answer(completion.id, { approvals: [{ id: askId, decision: 'approve' }] })).status).toBe(400);
      const rest = await client.post<OpenAI.ChatCompletion>(`/turns/${completion.id}/approvals`, { body: { elicitations: [{ id: askId, action: 'accept', content: { name: 'Ada' } }] } });
      expect(rest.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'Hello Ada.' } });
    } finally {
      h.worker.script = approvalScript;
    }
  });
});

describe('the seed dialect', () => {
  it('carries the asks as an <approval_request> block, then finishes with approval_required; the approvals call continues in the dialect', async () => {
    const res = await chat({ stream: true, stream_format: 'seed' });
    const turnId = res.headers.get('x-stream-id')!;
    const chunks = chunksOf(await res.text());
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    const block = /^Let me echo\. <approval_request>(.*)<\/approval_request>$/.exec(text)?.[1];
    const asked = JSON.parse(block!) as { expiresAt: number; asks: Array<{ id: string; kind: string; toolName: string; input: unknown }> };
    expect(asked.asks).toMatchObject([{ id: ECHO_ASK_ID, kind: 'approval', toolName: 'echo', input: { message: 'hello' } }]);
    expect(asked.expiresAt).toBeGreaterThan(Date.now());
    expect(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)).toEqual(['approval_required']);

    const rest = await answer(turnId, { ...approve, stream: true, stream_format: 'seed' });
    expect(rest.status).toBe(200);
    const restChunks = chunksOf(await rest.text());
    expect(restChunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)).toEqual(['tool_use', 'end_turn']);
    expect(restChunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Outcome: approved.');
  });
});

describe('POST /v1/turns/{turn_id}/approvals refuses', () => {
  it('another user (403), an unknown turn (404), an unknown ask (404), a bad body (400 naming the field), an ask answered twice (409)', async () => {
    const turnId = await pausedTurn();
    const anonymous = await fetch(`${h.url}/v1/turns/${turnId}/approvals`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(approve) });
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error.type).toBe('authentication_error');
    const other = await answer(turnId, approve, 'mallory');
    expect(other.status).toBe(403);
    expect((await other.json()).error.type).toBe('permission_error');
    expect((await answer('chatcmpl-unknown0000000', approve)).status).toBe(404);

    const unknownAsk = await answer(turnId, { approvals: [{ id: 'ask_nosuchask01', decision: 'approve' }] });
    expect(unknownAsk.status).toBe(404);
    expect((await unknownAsk.json()).error).toMatchObject({ param: 'approvals[0].id', message: expect.stringContaining('ask_nosuchask01') });

    const bad = await answer(turnId, { approvals: [{ id: ECHO_ASK_ID, decision: 'maybe' }] });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ type: 'invalid_request_error', param: 'approvals[0].decision' });
    const none = await answer(turnId, {});
    expect(none.status).toBe(400);
    expect((await none.json()).error.param).toBe('approvals');
    const wrongKind = await answer(turnId, { elicitations: [{ id: ECHO_ASK_ID, action: 'accept', content: {} }] });
    expect(wrongKind.status).toBe(400);
    expect((await wrongKind.json()).error.param).toBe('elicitations[0].id');
    const duplicate = await answer(turnId, { approvals: [{ id: ECHO_ASK_ID, decision: 'approve' }, { id: ECHO_ASK_ID, decision: 'deny' }] });
    expect(duplicate.status).toBe(400);
    expect((await duplicate.json()).error.param).toBe('approvals[1].id');

    // None of the refusals recorded anything: the owner's answer is the first.
    const first = await answer(turnId, approve);
    expect(first.status).toBe(200);
    expect(ChatCompletionSchema.parse(await first.json()).choices[0]?.message.content).toBe('Outcome: approved.');
    const twice = await answer(turnId, approve);
    expect(twice.status).toBe(409);
    expect((await twice.json()).error).toMatchObject({ code: 'conflict', message: expect.stringContaining('answered already') });
  });

  it('an answer after the ask expired (409), and the turn went on without it', async () => {
    h.worker.script = approvalScriptWith(600);
    try {
      const turnId = await pausedTurn();
      const resumed = await h.request(`/v1/chat/completions/${turnId}/stream?after=0`);
      await new Promise((resolve) => setTimeout(resolve, 900));
      const late = await answer(turnId, approve);
      expect(late.status).toBe(409);
      expect((await late.json()).error.message).toContain('expired');
      // The resumed stream stops at the pause too.
      const chunks = chunksOf(await resumed.text());
      expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('approval_required');
      const after = chunksOf(await (await h.request(`/v1/chat/completions/${turnId}/stream?after=${await seqOfPause(turnId)}`)).text());
      expect(after.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Outcome: expired.');
    } finally {
      h.worker.script = approvalScript;
    }
  });
});

/** The seq of the turn's approval_request, from its replayed stream. */
async function seqOfPause(turnId: string): Promise<number> {
  const events = parseSse(await (await h.request(`/v1/chat/completions/${turnId}/stream?after=0`)).text());
  const pause = events.find((event) => event.data.includes('approval_required'));
  return Number(pause?.id);
}

/** A chat WebSocket client that keeps every frame. */
class WsClient {
  readonly frames: WsServerFrame[] = [];
  private readonly socket: WebSocket;
  private readonly opened: Promise<void>;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('message', (data) => this.frames.push(WsServerFrameSchema.parse(JSON.parse(data.toString()))));
  }

  async send(frame: unknown): Promise<void> {
    await this.opened;
    this.socket.send(JSON.stringify(frame));
  }

  async waitFor(match: (frame: WsServerFrame) => boolean, timeoutMs = 5000): Promise<WsServerFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(this.frames.map((f) => (f.type === 'event' ? f.event.type : f.type)))}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    this.socket.close();
  }
}

const isEvent = (type: string) => (frame: WsServerFrame) => frame.type === 'event' && frame.event.type === type;

describe('the chat WebSocket', () => {
  it('relays the approval_request, answers the answer frame with answered, and keeps relaying the turn past its idle timeout to done', async () => {
    const ws = new WsClient(h.wsUrl);
    try {
      await ws.send({ type: 'auth', apiKey: SERVICE_KEY, userId: 'alice' });
      await ws.waitFor((frame) => frame.type === 'ready');
      await ws.send({ type: 'chat', requestId: 'r1', body: { model: TEST_MODEL, messages: [{ role: 'user', content: 'ws' }] } });
      const request = await ws.waitFor(isEvent('approval_request'));
      const turnId = request.type === 'event' ? request.event.turnId : '';
      // The person takes longer than the stream's idle timeout: the socket must not give up on the turn.
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS * 3));
      expect(ws.frames.filter((frame) => frame.type === 'error')).toEqual([]);

      await ws.send({ type: 'answer', turnId, answers: { approvals: [{ id: ECHO_ASK_ID, decision: 'approve' }] } });
      expect(await ws.waitFor((frame) => frame.type === 'answered')).toEqual({ type: 'answered', turnId });
      await ws.waitFor(isEvent('done'));
      const answered = ws.frames.flatMap((frame) => (frame.type === 'event' && frame.event.type === 'approval_answer' ? [frame.event] : []));
      expect(answered).toMatchObject([{ askId: ECHO_ASK_ID, outcome: 'approved' }]);
      const text = ws.frames.flatMap((frame) => (frame.type === 'event' && frame.event.type === 'text_delta' ? [frame.event.text] : [])).join('');
      expect(text).toBe('Let me echo. Outcome: approved.');

      await ws.send({ type: 'answer', turnId, answers: { approvals: [{ id: ECHO_ASK_ID, decision: 'approve' }] } });
      expect(await ws.waitFor((frame) => frame.type === 'error')).toMatchObject({ type: 'error', turnId, error: { code: 'conflict' } });
    } finally {
      ws.close();
    }
  });

  it('still gives up on a turn that stays silent past its asks’ expiry (and the idle timeout after it)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let expiresAt = 0;
    h.worker.script = async (job, emit) => {
      await emit({ type: 'start', model: job.model, userId: job.userId });
      expiresAt = Date.now() + 2 * IDLE_MS;
      await emit({ type: 'approval_request', asks: [{ kind: 'approval', id: ECHO_ASK_ID, toolUseId: 't', name: 'e__echo', serverId: 'e', toolName: 'echo', input: {}, reason: 'r' }], expiresAt });
      await gate; // a worker that died: no resume at expiry
    };
    const ws = new WsClient(h.wsUrl);
    try {
      await ws.send({ type: 'auth', apiKey: SERVICE_KEY, userId: 'alice' });
      await ws.waitFor((frame) => frame.type === 'ready');
      await ws.send({ type: 'chat', requestId: 'r2', body: { model: TEST_MODEL, messages: [{ role: 'user', content: 'silent' }] } });
      await ws.waitFor(isEvent('approval_request'));
      const error = await ws.waitFor((frame) => frame.type === 'error');
      expect(error).toMatchObject({ error: { code: 'timeout' } });
      expect(Date.now()).toBeGreaterThanOrEqual(expiresAt + IDLE_MS);
    } finally {
      ws.close();
      release();
      h.worker.script = approvalScript;
    }
  });

  it("refuses an answer frame for another user's turn with an error frame naming the turn", async () => {
    const turnId = await pausedTurn('bob');
    const ws = new WsClient(h.wsUrl);
    try {
      await ws.send({ type: 'auth', apiKey: SERVICE_KEY, userId: 'alice' });
      await ws.waitFor((frame) => frame.type === 'ready');
      await ws.send({ type: 'answer', turnId, answers: { approvals: [{ id: ECHO_ASK_ID, decision: 'approve' }] } });
      expect(await ws.waitFor((frame) => frame.type === 'error')).toMatchObject({ type: 'error', turnId, error: { code: 'forbidden' } });
    } finally {
      ws.close();
    }
    // bob's ask is still open to bob.
    expect((await answer(turnId, approve, 'bob')).status).toBe(200);
  });
});

describe('a gateway restart while a turn waits', () => {
  it('lets a new gateway instance answer a turn the old one opened, and stream the rest', async () => {
    const peer = await h.startPeer();
    let turnId: string;
    try {
      const res = await fetch(`${peer.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SERVICE_KEY}`, 'x-user-id': 'alice', 'content-type': 'application/json' },
        body: JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'restart' }], stream: true }),
      });
      turnId = res.headers.get('x-stream-id')!;
      expect(chunksOf(await res.text()).at(-1)?.choices[0]?.finish_reason).toBe('approval_required');
    } finally {
      await peer.close();
    }
    const rest = await openAiClient(h.url, 'alice').post<Stream<OpenAI.ChatCompletionChunk>>(`/turns/${turnId}/approvals`, { body: { ...approve, stream: true }, stream: true });
    let text = '';
    for await (const chunk of rest) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Outcome: approved.');
  });
});
