import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ActiveTurns } from '@bedrock-mcp/turns';
import type { BedrockRecordedRequest } from '@bedrock-mcp/test-support';
import type { StreamEvent } from '@bedrock-mcp/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatJob } from '../testing/turn-client.js';
import { CLAUDE, NOVA, startWorkerStack, type WorkerStack } from '../testing/worker-stack.js';

let stack: WorkerStack;
/** What all image URLs of one turn may download together, here. */
const IMAGE_TOTAL_BYTES = 64 * 1024;

beforeAll(async () => {
  stack = await startWorkerStack('loop');
  await stack.startWorker({ MAX_TURNS: '3', IMAGE_FETCH_ALLOW_PRIVATE: '1', IMAGE_FETCH_MAX_TOTAL_BYTES: String(IMAGE_TOTAL_BYTES) });
}, 60_000);
afterAll(() => stack?.close());
beforeEach(() => stack.emulator.reset());

const types = (events: StreamEvent[]) => events.map((event) => event.type);
const of = <T extends StreamEvent['type']>(events: StreamEvent[], type: T) => events.filter((event): event is Extract<StreamEvent, { type: T }> => event.type === type);
const bedrockRequests = () => stack.emulator.requests.filter((request): request is BedrockRecordedRequest => request.provider === 'bedrock');

describe('the tool loop on Bedrock (ConverseStream through the AWS SDK, tools through the real pool)', () => {
  it('runs one tool and streams every step, ending with done(end_turn) and summed usage', async () => {
    stack.emulator.script([
      { when: { lastUserText: 'echo please' }, reply: { text: 'Let me echo.', toolUses: [{ name: 'everything__echo', input: { message: 'hi there' } }], usage: { inputTokens: 10, outputTokens: 5 } } },
      { when: { afterToolResult: 'everything__echo' }, reply: ({ lastToolResultText }) => ({ text: `The tool said: ${lastToolResultText}`, usage: { inputTokens: 20, outputTokens: 7 } }) },
    ]);
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'echo please' }], mcpServerIds: ['everything'] });
    const events = await stack.client.run(job);

    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(types(events)[0]).toBe('start');
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'end_turn', usage: { inputTokens: 30, outputTokens: 12, totalTokens: 42 } });
    expect(of(events, 'round_start').map((event) => event.round)).toEqual([1, 2]);
    expect(of(events, 'round_end').map((event) => event.stopReason)).toEqual(['tool_use', 'end_turn']);
    expect(of(events, 'tool_input_delta').map((event) => event.partialJson).join('')).toBe(JSON.stringify({ message: 'hi there' }));
    const [call] = of(events, 'tool_call');
    expect(call).toMatchObject({ name: 'everything__echo', serverId: 'everything', toolName: 'echo', input: { message: 'hi there' } });
    const [result] = of(events, 'tool_result');
    expect(result).toMatchObject({ toolUseId: call!.toolUseId, isError: false, content: [{ type: 'text', text: 'Echo: hi there' }] });
    expect(of(events, 'text_delta').map((event) => event.text).join('')).toBe('Let me echo.The tool said: Echo: hi there');

    const [first, second] = bedrockRequests();
    expect(first!.body.system).toEqual([{ text: 'You are terse.' }]);
    expect(first!.body.toolConfig?.tools?.some((tool) => tool.toolSpec?.name === 'everything__echo')).toBe(true);
    expect(second!.body.messages?.at(-1)?.content[0]?.toolResult).toMatchObject({ toolUseId: call!.toolUseId, status: 'success', content: [{ text: 'Echo: hi there' }] });
  });

  it('runs several tool calls of one model turn concurrently and answers them in order', async () => {
    stack.emulator.script([
      {
        when: { lastUserText: 'count twice' },
        reply: { toolUses: [{ name: 'counter__count', input: { label: 'par-a', delayMs: 400 } }, { name: 'counter__count', input: { label: 'par-b', delayMs: 400 } }] },
      },
      { when: { afterToolResult: 'counter__count' }, reply: ({ toolResults }) => ({ text: toolResults.map((result) => result.text).join(' + ') }) },
    ]);
    const events = await stack.client.run(chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'count twice' }], mcpServerIds: ['counter'] }));
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'end_turn' });
    const sequence = types(events).filter((type) => type === 'tool_call' || type === 'tool_result');
    expect(sequence).toEqual(['tool_call', 'tool_call', 'tool_result', 'tool_result']);
    const [endOfFirst] = of(events, 'round_end');
    const [, startOfSecond] = of(events, 'round_start');
    // Two 400 ms calls one after the other would take 800 ms.
    expect(startOfSecond!.ts - endOfFirst!.ts).toBeLessThan(750);
    const results = bedrockRequests()[1]!.body.messages!.at(-1)!.content.map((block) => block.toolResult?.content?.[0]?.text);
    expect(results).toEqual(['counted par-a', 'counted par-b']);
    expect(of(events, 'text_delta').map((event) => event.text).join('')).toBe('counted par-a + counted par-b');
  });

  it('gives the model an error result for an unknown tool and for bad arguments, and the turn goes on', async () => {
    stack.emulator.script([
      {
        when: { lastUserText: 'break things' },
        reply: { toolUses: [{ name: 'everything__no-such-tool', input: {} }, { name: 'everything__echo', input: { wrong: 1 } }] },
      },
      { when: { afterToolResult: 'everything__echo' }, reply: ({ toolResults }) => ({ text: `errors: ${toolResults.filter((result) => result.isError).length}` }) },
    ]);
    const events = await stack.client.run(chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'break things' }], mcpServerIds: ['everything'] }));
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'end_turn' });
    const results = of(events, 'tool_result');
    expect(results.map((result) => result.isError)).toEqual([true, true]);
    expect(results[0]!.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('does not exist') });
    expect(of(events, 'tool_call')[0]).not.toHaveProperty('serverId');
    const sent = bedrockRequests()[1]!.body.messages!.at(-1)!.content.map((block) => block.toolResult?.status);
    expect(sent).toEqual(['error', 'error']);
    expect(of(events, 'text_delta').map((event) => event.text).join('')).toBe('errors: 2');
  });

  it("pauses for a call the server's policy requires approval for, even when the request says never; the server's other tools run first", async () => {
    stack.emulator.script([
      {
        when: { lastUserText: 'guarded echo' },
        reply: { toolUses: [{ name: 'guarded__echo', input: { message: 'secret' } }, { name: 'guarded__get-sum', input: { a: 1, b: 2 } }] },
      },
    ]);
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'guarded echo' }], mcpServerIds: ['guarded'], requireApproval: 'never' });
    const pausing = await stack.client.watch(job.turnId, 20_000, (events) => events.some((event) => event.type === 'approval_request'));
    await stack.client.enqueue(job);
    const events = await pausing.until;
    const [request] = of(events, 'approval_request');
    expect(request!.asks).toEqual([expect.objectContaining({ kind: 'approval', name: 'guarded__echo', input: { message: 'secret' }, reason: 'server guarded requires approval for echo' })]);
    expect(of(events, 'tool_result').map((event) => [event.name, event.isError])).toEqual([['guarded__get-sum', false]]);
    await stack.client.stop(job.turnId);
    expect((await stack.client.collect(job.turnId)).at(-1)).toMatchObject({ type: 'done', finishReason: 'stop_requested' });
  });

  it("pauses for a call the request's require_approval covers, on a server without a policy", async () => {
    stack.emulator.script([{ when: { lastUserText: 'ask first' }, reply: { toolUses: [{ name: 'everything__echo', input: { message: 'x' } }] } }]);
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'ask first' }], mcpServerIds: ['everything'], requireApproval: { always: { tool_names: ['echo'] } } });
    const pausing = await stack.client.watch(job.turnId, 20_000, (events) => events.some((event) => event.type === 'approval_request'));
    await stack.client.enqueue(job);
    const [request] = of(await pausing.until, 'approval_request');
    expect(request!.asks).toEqual([expect.objectContaining({ serverId: 'everything', toolName: 'echo', reason: 'the request requires approval for echo' })]);
    await stack.client.stop(job.turnId);
    expect((await stack.client.collect(job.turnId)).at(-1)).toMatchObject({ type: 'done', finishReason: 'stop_requested' });
  });

  it('forwards tool progress notifications as tool_progress events', async () => {
    stack.emulator.script([
      { when: { lastUserText: 'long job' }, reply: { toolUses: [{ name: 'everything__trigger-long-running-operation', input: { duration: 0.3, steps: 3 } }] } },
      { when: { afterToolResult: 'everything__trigger-long-running-operation' }, reply: { text: 'done' } },
    ]);
    const events = await stack.client.run(chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'long job' }], mcpServerIds: ['everything'] }));
    expect(of(events, 'tool_progress').map((event) => [event.progress, event.total])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    const progressSeqs = of(events, 'tool_progress').map((event) => event.seq);
    expect(Math.max(...progressSeqs)).toBeLessThan(of(events, 'tool_result')[0]!.seq);
  });

  it('stops at MAX_TURNS model rounds with done(max_turns) when the model keeps calling tools', async () => {
    stack.emulator.script([{ reply: { toolUses: [{ name: 'everything__echo', input: { message: 'again' } }] } }]);
    const events = await stack.client.run(chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'loop forever' }], mcpServerIds: ['everything'] }));
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'max_turns' });
    expect(bedrockRequests()).toHaveLength(3);
    expect(of(events, 'round_start')).toHaveLength(3);
    // The third round's tool use is not run: its result could never reach the model in this turn.
    expect(of(events, 'tool_result')).toHaveLength(2);
  });

  it('ends the turn when the model stops at max_tokens (never loops on it)', async () => {
    stack.emulator.script([{ reply: { text: 'cut sh', stopReason: 'max_tokens' } }]);
    const events = await stack.client.run(chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'write a novel' }] }));
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'max_tokens' });
    expect(bedrockRequests()).toHaveLength(1);
  });
});

describe('Claude extended thinking', () => {
  it('streams reasoning and sends it back, signature included, on the round after a tool use', async () => {
    stack.emulator.script([
      {
        when: { lastUserText: 'think then echo' },
        reply: { reasoning: { text: 'I should echo.', signature: 'sig-abc-123' }, toolUses: [{ name: 'everything__echo', input: { message: 'x' } }] },
      },
      { when: { afterToolResult: 'everything__echo' }, reply: { reasoning: { redacted: Buffer.from('hidden').toString('base64') }, text: 'done' } },
    ]);
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'think then echo' }], mcpServerIds: ['everything'], thinking: { enabled: true, budgetTokens: 2048 }, topK: 50 });
    const events = await stack.client.run(job);
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'end_turn' });
    const reasoning = of(events, 'reasoning_delta');
    expect(reasoning.map((event) => event.text ?? '').join('')).toBe('I should echo.');
    expect(reasoning.filter((event) => event.signature).map((event) => event.signature)).toEqual(['sig-abc-123']);
    expect(reasoning.filter((event) => event.redacted).map((event) => event.redacted)).toEqual([Buffer.from('hidden').toString('base64')]);

    const [first, second] = bedrockRequests();
    expect(first!.body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 2048 } });
    expect(first!.body.inferenceConfig).toEqual({ maxTokens: 4000 });
    const assistant = second!.body.messages!.at(-2)!;
    expect(assistant.role).toBe('assistant');
    expect(assistant.content[0]).toEqual({ reasoningContent: { reasoningText: { text: 'I should echo.', signature: 'sig-abc-123' } } });
    expect(assistant.content[1]?.toolUse?.name).toBe('everything__echo');
  });

  it('does not send thinking to a Nova model, and puts top_k where Nova reads it', async () => {
    stack.emulator.script([{ reply: { text: 'hi' } }]);
    await stack.client.run(chatJob({ model: NOVA, messages: [{ role: 'user', content: 'hi' }], thinking: { enabled: true, budgetTokens: 2048 }, topK: 20 }));
    const [request] = bedrockRequests();
    expect(request!.modelId).toBe(NOVA);
    expect(request!.body.additionalModelRequestFields).toEqual({ inferenceConfig: { topK: 20 } });
    expect(request!.body.inferenceConfig?.temperature).toBe(0.5);
  });
});

const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

describe('images and documents', () => {
  it('sends an image of the user message as image bytes', async () => {
    stack.emulator.script([{ reply: { text: 'a pixel' } }]);
    const events = await stack.client.run(
      chatJob({
        model: CLAUDE,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${TINY_PNG}` } }] }],
      }),
    );
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'end_turn' });
    const content = bedrockRequests()[0]!.body.messages![0]!.content;
    expect(content[0]).toEqual({ text: 'what is this?' });
    expect(content[1]).toEqual({ image: { format: 'png', source: { bytes: TINY_PNG } } });
  });

  it('fetches an http(s) image URL of the user message and sends its bytes', async () => {
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from(TINY_PNG, 'base64')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      stack.emulator.script([{ reply: { text: 'fetched' } }]);
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pixel.png`;
      await stack.client.run(chatJob({ model: CLAUDE, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }, { type: 'text', text: 'and this?' }] }] }));
      expect(bedrockRequests()[0]!.body.messages![0]!.content[0]).toEqual({ image: { format: 'png', source: { bytes: TINY_PNG } } });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('ends a turn whose image URLs together pass IMAGE_FETCH_MAX_TOTAL_BYTES with invalid_request naming the limit, before any model call', async () => {
    // Each image is well within IMAGE_FETCH_MAX_BYTES; the two of them are not within the total.
    const png = Buffer.concat([Buffer.from(TINY_PNG, 'base64'), Buffer.alloc(40 * 1024)]);
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const image = (name: string) => ({ type: 'image_url' as const, image_url: { url: `${base}/${name}.png` } });
      const events = await stack.client.run(chatJob({ model: CLAUDE, messages: [{ role: 'user', content: [image('first'), { type: 'text', text: 'and' }, image('second')] }] }));
      expect(types(events)).toEqual(['start', 'error', 'done']);
      expect(events[1]).toMatchObject({
        code: 'invalid_request',
        message: expect.stringMatching(/^messages\[0\]\.content\[2\]: image .*\/second\.png not fetched: .*at most 65536 bytes together \(IMAGE_FETCH_MAX_TOTAL_BYTES\)/),
      });
      expect(bedrockRequests()).toHaveLength(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('sends an image a tool returned back to the model as an image block in the tool result', async () => {
    stack.emulator.script([
      { when: { lastUserText: 'show me' }, reply: { toolUses: [{ name: 'everything__get-tiny-image', input: {} }] } },
      { when: { afterToolResult: 'everything__get-tiny-image' }, reply: ({ toolResults }) => ({ text: `images: ${toolResults[0]!.images}` }) },
    ]);
    const events = await stack.client.run(chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'show me' }], mcpServerIds: ['everything'] }));
    expect(of(events, 'tool_result')[0]!.content.some((part) => part.type === 'image')).toBe(true);
    const toolResult = bedrockRequests()[1]!.body.messages!.at(-1)!.content[0]!.toolResult!;
    const image = toolResult.content!.find((part) => part.image);
    expect(image?.image?.format).toBe('png');
    expect(Buffer.from(image!.image!.source.bytes!, 'base64').subarray(1, 4).toString()).toBe('PNG');
    expect(of(events, 'text_delta').map((event) => event.text).join('')).toBe('images: 1');
  });

  it('keeps only the newest N tool-result images in what it sends', async () => {
    stack.emulator.script([
      { when: { lastUserText: 'screens' }, reply: { toolUses: [{ name: 'everything__get-tiny-image', input: {} }, { name: 'everything__get-tiny-image', input: {} }] } },
      { when: { afterToolResult: 'everything__get-tiny-image' }, reply: { text: 'ok' } },
    ]);
    await stack.client.run(chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'screens' }], mcpServerIds: ['everything'], onlyNMostRecentImages: 1 }));
    const parts = bedrockRequests()[1]!.body.messages!.at(-1)!.content.flatMap((block) => block.toolResult?.content ?? []);
    expect(parts.filter((part) => part.image)).toHaveLength(1);
    expect(parts.some((part) => part.text === '[older image omitted]')).toBe(true);
  });

  it('sends a PDF file part as a document block with a name Bedrock accepts', async () => {
    stack.emulator.script([{ reply: { text: 'read it' } }]);
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n').toString('base64');
    await stack.client.run(
      chatJob({
        model: CLAUDE,
        messages: [{ role: 'user', content: [{ type: 'file', file: { file_data: pdf, filename: 'Quarterly_report v2.final.pdf' } }, { type: 'text', text: 'summarize' }] }],
      }),
    );
    const content = bedrockRequests()[0]!.body.messages![0]!.content;
    expect(content[0]).toEqual({ document: { format: 'pdf', name: 'Quarterly report v2 final', source: { bytes: pdf } } });
  });

  it('refuses an unsupported attachment with invalid_request and done(error)', async () => {
    const events = await stack.client.run(
      chatJob({ model: CLAUDE, messages: [{ role: 'user', content: [{ type: 'file', file: { file_data: Buffer.from([0, 1, 2, 3]).toString('base64'), filename: 'movie.mp4' } }] }] }),
    );
    expect(types(events)).toEqual(['start', 'error', 'done']);
    expect(events[1]).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('movie.mp4') });
    expect(bedrockRequests()).toHaveLength(0);
  });
});

describe('stops, failures and retries', () => {
  it('stops mid-stream on a stop request: done(stop_requested) at once', async () => {
    stack.emulator.script([{ reply: { text: 'word '.repeat(200), chunkCount: 100, chunkDelayMs: 30 } }]);
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'talk a lot' }] });
    const firstDelta = await stack.client.watch(job.turnId, 10_000, (events) => events.some((event) => event.type === 'text_delta'));
    const all = await stack.client.watch(job.turnId, 10_000);
    await stack.client.enqueue(job);
    await firstDelta.until;
    const stopAt = Date.now();
    await stack.client.requestStop(job.turnId);
    const events = await all.until;
    expect(Date.now() - stopAt).toBeLessThan(500);
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop_requested' });
    expect(of(events, 'text_delta').length).toBeLessThan(90);
  });

  it('stops before starting when the stop came before the turn reached a worker', async () => {
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'never mind' }] });
    await stack.client.requestStop(job.turnId);
    const events = await stack.client.run(job);
    expect(types(events)).toEqual(['start', 'done']);
    expect(events.at(-1)).toMatchObject({ finishReason: 'stop_requested' });
    expect(bedrockRequests()).toHaveLength(0);
  });

  it('stops before any output when the stop flag was set but its broadcast never reached the worker', async () => {
    // The first model call goes out while the flag is being read; it is aborted, and none of it is emitted.
    stack.emulator.script([{ reply: { text: 'should never be seen', chunkCount: 4, chunkDelayMs: 50 } }]);
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'never mind' }] });
    await stack.client.redis.set(stack.client.turnKeys.turnCancel(job.turnId), '1', 'EX', 60);
    const events = await stack.client.run(job);
    expect(types(events)).toEqual(['start', 'done']);
    expect(events.at(-1)).toMatchObject({ finishReason: 'stop_requested' });
    expect(bedrockRequests().length).toBeLessThanOrEqual(1);
  });

  it('on a worker busy with another turn, reads the stop flag before calling the model: no request for a flagged turn', async () => {
    stack.emulator.script([
      { when: { lastUserText: 'keep busy' }, reply: { text: 'busy '.repeat(20), chunkCount: 20, chunkDelayMs: 50 } },
      { reply: { text: 'should never be seen' } },
    ]);
    const busy = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'keep busy' }] });
    const busyStreaming = await stack.client.watch(busy.turnId, 10_000, (events) => events.some((event) => event.type === 'text_delta'));
    const busyDone = await stack.client.watch(busy.turnId, 10_000);
    await stack.client.enqueue(busy);
    await busyStreaming.until;
    const flagged = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'never mind' }] });
    await stack.client.redis.set(stack.client.turnKeys.turnCancel(flagged.turnId), '1', 'EX', 60);
    const events = await stack.client.run(flagged);
    expect(types(events)).toEqual(['start', 'done']);
    expect(events.at(-1)).toMatchObject({ finishReason: 'stop_requested' });
    expect(bedrockRequests()).toHaveLength(1); // the busy turn's
    await busyDone.until;
  });

  it('does not run again a turn whose log already ends with done (its worker died before BullMQ heard of the end)', async () => {
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'answered already' }] });
    await stack.client.events.append({ turnId: job.turnId, type: 'start', model: CLAUDE, userId: job.userId });
    await stack.client.events.append({ turnId: job.turnId, type: 'done', finishReason: 'end_turn' });
    await stack.client.enqueueTakenOver(job);
    await expect.poll(() => stack.client.jobState(job.turnId), { timeout: 10_000 }).toBe('completed');
    expect(types(await stack.client.events.readAfter(job.turnId, 0))).toEqual(['start', 'done']);
    expect(bedrockRequests()).toHaveLength(0);
  });

  it('retries a throttled call (HTTP 429 ThrottlingException) and then succeeds', async () => {
    stack.emulator.script([{ reply: { text: 'finally' } }]);
    stack.emulator.failNext({ kind: 'http', status: 429, provider: 'bedrock' });
    const events = await stack.client.run(chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'hi' }] }));
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'end_turn' });
    expect(of(events, 'text_delta').map((event) => event.text).join('')).toBe('finally');
    // Without conf/credential.csv: the default credential chain (here the environment's keys).
    expect(bedrockRequests().map((request) => /Credential=(\w+)\//.exec(String(request.headers.authorization))?.[1])).toEqual(['AKIDEMULATOR0', 'AKIDEMULATOR0']);
  });

  it('gives up after MODEL_MAX_ATTEMPTS throttled attempts with model_throttled', async () => {
    stack.emulator.failNext({ kind: 'http', status: 429, provider: 'bedrock', times: 10 });
    const events = await stack.client.run(chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'hi' }] }));
    expect(types(events).slice(-2)).toEqual(['error', 'done']);
    expect(events.at(-2)).toMatchObject({ code: 'model_throttled' });
    expect(events.at(-1)).toMatchObject({ finishReason: 'error' });
    expect(bedrockRequests()).toHaveLength(4);
  });

  it('does not retry a stream that broke after output reached the client: error model_error', async () => {
    stack.emulator.script([{ reply: { text: 'one two three four five six', chunkCount: 6 } }]);
    stack.emulator.failNext({ kind: 'stream', exception: 'modelStreamErrorException', afterChunks: 4, provider: 'bedrock' });
    const events = await stack.client.run(chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'hi' }] }));
    expect(of(events, 'text_delta').length).toBeGreaterThan(0);
    expect(events.at(-2)).toMatchObject({ type: 'error', code: 'model_error' });
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'error' });
    expect(bedrockRequests()).toHaveLength(1);
  });

  it('ends a turn for a model conf/config.json does not list with invalid_request', async () => {
    const events = await stack.client.run(chatJob({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }));
    expect(types(events)).toEqual(['start', 'error', 'done']);
    expect(events[1]).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('no-such-model') });
  });

  it('refuses a job payload that does not match ChatJobSchema with error + done', async () => {
    const turnId = chatJob({ model: CLAUDE }).turnId;
    const watching = await stack.client.watch(turnId);
    await stack.client.enqueue({ turnId, userId: 'u', model: CLAUDE, messages: [] });
    const events = await watching.until;
    expect(types(events)).toEqual(['error', 'done']);
    expect(events[0]).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('messages') });
  });
});

describe("the user's concurrent-turn slot (taken by the gateway)", () => {
  it('is released when the turn ends, whether it ended well or with an error', async () => {
    const slots = new ActiveTurns(stack.client.redis, stack.client.turnKeys, { slotTtlMs: 60_000 });
    stack.emulator.script([{ reply: { text: 'done' } }]);
    const good = chatJob({ model: CLAUDE });
    const bad = chatJob({ model: 'no-such-model', userId: good.userId });
    for (const job of [good, bad]) expect(await slots.admit(job, 2, { window: { windowStart: 0, ttlMs: 60_000 }, limit: 100 })).toMatchObject({ admitted: true });
    expect((await stack.client.run(good)).at(-1)).toMatchObject({ type: 'done', finishReason: 'end_turn' });
    expect((await stack.client.run(bad)).at(-1)).toMatchObject({ type: 'done', finishReason: 'error' });
    // Released before `done` was published: nothing to wait for.
    expect(await slots.held(good.userId)).toBe(0);
  });
});
