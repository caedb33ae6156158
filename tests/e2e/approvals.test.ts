import { APPROVAL_REQUIRED_FINISH_REASON, type OpenAiApprovalRequest, type TurnAnswersInput } from '@bedrock-mcp/contracts';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSse } from './support/sse.js';
import { startStack, STACK_MODEL, type Stack } from './support/stack.js';
import { ChatSocket, textOf } from './support/ws-client.js';

/**
 * Tool approval and MCP elicitation through the whole platform: gateway, queue, worker, pool and
 * server-everything, with the official openai client for the chat calls and plain HTTP for the
 * answers route (the openai client has no call for it).
 */
let stack: Stack;
let client: OpenAI;
const USER = 'approver';
const ALWAYS_ECHO = { always: { tool_names: ['echo'] } };

type ApprovalChoice = OpenAI.ChatCompletion.Choice & { message: { approval_requests?: OpenAiApprovalRequest[] } };
type ApprovalChunkChoice = OpenAI.ChatCompletionChunk.Choice & { approval_requests?: OpenAiApprovalRequest[] };

beforeAll(async () => {
  stack = await startStack({ label: 'approvals' });
  client = new OpenAI({ baseURL: stack.baseUrl, apiKey: stack.apiKey, defaultHeaders: { 'X-User-ID': USER }, maxRetries: 0 });
  stack.emulator.script([
    { when: { lastUserText: 'echo please' }, reply: { toolUses: [{ name: 'everything__echo', input: { message: 'from the model' } }] } },
    { when: { afterToolResult: 'everything__echo' }, reply: (context) => ({ text: `Tool said: ${context.lastToolResultText}` }) },
    {
      when: { lastUserText: 'echo twice' },
      reply: { toolUses: [{ name: 'everything__echo', input: { message: 'one' } }, { name: 'everything__echo', input: { message: 'two' } }] },
    },
    { when: { lastUserText: 'ask me something' }, reply: { toolUses: [{ name: 'everything__trigger-elicitation-request', input: {} }] } },
    { when: { afterToolResult: 'everything__trigger-elicitation-request' }, reply: (context) => ({ text: `Form said: ${context.lastToolResultText}` }) },
  ]);
});
afterAll(async () => {
  await stack?.stop();
});

function echoRequest(extra: Record<string, unknown> = {}) {
  return client.chat.completions.create({
    model: STACK_MODEL,
    messages: [{ role: 'user', content: 'echo please' }],
    // @ts-expect-error the platform's extensions
    mcp_server_ids: ['everything'],
    require_approval: ALWAYS_ECHO,
    ...extra,
  });
}

function answer(turnId: string, body: TurnAnswersInput & { stream?: boolean }, userId = USER): Promise<Response> {
  return stack.fetch(`/v1/turns/${turnId}/approvals`, { method: 'POST', userId, body: JSON.stringify(body) });
}

async function pausedAt(completion: OpenAI.ChatCompletion): Promise<{ turnId: string; request: OpenAiApprovalRequest }> {
  const choice = completion.choices[0] as ApprovalChoice;
  expect(choice.finish_reason).toBe(APPROVAL_REQUIRED_FINISH_REASON);
  const request = choice.message.approval_requests?.[0];
  expect(request).toBeDefined();
  return { turnId: completion.id, request: request! };
}

describe('tool approval over the OpenAI-compatible API', () => {
  it('stops a non-stream completion at the approval, then runs the approved tool and answers', async () => {
    const { turnId, request } = await pausedAt(await echoRequest());
    expect(request).toMatchObject({ type: 'mcp_approval_request', server_label: 'everything', name: 'echo' });
    expect(JSON.parse((request as { arguments: string }).arguments)).toEqual({ message: 'from the model' });

    const continued = await answer(turnId, { approvals: [{ id: request.id, decision: 'approve' }] });
    expect(continued.status).toBe(200);
    const completion = (await continued.json()) as OpenAI.ChatCompletion;
    expect(completion.choices[0]?.message.content).toBe('Tool said: Echo: from the model');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
  });

  it('streams the approval request as a chunk extension; a denial reaches the model as a tool result', async () => {
    const params = { model: STACK_MODEL, messages: [{ role: 'user' as const, content: 'echo please' }], stream: true as const, mcp_server_ids: ['everything'], require_approval: ALWAYS_ECHO };
    const stream = await client.chat.completions.create(params);
    const finishReasons: string[] = [];
    let asked: OpenAiApprovalRequest | undefined;
    let turnId = '';
    for await (const chunk of stream) {
      turnId = chunk.id;
      const choice = chunk.choices[0];
      if (choice?.finish_reason) finishReasons.push(choice.finish_reason);
      asked ??= (choice as ApprovalChunkChoice | undefined)?.approval_requests?.[0];
    }
    expect(finishReasons).toEqual([APPROVAL_REQUIRED_FINISH_REASON]);
    expect(asked?.type).toBe('mcp_approval_request');

    const continued = await answer(turnId, { approvals: [{ id: asked!.id, decision: 'deny', message: 'not today' }], stream: true });
    expect(continued.status).toBe(200);
    const chunks = (await readSse(continued)).filter((event) => event.data !== '[DONE]').map((event) => JSON.parse(event.data) as OpenAI.ChatCompletionChunk);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toContain('Tool said:');
    expect(text).toContain('denied');
    expect(text).toContain('not today');
    expect(text).not.toContain('Echo: from the model');
  });

  it('runs the tool with the arguments a person edited', async () => {
    const { turnId, request } = await pausedAt(await echoRequest());
    const continued = await answer(turnId, { approvals: [{ id: request.id, decision: 'approve', arguments: { message: 'edited by a person' } }] });
    const completion = (await continued.json()) as OpenAI.ChatCompletion;
    expect(completion.choices[0]?.message.content).toContain('Echo: edited by a person');
  });

  it('lets only the owner answer, and only once', async () => {
    const { turnId, request } = await pausedAt(await echoRequest());
    const intruder = await answer(turnId, { approvals: [{ id: request.id, decision: 'approve' }] }, 'someone-else');
    expect(intruder.status).toBe(403);
    const unknownAsk = await answer(turnId, { approvals: [{ id: 'ask_doesnotexist1', decision: 'approve' }] });
    expect(unknownAsk.status).toBe(404);

    expect((await answer(turnId, { approvals: [{ id: request.id, decision: 'deny' }] })).status).toBe(200);
    const again = await answer(turnId, { approvals: [{ id: request.id, decision: 'approve' }] });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('conflict');
  });

  it('remembers "approve for this conversation" for that conversation only', async () => {
    const first = await pausedAt(await echoRequest({ conversation_id: 'conv-remember' }));
    await (await answer(first.turnId, { approvals: [{ id: first.request.id, decision: 'approve', remember: 'conversation' }] })).json();

    const again = await echoRequest({ conversation_id: 'conv-remember' });
    expect(again.choices[0]?.finish_reason).toBe('stop');
    expect(again.choices[0]?.message.content).toBe('Tool said: Echo: from the model');

    const elsewhere = await echoRequest({ conversation_id: 'conv-other' });
    expect(elsewhere.choices[0]?.finish_reason).toBe(APPROVAL_REQUIRED_FINISH_REASON);
  });

  it('answers a partial answer at once with the asks still open, and resumes after the last one', async () => {
    const completion = await client.chat.completions.create({
      model: STACK_MODEL,
      messages: [{ role: 'user', content: 'echo twice' }],
      // @ts-expect-error the platform's extensions
      mcp_server_ids: ['everything'],
      require_approval: ALWAYS_ECHO,
    });
    const asks = (completion.choices[0] as ApprovalChoice).message.approval_requests ?? [];
    expect(asks).toHaveLength(2);
    const [first, second] = asks as [OpenAiApprovalRequest, OpenAiApprovalRequest];

    const partial = await answer(completion.id, { approvals: [{ id: first.id, decision: 'approve' }] });
    expect(partial.status).toBe(200);
    const stillPaused = (await partial.json()) as OpenAI.ChatCompletion;
    expect(stillPaused.choices[0]?.finish_reason).toBe(APPROVAL_REQUIRED_FINISH_REASON);
    expect((stillPaused.choices[0] as ApprovalChoice).message.approval_requests?.map((request) => request.id)).toEqual([second.id]);

    const rest = await answer(completion.id, { approvals: [{ id: second.id, decision: 'approve' }] });
    const finished = (await rest.json()) as OpenAI.ChatCompletion;
    expect(finished.choices[0]?.finish_reason).toBe('stop');
    expect(finished.choices[0]?.message.content).toBe('Tool said: Echo: two');
  });

  it('survives a restart of the worker and of the gateway while the turn waits', async () => {
    const { turnId, request } = await pausedAt(await echoRequest());
    await stack.workers[0]!.stop();
    await stack.restartGateway();
    await stack.addWorker();
    const continued = await answer(turnId, { approvals: [{ id: request.id, decision: 'approve' }] });
    expect(continued.status).toBe(200);
    const completion = (await continued.json()) as OpenAI.ChatCompletion;
    expect(completion.choices[0]?.message.content).toBe('Tool said: Echo: from the model');
  });
});

describe('MCP elicitation through the platform', () => {
  it('asks through the API and relays the accepted form to the server', async () => {
    const completion = await client.chat.completions.create({
      model: STACK_MODEL,
      messages: [{ role: 'user', content: 'ask me something' }],
      // @ts-expect-error the platform's extensions
      mcp_server_ids: ['everything'],
    });
    const { turnId, request } = await pausedAt(completion);
    expect(request.type).toBe('mcp_elicitation_request');
    expect((request as { requested_schema: { properties: Record<string, unknown> } }).requested_schema.properties).toHaveProperty('name');

    const continued = await answer(turnId, { elicitations: [{ id: request.id, action: 'accept', content: { name: 'Ada Lovelace', check: true } }] });
    expect(continued.status).toBe(200);
    const answered = (await continued.json()) as OpenAI.ChatCompletion;
    expect(answered.choices[0]?.message.content).toContain('Name: Ada Lovelace');
  });

  it('carries the ask as a WebSocket event and takes the answer frame; a decline reaches the server', async () => {
    const socket = await ChatSocket.connect(stack.wsUrl, stack.apiKey, USER);
    try {
      socket.send({ type: 'chat', requestId: 'r1', body: { model: STACK_MODEL, messages: [{ role: 'user', content: 'ask me something' }], mcp_server_ids: ['everything'] } });
      const { turnId } = await socket.next('accepted');
      const asked = await socket.next('event', (frame) => frame.event.turnId === turnId && frame.event.type === 'approval_request');
      const ask = asked.event.type === 'approval_request' ? asked.event.asks[0] : undefined;
      expect(ask?.kind).toBe('elicitation');
      socket.send({ type: 'answer', turnId, answers: { elicitations: [{ id: ask!.id, action: 'decline' }] } });
      await socket.next('answered', (frame) => frame.turnId === turnId);
      await socket.done(turnId);
      expect(textOf(socket.events(turnId))).toContain('declined');
    } finally {
      socket.close();
    }
  });
});
