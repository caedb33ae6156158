import OpenAI from 'openai';
import type { RecordedRequest } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, STACK_MODEL, STACK_OPENAI_MODEL, type Stack } from './support/stack.js';

let stack: Stack;
let client: OpenAI;
beforeAll(async () => {
  stack = await startStack({ label: 'openai' });
  client = new OpenAI({ baseURL: stack.baseUrl, apiKey: stack.apiKey, defaultHeaders: { 'X-User-ID': 'openai-user' }, maxRetries: 0 });
  stack.emulator.script([
    { when: { lastUserText: 'say hello' }, reply: { text: 'Hello from the emulator!', usage: { inputTokens: 12, outputTokens: 6 } } },
    { when: { lastUserText: 'think first' }, reply: { reasoning: { text: 'Let me consider.', signature: 'sig' }, text: 'Considered answer.' } },
    { when: { lastUserText: 'echo through a tool' }, reply: { toolUses: [{ name: 'everything__echo', input: { message: 'ping from the model' } }] } },
    { when: { afterToolResult: 'everything__echo' }, reply: (context) => ({ text: `The tool answered: ${context.lastToolResultText}` }) },
    { when: { lastUserText: 'tiny image' }, reply: { toolUses: [{ name: 'everything__get-tiny-image', input: {} }] } },
    { when: { afterToolResult: 'everything__get-tiny-image' }, reply: { text: 'I saw the image.' } },
    { when: { lastUserText: 'echo on my guarded server' }, reply: { toolUses: [{ name: 'mine-guarded__echo', input: { message: 'should not run' } }] } },
    { when: { afterToolResult: 'mine-guarded__echo' }, reply: (context) => ({ text: `The tool answered: ${context.lastToolResultText}` }) },
    { when: { lastUserText: 'echo needing approval' }, reply: { toolUses: [{ name: 'everything__echo', input: { message: 'should not run' } }] } },
    // Answers with every user memo the model was sent: what the server-side history gave it, and the new message.
    { when: { lastUserText: 'memo ' }, reply: (context) => ({ text: `memos: ${userMemos(context.request).join(', ')}` }) },
  ]);
});
afterAll(async () => {
  await stack?.stop();
});

function userMemos(request: RecordedRequest): string[] {
  if (request.provider !== 'bedrock') return [];
  return request.body.messages!.filter((message) => message.role === 'user').flatMap((message) => message.content.flatMap((block) => (block.text?.startsWith('memo ') ? [block.text] : [])));
}

/** Fields the seed added to OpenAI's shapes; the official client passes them through untouched. */
type WithExtras<T> = T & { message_extras?: { tool_use: unknown } };
/** A streaming request with the seed's extensions, which the openai client sends as they are. */
type SeedStreamingParams = OpenAI.ChatCompletionCreateParamsStreaming & { extra_params?: Record<string, unknown>; mcp_server_ids?: string[] };
const streamingRequest = (params: SeedStreamingParams) => client.chat.completions.create(params);

describe('the official openai client, unchanged, against the gateway', () => {
  it('completes without streaming', async () => {
    const completion = await client.chat.completions.create({ model: STACK_MODEL, messages: [{ role: 'user', content: 'please say hello' }] });
    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.choices[0]?.message.content).toBe('Hello from the emulator!');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 });
  });

  it('streams with usage on request', async () => {
    const stream = await client.chat.completions.create({
      model: STACK_MODEL,
      messages: [{ role: 'user', content: 'please say hello' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const finishReasons: string[] = [];
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finishReasons.push(chunk.choices[0].finish_reason);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Hello from the emulator!');
    expect(finishReasons).toEqual(['stop']);
    expect(usage?.total_tokens).toBe(18);
  });

  it('streams reasoning as reasoning_content when thinking is enabled', async () => {
    const stream = await streamingRequest({
      model: STACK_MODEL,
      messages: [{ role: 'user', content: 'think first' }],
      stream: true,
      extra_params: { enable_thinking: true, budget_tokens: 2048 },
    });
    let reasoning = '';
    let text = '';
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string | null; reasoning_content?: string } | undefined;
      reasoning += delta?.reasoning_content ?? '';
      text += delta?.content ?? '';
    }
    expect(reasoning).toBe('Let me consider.');
    expect(text).toBe('Considered answer.');
  });

  it('runs a tool loop through the real pool and server-everything (non-stream)', async () => {
    const completion = (await client.chat.completions.create({
      model: STACK_MODEL,
      messages: [{ role: 'user', content: 'echo through a tool' }],
      // @ts-expect-error the seed's extension
      mcp_server_ids: ['everything'],
    })) as WithExtras<OpenAI.ChatCompletion>;
    const choice = completion.choices[0] as WithExtras<OpenAI.ChatCompletion.Choice>;
    expect(choice.message.content).toBe('The tool answered: Echo: ping from the model');
    expect(choice.message_extras?.tool_use).toEqual([
      { name: 'everything__echo', arguments: { message: 'ping from the model' }, result: [{ text: 'Echo: ping from the model' }] },
    ]);
    // The model was offered the server's tools as Bedrock toolSpecs.
    const offered = stack.emulator.requests.find((request) => request.provider === 'bedrock' && JSON.stringify(request.body).includes('"name":"everything__echo"'));
    expect(offered).toBeDefined();
  });

  it('streams a tool loop: the finished tool round as message_extras (images included), then the answer', async () => {
    const stream = await streamingRequest({
      model: STACK_MODEL,
      messages: [{ role: 'user', content: 'show me a tiny image' }],
      stream: true,
      mcp_server_ids: ['everything'],
    });
    let text = '';
    let roles = 0;
    const toolRounds: unknown[][] = [];
    for await (const chunk of stream) {
      const choice = chunk.choices[0] as WithExtras<OpenAI.ChatCompletionChunk.Choice> | undefined;
      text += choice?.delta.content ?? '';
      if (choice?.delta.role) roles += 1;
      if (choice?.message_extras) {
        expect(choice.finish_reason).toBeNull();
        toolRounds.push(JSON.parse(choice.message_extras.tool_use as string) as unknown[]);
      }
    }
    expect(text).toBe('I saw the image.');
    expect(roles).toBe(2);
    expect(toolRounds).toHaveLength(1);
    const [call, result] = toolRounds[0] as [{ name: string }, { content: Array<{ text?: string; image?: { format: string; source: { base64: string } } }> }];
    expect(call.name).toBe('everything__get-tiny-image');
    const image = result.content.find((part) => part.image);
    expect(image?.image?.format).toBe('png');
    expect(Buffer.from(image!.image!.source.base64, 'base64').subarray(1, 4).toString()).toBe('PNG');
  });

  it("pauses a call the owner's require_approval covers, even when the request says never; and one the request's covers", async () => {
    const added = await stack.fetch('/v1/add/mcp_server', {
      method: 'POST',
      userId: 'openai-user',
      body: JSON.stringify({
        config_json: { mcpServers: { 'mine-guarded': { command: 'mcp-server-everything', args: ['stdio'], require_approval: { always: { tool_names: ['echo'] } } } } },
      }),
    });
    expect((await added.json()).errno).toBe(0);
    const ask = (content: string, serverId: string, requireApproval: unknown) =>
      client.chat.completions.create({
        model: STACK_MODEL,
        messages: [{ role: 'user', content }],
        // @ts-expect-error the platform's extensions
        mcp_server_ids: [serverId],
        require_approval: requireApproval,
      });
    type Paused = OpenAI.ChatCompletion.Choice & { message: { approval_requests?: Array<{ id: string; reason: string }> } };
    const deny = async (completion: OpenAI.ChatCompletion) => {
      const choice = completion.choices[0] as Paused;
      expect(choice.finish_reason).toBe('approval_required');
      const [request] = choice.message.approval_requests ?? [];
      const denied = await stack.fetch(`/v1/turns/${completion.id}/approvals`, {
        method: 'POST',
        userId: 'openai-user',
        body: JSON.stringify({ approvals: [{ id: request!.id, decision: 'deny' }] }),
      });
      expect(denied.status).toBe(200);
      return { reason: request!.reason, answer: ((await denied.json()) as OpenAI.ChatCompletion).choices[0]?.message.content };
    };
    const owners = await deny(await ask('echo on my guarded server', 'mine-guarded', 'never'));
    expect(owners.reason).toBe('server mine-guarded requires approval for echo');
    expect(owners.answer).toContain('denied');
    expect(owners.answer).not.toContain('Echo: should not run');
    const requests = await deny(await ask('echo needing approval', 'everything', { always: { tool_names: ['echo'] } }));
    expect(requests.reason).toBe('the request requires approval for echo');
    expect(requests.answer).not.toContain('Echo: should not run');
  });

  it('serves an OpenAI-compatible provider model too', async () => {
    const completion = await client.chat.completions.create({ model: STACK_OPENAI_MODEL, messages: [{ role: 'user', content: 'please say hello' }] });
    expect(completion.choices[0]?.message.content).toBe('Hello from the emulator!');
    expect(stack.emulator.requests.at(-1)?.provider).toBe('openai');
  });

  it('surfaces API errors as the client’s typed errors', async () => {
    await expect(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
    });
    const anonymous = new OpenAI({ baseURL: stack.baseUrl, apiKey: 'wrong', maxRetries: 0 });
    await expect(anonymous.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toContain(STACK_MODEL);
  });

  it('keeps one server-side history per conversation_id with keep_session; /v1/remove/history clears one; another user’s same id is theirs', async () => {
    type KeptParams = OpenAI.ChatCompletionCreateParamsNonStreaming & { keep_session: boolean; conversation_id?: string };
    const other = new OpenAI({ baseURL: stack.baseUrl, apiKey: stack.apiKey, defaultHeaders: { 'X-User-ID': 'openai-other-user' }, maxRetries: 0 });
    const say = async (who: OpenAI, content: string, conversationId?: string) => {
      const params: KeptParams = { model: STACK_MODEL, messages: [{ role: 'user', content }], keep_session: true, ...(conversationId ? { conversation_id: conversationId } : {}) };
      return (await who.chat.completions.create(params)).choices[0]?.message.content;
    };
    const removeHistory = (who: OpenAI, body: Record<string, unknown>) => who.post<{ errno: number; msg: string }>('/remove/history', { body });

    expect(await say(client, 'memo alpha', 'e2e-conv-1')).toBe('memos: memo alpha');
    expect(await say(client, 'memo beta', 'e2e-conv-2')).toBe('memos: memo beta');
    expect(await say(client, 'memo default')).toBe('memos: memo default');
    expect(await say(client, 'memo gamma', 'e2e-conv-1')).toBe('memos: memo alpha, memo gamma');
    expect(await say(client, 'memo delta', 'e2e-conv-2')).toBe('memos: memo beta, memo delta');
    // The same conversation id of another user is their own, empty history.
    expect(await say(other, 'memo theirs', 'e2e-conv-1')).toBe('memos: memo theirs');
    // conversation_id alone keeps the conversation server-side too (#19): keep_session is implied.
    const plain = await client.chat.completions.create({ model: STACK_MODEL, messages: [{ role: 'user', content: 'memo plain' }], conversation_id: 'e2e-conv-1' } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(plain.choices[0]?.message.content).toBe('memos: memo alpha, memo gamma, memo plain');

    // Another user removing "their" e2e-conv-1 leaves this user's.
    expect(await removeHistory(other, { conversation_id: 'e2e-conv-1' })).toEqual({ errno: 0, msg: 'removed history' });
    expect(await say(client, 'memo epsilon', 'e2e-conv-1')).toBe('memos: memo alpha, memo gamma, memo plain, memo epsilon');

    expect(await removeHistory(client, { conversation_id: 'e2e-conv-1' })).toEqual({ errno: 0, msg: 'removed history' });
    expect(await say(client, 'memo zeta', 'e2e-conv-1')).toBe('memos: memo zeta');
    expect(await say(client, 'memo eta', 'e2e-conv-2')).toBe('memos: memo beta, memo delta, memo eta');
    expect(await say(client, 'memo again')).toBe('memos: memo default, memo again');

    // Without conversation_id: the default conversation only.
    expect(await removeHistory(client, {})).toEqual({ errno: 0, msg: 'removed history' });
    expect(await say(client, 'memo fresh')).toBe('memos: memo fresh');
    expect(await say(client, 'memo theta', 'e2e-conv-2')).toBe('memos: memo beta, memo delta, memo eta, memo theta');
    await expect(removeHistory(client, { conversation_id: 'not/an id' })).rejects.toMatchObject({ status: 400 });
  });
});

