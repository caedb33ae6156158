import OpenAI from 'openai';
import type { BedrockRecordedRequest, OpenAIRecordedRequest, RecordedRequest, ReplyContext } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, STACK_MODEL, STACK_OPENAI_MODEL, type Stack } from './support/stack.js';

// Client tools alongside server tools (#20 part 3): the request's own function tools are offered
// with the MCP tools; a call to one ends the turn with finish_reason "tool_calls" and the client's
// tool message continues it. tool_choice and response_format are honoured or refused, never dropped.
// The official openai client throughout, against the real stack and the model emulator.

type SeedParams = OpenAI.ChatCompletionCreateParamsNonStreaming & { mcp_server_ids?: string[]; keep_session?: boolean };
type SeedStreamingParams = OpenAI.ChatCompletionCreateParamsStreaming & { mcp_server_ids?: string[] };
type WithExtras<T> = T & { message_extras?: { tool_use: unknown } };

const WEATHER_TOOL: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city, from the client',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const TIME_TOOL: OpenAI.ChatCompletionTool = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } } } };

let stack: Stack;
let client: OpenAI;

/** The text of the conversation's first user message, as the model got it. */
function firstUserText(request: RecordedRequest): string {
  if (request.provider === 'bedrock') return request.body.messages?.find((message) => message.role === 'user')?.content.find((block) => block.text)?.text ?? '';
  const first = request.body?.messages?.find((message) => message.role === 'user');
  return typeof first?.content === 'string' ? first.content : '';
}

/** After the MCP echo: what each scenario's model does next. */
function afterEcho(context: ReplyContext) {
  const question = firstUserText(context.request);
  if (question.includes('time and echo')) return { toolUses: [{ name: 'get_time', input: { zone: 'UTC' } }] };
  if (question.includes('forced echo')) return { text: 'echo done' };
  if (question.includes('structured weather')) return { text: 'Here it is.', toolUses: [{ name: 'weather_report', input: { celsius: 18, sky: 'clear' } }] };
  return { text: 'Let me ask your side.', toolUses: [{ name: 'get_weather', input: { city: 'Paris' } }] };
}

const bedrockCalls = () => stack.emulator.requests.filter((request): request is BedrockRecordedRequest => request.provider === 'bedrock');
const openAiCalls = () => stack.emulator.requests.filter((request): request is OpenAIRecordedRequest => request.provider === 'openai' && request.operation === 'chat.completions');
const offeredNames = (request: BedrockRecordedRequest) => (request.body.toolConfig?.tools ?? []).flatMap((tool) => (tool.toolSpec ? [tool.toolSpec.name] : []));

beforeAll(async () => {
  stack = await startStack({ label: 'client-tools' });
  client = new OpenAI({ baseURL: stack.baseUrl, apiKey: stack.apiKey, defaultHeaders: { 'X-User-ID': 'client-tools-user' }, maxRetries: 0 });
  freshEmulator();
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

/** Clears the emulator's request log (and with it the script, which is given again). */
function freshEmulator(): void {
  stack.emulator.reset();
  stack.emulator.script([
    { when: { lastUserText: 'weather via tools' }, reply: { toolUses: [{ name: 'everything__echo', input: { message: 'checking' } }] } },
    { when: { lastUserText: 'structured weather' }, reply: { text: 'Let me check. ', toolUses: [{ name: 'everything__echo', input: { message: 'weather?' } }] } },
    { when: { lastUserText: 'forced echo' }, reply: { toolUses: [{ name: 'everything__echo', input: { message: 'forced' } }] } },
    { when: { lastUserText: 'time and echo' }, reply: { toolUses: [{ name: 'everything__echo', input: { message: 'both' } }, { name: 'get_time', input: { zone: 'UTC' } }] } },
    { when: { lastUserText: 'only the client tool' }, reply: { toolUses: [{ name: 'get_weather', input: { city: 'Oslo' } }] } },
    { when: { afterToolResult: 'everything__echo' }, reply: afterEcho },
    { when: { afterToolResult: 'get_weather' }, reply: (context) => ({ text: `Client said: ${context.lastToolResultText}` }) },
    { when: { afterToolResult: 'get_time' }, reply: (context) => ({ text: `Time: ${context.lastToolResultText}` }) },
    { reply: { text: 'plain answer' } },
  ]);
}

describe('a client function tool round trip mixed with an MCP tool (Bedrock)', () => {
  it('runs the MCP tool, ends with the client call as tool_calls, and continues from the tool message (non-stream)', async () => {
    freshEmulator();
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'weather via tools please' }];
    const first = (await client.chat.completions.create({ model: STACK_MODEL, messages, tools: [WEATHER_TOOL], mcp_server_ids: ['everything'] } as SeedParams)) as WithExtras<OpenAI.ChatCompletion>;
    const choice = first.choices[0] as WithExtras<OpenAI.ChatCompletion.Choice>;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBe('Let me ask your side.');
    expect(choice.message.tool_calls).toEqual([{ id: expect.stringMatching(/^tooluse_/), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
    // The MCP round ran on the platform and is reported as before; the client call is not in it.
    expect(choice.message_extras?.tool_use).toEqual([{ name: 'everything__echo', arguments: { message: 'checking' }, result: [{ text: 'Echo: checking' }] }]);
    // The model was offered both kinds of tool, the client's with its schema.
    const [round1] = bedrockCalls();
    expect(offeredNames(round1!)).toEqual(expect.arrayContaining(['everything__echo', 'get_weather']));
    expect(round1!.body.toolConfig!.tools!.find((tool) => tool.toolSpec?.name === 'get_weather')!.toolSpec!.inputSchema!.json).toEqual(WEATHER_TOOL.function.parameters);

    const call = choice.message.tool_calls![0]!;
    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '18°C and sunny' });
    const second = await client.chat.completions.create({ model: STACK_MODEL, messages, tools: [WEATHER_TOOL], mcp_server_ids: ['everything'] } as SeedParams);
    expect(second.choices[0]?.finish_reason).toBe('stop');
    expect(second.choices[0]?.message.content).toBe('Client said: 18°C and sunny');
    // The model saw its own call and the client's result as Converse toolUse / toolResult blocks.
    const continued = bedrockCalls().at(-1)!.body.messages!;
    expect(continued.at(-2)!.content).toContainEqual({ toolUse: { toolUseId: call.id, name: 'get_weather', input: { city: 'Paris' } } });
    expect(continued.at(-1)!.content).toContainEqual({ toolResult: { toolUseId: call.id, content: [{ text: '18°C and sunny' }] } });
  });

  it('streams the client call as delta.tool_calls with finish_reason tool_calls; the client SDK assembles the message', async () => {
    freshEmulator();
    const params = { model: STACK_MODEL, messages: [{ role: 'user', content: 'weather via tools, streamed' }], tools: [WEATHER_TOOL], mcp_server_ids: ['everything'], stream: true } as SeedStreamingParams;
    const stream = await client.chat.completions.create(params);
    const finishReasons: string[] = [];
    const deltas: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    let text = '';
    let toolRounds = 0;
    for await (const chunk of stream) {
      const streamed = chunk.choices[0] as WithExtras<OpenAI.ChatCompletionChunk.Choice> | undefined;
      if (streamed?.finish_reason) finishReasons.push(streamed.finish_reason);
      deltas.push(...(streamed?.delta.tool_calls ?? []));
      text += streamed?.delta.content ?? '';
      if (streamed?.message_extras) toolRounds += 1;
    }
    expect(finishReasons).toEqual(['tool_calls']);
    expect(text).toBe('Let me ask your side.');
    expect(toolRounds).toBe(1);
    expect(deltas).toEqual([{ index: 0, id: expect.stringMatching(/^tooluse_/), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);

    // The SDK's stream helper accumulates the same into an OpenAI message, as it does against OpenAI.
    freshEmulator();
    const runner = client.chat.completions.stream({ ...params, messages: [{ role: 'user', content: 'weather via tools, helper' }] } as OpenAI.ChatCompletionCreateParamsStreaming);
    const completion = await runner.finalChatCompletion();
    const message = completion.choices[0]!.message;
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    expect(message.tool_calls?.map((toolCall) => (toolCall.type === 'function' ? [toolCall.function.name, toolCall.function.arguments] : []))).toEqual([['get_weather', '{"city":"Paris"}']]);
  });

  it('a response calling an MCP tool and a client tool together: the MCP one runs, the client one is deferred until the model calls it alone', async () => {
    freshEmulator();
    const completion = await client.chat.completions.create({
      model: STACK_MODEL,
      messages: [{ role: 'user', content: 'time and echo' }],
      tools: [TIME_TOOL],
      mcp_server_ids: ['everything'],
    } as SeedParams);
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.tool_calls).toHaveLength(1);
    expect(choice.message.tool_calls![0]).toMatchObject({ type: 'function', function: { name: 'get_time', arguments: '{"zone":"UTC"}' } });
    const [, round2] = bedrockCalls();
    const mixedCall = round2!.body.messages!.at(-2)!.content.filter((block) => block.toolUse);
    expect(mixedCall.map((block) => block.toolUse!.name)).toEqual(['everything__echo', 'get_time']);
    // The model got the echo's result and, for its client call, an error asking it to call again on its own.
    const results = round2!.body.messages!.at(-1)!.content.filter((block) => block.toolResult);
    expect(results.map((block) => [block.toolResult!.status ?? 'success', block.toolResult!.content?.[0]?.text])).toEqual([
      ['success', 'Echo: both'],
      ['error', expect.stringContaining('Call it again, on its own')],
    ]);
    // The call handed to the client is the second one, not the deferred one.
    const deferredId = mixedCall[1]!.toolUse!.toolUseId;
    expect(choice.message.tool_calls![0]!.id).not.toBe(deferredId);
  });

  it('keeps a server-side conversation: the tool message alone continues it (keep_session)', async () => {
    freshEmulator();
    const keepClient = new OpenAI({ baseURL: stack.baseUrl, apiKey: stack.apiKey, defaultHeaders: { 'X-User-ID': 'client-tools-kept' }, maxRetries: 0 });
    const first = await keepClient.chat.completions.create({ model: STACK_MODEL, messages: [{ role: 'user', content: 'only the client tool, kept' }], tools: [WEATHER_TOOL], keep_session: true } as SeedParams);
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    const second = await keepClient.chat.completions.create({
      model: STACK_MODEL,
      messages: [{ role: 'tool', tool_call_id: call.id, content: '-3°C and snow' }],
      tools: [WEATHER_TOOL],
      keep_session: true,
    } as SeedParams);
    expect(second.choices[0]!.message.content).toBe('Client said: -3°C and snow');
    const sent = bedrockCalls().at(-1)!.body.messages!;
    expect(sent[0]!.content.find((block) => block.text)?.text).toBe('only the client tool, kept');
    expect(sent.at(-2)!.content).toContainEqual({ toolUse: { toolUseId: call.id, name: 'get_weather', input: { city: 'Oslo' } } });
  });
});

describe('client tools in a named conversation (conversation_id)', () => {
  it('continues from the tool message alone, records no tool result as a question, and records the continuation with the client\'s result', async () => {
    freshEmulator();
    const conversation = { conversation_id: 'client-tools-conv' };
    const first = await client.chat.completions.create({ model: STACK_MODEL, messages: [{ role: 'user', content: 'only the client tool, named' }], tools: [WEATHER_TOOL], ...conversation } as SeedParams);
    const call = first.choices[0]!.message.tool_calls![0]!;
    const second = await client.chat.completions.create({ model: STACK_MODEL, messages: [{ role: 'tool', tool_call_id: call.id, content: 'mild' }], tools: [WEATHER_TOOL], ...conversation } as SeedParams);
    expect(second.choices[0]!.message.content).toBe('Client said: mild');
    type Recorded = { role: string; turn_id: string; finish_reason?: string; parts: unknown[] };
    const read = async () => ((await (await stack.fetch('/v1/conversations/client-tools-conv', { userId: 'client-tools-user' })).json()) as { messages: Recorded[] }).messages;
    await expect.poll(async () => (await read()).length).toBe(3);
    const [question, callingAnswer, continuation] = await read();
    expect(question).toMatchObject({ role: 'user', turn_id: first.id, parts: [{ type: 'text', text: 'only the client tool, named' }] });
    // The turn that made the call: its answer is the call, handed to the client.
    expect(callingAnswer).toMatchObject({ role: 'assistant', turn_id: first.id, finish_reason: 'tool_use', parts: [{ type: 'tool_call', tool_use_id: call.id, name: 'get_weather', status: 'client' }] });
    // The continuation: the call with the client's result, then the model's answer.
    expect(continuation).toMatchObject({
      role: 'assistant',
      turn_id: second.id,
      finish_reason: 'end_turn',
      parts: [
        { type: 'tool_call', tool_use_id: call.id, name: 'get_weather', input: { city: 'Oslo' }, status: 'done', result: { content: [{ type: 'text', text: 'mild' }], is_error: false } },
        { type: 'text', text: 'Client said: mild' },
      ],
    });
  });
});

describe('client tools refused with a clear 400', () => {
  const refusal = (params: Record<string, unknown>) =>
    client.chat.completions.create({ model: STACK_MODEL, messages: [{ role: 'user', content: 'hello' }], ...params } as unknown as SeedParams).then(
      () => undefined,
      (error: unknown) => error,
    );

  it('a function named like one of the turn’s MCP tools', async () => {
    const error = await refusal({ tools: [{ type: 'function', function: { name: 'everything__echo' } }], mcp_server_ids: ['everything'] });
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('everything__echo is already the name of the tool echo of the MCP server everything');
  });

  it('a function name Bedrock cannot take, and a schema that is not an object’s', async () => {
    const badName = (await refusal({ tools: [{ type: 'function', function: { name: 'get weather!' } }] })) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(badName).toBeInstanceOf(OpenAI.BadRequestError);
    expect(badName.param).toBe('tools[0].function.name');
    const badSchema = (await refusal({ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'string' } } }] })) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(badSchema.param).toBe('tools[0].function.parameters');
  });

  it('response_format json_object for a Bedrock model; json_schema there with a tool_choice other than auto, or with thinking', async () => {
    const jsonObject = (await refusal({ response_format: { type: 'json_object' } })) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(jsonObject).toBeInstanceOf(OpenAI.BadRequestError);
    expect(jsonObject.param).toBe('response_format');
    expect(jsonObject.message).toContain(`response_format json_object is not supported for ${STACK_MODEL}`);
    const schema = { type: 'json_schema', json_schema: { name: 'weather_report', schema: { type: 'object' } } };
    const withChoice = (await refusal({ response_format: schema, tools: [WEATHER_TOOL], tool_choice: 'required' })) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(withChoice.param).toBe('tool_choice');
    expect(withChoice.message).toContain('tool_choice can only be auto');
    const withThinking = (await refusal({ response_format: schema, extra_params: { enable_thinking: true } })) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(withThinking.param).toBe('response_format');
    expect(withThinking.message).toContain('cannot be combined with extended thinking');
  });

  it('a forced tool_choice with extended thinking on a Bedrock Claude model', async () => {
    const error = (await refusal({ tools: [WEATHER_TOOL], tool_choice: 'required', extra_params: { enable_thinking: true } })) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.param).toBe('tool_choice');
    expect(error.message).toContain('cannot be combined with extended thinking');
  });

  it('tool messages that answer no pending call', async () => {
    const keepClient = new OpenAI({ baseURL: stack.baseUrl, apiKey: stack.apiKey, defaultHeaders: { 'X-User-ID': 'client-tools-stray' }, maxRetries: 0 });
    const stray = await keepClient.chat.completions
      .create({ model: STACK_MODEL, messages: [{ role: 'tool', tool_call_id: 'tooluse_nobody_asked', content: 'x' }], tools: [WEATHER_TOOL], keep_session: true } as SeedParams)
      .catch((error: unknown) => error);
    expect(stray).toBeInstanceOf(OpenAI.BadRequestError);
    expect((stray as Error).message).toContain('the tool messages answer no tool call the conversation is waiting for');
    const stateless = await refusal({
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'calling', tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_b', content: 'x' },
      ],
      tools: [WEATHER_TOOL],
    });
    expect(stateless).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('a tool_choice that names no tool of the request', async () => {
    const error = (await refusal({ tools: [WEATHER_TOOL], tool_choice: { type: 'function', function: { name: 'get_time' } } })) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(error.param).toBe('tool_choice.function.name');
  });
});

describe('tool_choice and response_format', () => {
  const ask = (model: string, params: Partial<SeedParams>) =>
    client.chat.completions.create({ model, messages: [{ role: 'user', content: 'choose' }], tools: [WEATHER_TOOL], ...params } as SeedParams);

  it('Bedrock: auto, required and a named function as Converse toolChoice; none sends no tools', async () => {
    freshEmulator();
    await ask(STACK_MODEL, { tool_choice: 'auto' });
    await ask(STACK_MODEL, { tool_choice: 'required' });
    await ask(STACK_MODEL, { tool_choice: { type: 'function', function: { name: 'get_weather' } } });
    await ask(STACK_MODEL, { tool_choice: 'none' });
    const calls = bedrockCalls();
    expect(calls.map((call) => call.body.toolConfig?.toolChoice)).toEqual([{ auto: {} }, { any: {} }, { tool: { name: 'get_weather' } }, undefined]);
    expect(calls[3]!.body.toolConfig).toBeUndefined();
  });

  it('Bedrock: a forced call goes to the first model call only, so the MCP tool it forces does not force the next round', async () => {
    freshEmulator();
    const completion = await client.chat.completions.create({
      model: STACK_MODEL,
      messages: [{ role: 'user', content: 'forced echo' }],
      mcp_server_ids: ['everything'],
      tool_choice: { type: 'function', function: { name: 'everything__echo' } },
    } as SeedParams);
    expect(completion.choices[0]!.message.content).toBe('echo done');
    expect(bedrockCalls().map((call) => call.body.toolConfig?.toolChoice)).toEqual([{ tool: { name: 'everything__echo' } }, undefined]);
  });

  it('Bedrock: response_format json_schema through a forced tool: MCP tools first, then the answer’s input as the content (non-stream and stream)', async () => {
    freshEmulator();
    const schema = { type: 'object', properties: { celsius: { type: 'number' }, sky: { type: 'string' } }, required: ['celsius'] };
    const params = {
      model: STACK_MODEL,
      messages: [{ role: 'user', content: 'structured weather please' }],
      mcp_server_ids: ['everything'],
      response_format: { type: 'json_schema', json_schema: { name: 'weather_report', description: 'The weather report', schema } },
    } as SeedParams;
    const completion = (await client.chat.completions.create(params)) as WithExtras<OpenAI.ChatCompletion>;
    const choice = completion.choices[0] as WithExtras<OpenAI.ChatCompletion.Choice>;
    expect(choice.finish_reason).toBe('stop');
    // Only the JSON: the text the model wrote around its calls is kept back.
    expect(JSON.parse(choice.message.content!)).toEqual({ celsius: 18, sky: 'clear' });
    expect(choice.message.content).toBe('{"celsius":18,"sky":"clear"}');
    expect(choice.message.tool_calls).toBeUndefined();
    expect(choice.message_extras?.tool_use).toEqual([expect.objectContaining({ name: 'everything__echo' })]);
    const calls = bedrockCalls();
    expect(calls.map((call) => call.body.toolConfig?.toolChoice)).toEqual([{ any: {} }, { any: {} }]);
    const outputSpec = calls[0]!.body.toolConfig!.tools!.find((tool) => tool.toolSpec?.name === 'weather_report')!.toolSpec!;
    expect(outputSpec.inputSchema!.json).toEqual(schema);
    expect(outputSpec.description).toContain('The weather report');

    freshEmulator();
    const stream = await client.chat.completions.create({ ...params, stream: true } as unknown as SeedStreamingParams);
    let content = '';
    const finishReasons: string[] = [];
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finishReasons.push(chunk.choices[0].finish_reason);
    }
    expect(content).toBe('{"celsius":18,"sky":"clear"}');
    expect(finishReasons).toEqual(['stop']);
  });

  it('OpenAI-compatible: tool_choice and response_format json_schema passed through; the client tool round trip works there too', async () => {
    freshEmulator();
    const format = { type: 'json_schema' as const, json_schema: { name: 'weather', schema: { type: 'object', properties: { celsius: { type: 'number' } } }, strict: true } };
    await ask(STACK_OPENAI_MODEL, { tool_choice: 'required', response_format: format });
    await ask(STACK_OPENAI_MODEL, { tool_choice: { type: 'function', function: { name: 'get_weather' } } });
    await ask(STACK_OPENAI_MODEL, { tool_choice: 'none' });
    const calls = openAiCalls();
    expect(calls.map((call) => call.body?.tool_choice)).toEqual(['required', { type: 'function', function: { name: 'get_weather' } }, 'none']);
    expect(calls[0]!.body?.response_format).toEqual(format);
    expect(calls[0]!.body?.tools?.map((tool) => tool.function.name)).toEqual(['get_weather']);

    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'only the client tool' }];
    const first = await client.chat.completions.create({ model: STACK_OPENAI_MODEL, messages, tools: [WEATHER_TOOL] });
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } });
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: 'windy' });
    const second = await client.chat.completions.create({ model: STACK_OPENAI_MODEL, messages, tools: [WEATHER_TOOL] });
    expect(second.choices[0]!.message.content).toBe('Client said: windy');
  });
});
