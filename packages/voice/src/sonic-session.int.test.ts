import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { createLogger } from '@bedrock-mcp/common';
import type { CatalogTool } from '@bedrock-mcp/contracts';
import { PoolClient } from '@bedrock-mcp/pool-client';
import { HistoryStore } from '@bedrock-mcp/turns';
import { startMcpPoolProcess, startModelEmulator, startTestRedis, type ModelEmulator, type PoolProcess, type TestRedis } from '@bedrock-mcp/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SonicSession, type RenewReason } from './sonic-session.js';
import type { SonicSessionOptions } from './sonic-session-options.js';
import { FrameRecorder, isFinalText, speak } from './testing/frame-recorder.js';
import { VoiceHistory } from './voice-history.js';
import { createPoolToolExecutor } from './voice-tools.js';

const logger = createLogger({ service: 'voice-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const USER = 'alice';

describe('SonicSession: real AWS SDK against the emulated Nova Sonic, tools through a real mcp-pool', () => {
  let emulator: ModelEmulator;
  let bedrock: BedrockRuntimeClient;
  let redis: TestRedis;
  let poolProcess: PoolProcess;
  let pool: PoolClient;
  let tools: CatalogTool[];
  const sessions: SonicSession[] = [];

  const newSession = (options: Partial<SonicSessionOptions> = {}): { session: SonicSession; recorder: FrameRecorder } => {
    const session = new SonicSession({ client: bedrock, executeTool: createPoolToolExecutor(pool, tools), logger, ...options });
    sessions.push(session);
    return { session, recorder: new FrameRecorder(session) };
  };
  const start = (session: SonicSession) => session.start({ userId: USER, voiceId: 'tiffany', systemPrompt: 'Be brief.', tools });
  const renewed = (session: SonicSession) =>
    new Promise<{ reason: RenewReason; streams: number }>((resolve) => session.once('renewed', resolve));

  beforeAll(async () => {
    emulator = await startModelEmulator();
    bedrock = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: emulator.bedrockEndpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    redis = await startTestRedis('voice-session');
    poolProcess = await startMcpPoolProcess({
      redisUrl: redis.url,
      redisPrefix: redis.prefix,
      app: {
        providers: {},
        models: [{ model_id: 'test-model', model_name: 'Test model', supports_thinking: false, supports_images: true, supports_documents: true, supports_tool_use: true, supports_prompt_caching: false }],
        mcpServers: { everything: { command: 'mcp-server-everything', args: ['stdio'], description: 'MCP reference server' } },
        userServerCatalog: {},
      },
    });
    pool = new PoolClient({ baseUrl: poolProcess.url, internalApiKey: poolProcess.internalApiKey });
    const catalog = await pool.catalog(USER, ['everything']);
    tools = catalog.tools;
    expect(tools.map((tool) => tool.name)).toContain('everything__echo');
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((session) => session.close()));
    emulator.reset();
  });
  afterAll(async () => {
    bedrock?.destroy();
    await emulator?.close();
    await poolProcess?.stop();
    await redis?.close();
  });

  it('answers a spoken question: user transcript, a tool call through the pool, assistant transcript and 24 kHz audio', async () => {
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
    const writer = new VoiceHistory(new HistoryStore(redis.client, { prefix: redis.prefix, maxMessages: 200, lockWaitMs: 2000, logger }));
    const { session, recorder } = newSession({ onTranscript: writer.transcriptSink(USER) });
    start(session);
    expect(recorder.frames[0]).toEqual({ type: 'ready', voiceId: 'tiffany' });

    speak(session);
    const answer = 'The tool said Echo: hello voice.';
    const final = await recorder.waitFor(isFinalText('assistant', answer), 'the final answer');

    expect(recorder.of('text').filter((frame) => frame.role === 'user')).toEqual([
      { type: 'text', role: 'user', utteranceId: expect.any(String), content: 'please echo hello voice', final: true, user: 'please echo hello voice' },
    ]);
    expect(recorder.of('toolUse')).toEqual([{ type: 'toolUse', toolUseId: expect.any(String), name: 'everything__echo', input: { message: 'hello voice' } }]);
    expect(recorder.of('toolResult')).toEqual([
      { type: 'toolResult', toolUseId: recorder.of('toolUse')[0]!.toolUseId, name: 'everything__echo', content: 'Echo: hello voice', isError: false },
    ]);
    // One bubble: the speculative plan first, then the same utterance id with the spoken (final) text.
    const assistantTexts = recorder.of('text').filter((frame) => frame.role === 'assistant');
    expect(assistantTexts.map((frame) => [frame.content, frame.final])).toEqual([
      [answer, false],
      [answer, true],
    ]);
    expect(new Set(assistantTexts.map((frame) => frame.utteranceId))).toEqual(new Set([final.type === 'text' ? final.utteranceId : '']));
    const audio = recorder.of('audio_data');
    expect(audio.every((frame) => frame.sampleRate === 24000)).toBe(true);
    expect(recorder.audioSamples()).toBe(24000 * 0.6);

    const [stream] = emulator.sonicSessions;
    expect(stream?.systemPrompt).toBe('Be brief.');
    expect(stream?.promptStart?.['audioOutputConfiguration']).toMatchObject({ voiceId: 'tiffany', sampleRateHertz: 24000 });
    const specs = (stream?.promptStart?.['toolConfiguration'] as { tools: { toolSpec: { name: string; inputSchema: { json: string } } }[] }).tools;
    const echo = specs.find((spec) => spec.toolSpec.name === 'everything__echo');
    expect(JSON.parse(echo!.toolSpec.inputSchema.json)).toMatchObject({ properties: { message: { type: 'string' } } });
    expect(stream?.toolResults).toEqual([{ toolUseId: recorder.of('toolUse')[0]!.toolUseId, content: 'Echo: hello voice' }]);

    await session.close();
    expect(stream?.outcome).toBe('ended');
    expect(session.conversation).toEqual([
      { role: 'user', text: 'please echo hello voice' },
      { role: 'assistant', text: answer },
    ]);
    expect(await writer.load(USER)).toEqual(session.conversation);
  });

  it('barge-in: signals the interruption, forwards none of the cut answer, then answers the new question', async () => {
    emulator.scriptSonic({
      audioMs: 3000,
      audioChunkDelayMs: 10,
      turns: [
        { userTranscript: 'tell me a long story', assistantText: 'Once upon a time there was a very long story.' },
        { userTranscript: 'shorter please', assistantText: 'Sure.', audioMs: 80 },
      ],
    });
    const { session, recorder } = newSession();
    start(session);
    speak(session);
    await recorder.waitFor((frame) => frame.type === 'audio_data', 'the first answer to start');
    speak(session, 200, 500);
    await recorder.waitFor((frame) => frame.type === 'interrupted', 'the interruption');
    await recorder.waitFor(isFinalText('assistant', 'Sure.'), 'the second answer');

    const interruptedAt = recorder.frames.findIndex((frame) => frame.type === 'interrupted');
    expect(recorder.of('interrupted')).toHaveLength(1); // Sonic signals it twice (contentEnd and a text marker)
    expect(recorder.audioSamples(0) - recorder.audioSamples(interruptedAt)).toBeLessThan(24000 * 3);
    expect(recorder.audioSamples(interruptedAt)).toBe(24 * 80); // after the signal: only the new answer
    expect(recorder.of('text').some((frame) => frame.content.includes('interrupted'))).toBe(false);
    expect(session.conversation).toEqual([
      { role: 'user', text: 'tell me a long story' },
      { role: 'user', text: 'shorter please' },
      { role: 'assistant', text: 'Sure.' },
    ]);
    expect(emulator.sonicSessions[0]?.interruptions).toBe(1);
  });

  it('closes mid-answer the way Sonic expects: sessionEnd, then waits for the model to end the stream', async () => {
    emulator.scriptSonic({ audioMs: 60_000, audioChunkDelayMs: 1, turns: [{ userTranscript: 'a long answer', assistantText: 'A long answer.' }] });
    const { session, recorder } = newSession();
    start(session);
    speak(session);
    await recorder.waitFor((frame) => frame.type === 'audio_data', 'the answer to start');
    const framesBeforeClose = recorder.frames.length;
    await session.close();
    // Audio still streaming when close() began must not cut the request before the model has seen sessionEnd…
    expect(emulator.sonicSessions[0]?.outcome).toBe('ended');
    // …and none of it reaches the client once closing.
    expect(recorder.frames.slice(framesBeforeClose).filter((frame) => frame.type === 'audio_data')).toEqual([]);
    expect(recorder.audioSamples()).toBeLessThan(24 * 60_000);
  });

  it('gives up a tool call that outlives toolTimeoutMs and tells the model', async () => {
    emulator.scriptSonic({
      turns: [{ userTranscript: 'slow tool', toolUse: { name: 'everything__echo', input: { message: 'x' } }, assistantText: ({ toolResult }) => `Result: ${toolResult ?? ''}` }],
    });
    const { session, recorder } = newSession({ toolTimeoutMs: 200, executeTool: () => new Promise(() => undefined) });
    start(session);
    speak(session);
    await recorder.waitFor(isFinalText('assistant', 'Result: the tool call failed: timed out'), 'the answer');
    expect(recorder.of('toolResult')[0]).toMatchObject({ isError: true, content: 'the tool call failed: timed out' });
  });

  it('endOfUtterance (push-to-talk released) ends the utterance without waiting for a pause', async () => {
    emulator.scriptSonic({ endOfSpeechSilenceMs: 500, turns: [{ userTranscript: 'short', assistantText: 'Heard you.' }] });
    const { session, recorder } = newSession({ endOfUtteranceSilenceMs: 600 });
    start(session);
    speak(session, 300, 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(emulator.sonicSessions[0]?.utterances).toEqual([]); // still listening
    session.endOfUtterance();
    await recorder.waitFor(isFinalText('assistant', 'Heard you.'), 'the answer');
  });

  it('renews the stream before the session limit: the conversation goes on, replayed into the new stream', async () => {
    emulator.scriptSonic({
      sessionLimitMs: 10_000,
      turns: [
        { userTranscript: 'my name is Alice', assistantText: 'Nice to meet you, Alice.' },
        { userTranscript: 'what is my name', assistantText: ({ session }) => `You said: ${session.history.map((turn) => turn.text).join(' / ')}` },
      ],
    });
    const { session, recorder } = newSession({ renewAfterMs: 700, renewGraceMs: 3000 });
    const renewal = renewed(session);
    start(session);
    speak(session);
    await recorder.waitFor(isFinalText('assistant', 'Nice to meet you, Alice.'), 'the first answer');
    expect(await renewal).toEqual({ reason: 'scheduled', streams: 2 });

    speak(session);
    const replayed = 'You said: my name is Alice / Nice to meet you, Alice.';
    await recorder.waitFor(isFinalText('assistant', replayed), 'the answer from the new stream');
    expect(emulator.sonicSessions).toHaveLength(2);
    expect(emulator.sonicSessions[1]?.history).toEqual([
      { role: 'USER', text: 'my name is Alice' },
      { role: 'ASSISTANT', text: 'Nice to meet you, Alice.' },
    ]);
    expect(emulator.sonicSessions[1]?.systemPrompt).toBe('Be brief.');
    expect(emulator.sonicSessions[0]?.outcome).toBe('ended'); // the old stream was closed properly
    expect(recorder.of('ready')).toHaveLength(1);
    expect(recorder.of('error')).toEqual([]);
  });

  it('renews when Bedrock ends the session at its time limit (ModelTimeoutException), unnoticed by the client', async () => {
    emulator.scriptSonic({
      sessionLimitMs: 800,
      turns: [
        { userTranscript: 'first question', assistantText: 'First answer.' },
        { userTranscript: 'second question', assistantText: 'Second answer.' },
      ],
    });
    const { session, recorder } = newSession({ renewAfterMs: 60_000 });
    const renewal = renewed(session);
    start(session);
    speak(session);
    await recorder.waitFor(isFinalText('assistant', 'First answer.'), 'the first answer');
    expect(await renewal).toEqual({ reason: 'timeout', streams: 2 });
    expect(emulator.sonicSessions[0]?.outcome).toBe('timed_out');

    speak(session);
    await recorder.waitFor(isFinalText('assistant', 'Second answer.'), 'the second answer');
    expect(emulator.sonicSessions[1]?.history.map((turn) => turn.text)).toEqual(['first question', 'First answer.']);
    expect(recorder.of('error')).toEqual([]);
  });

  it('reports a failing model as an error frame and closes', async () => {
    emulator.scriptSonic({ turns: [{ userTranscript: 'hello', assistantText: 'hi' }] });
    emulator.failNext({ kind: 'stream', exception: 'throttlingException', afterChunks: 1, message: 'Too many requests' });
    const { session, recorder } = newSession();
    const closed = new Promise((resolve) => session.once('closed', resolve));
    start(session);
    speak(session);
    expect(await closed).toEqual({ reason: 'model_error' });
    expect(recorder.of('error')).toEqual([{ type: 'error', code: 'rate_limit_exceeded', message: 'the voice model failed: Too many requests' }]);
    expect(session.state).toBe('closed');
  });

  it('reports a refused stream (Bedrock answers only with the first output) as an error frame and closes', async () => {
    emulator.failNext({ kind: 'http', status: 403, message: 'not allowed' });
    const { session, recorder } = newSession();
    const closed = new Promise((resolve) => session.once('closed', resolve));
    start(session);
    expect(await closed).toEqual({ reason: 'model_error' });
    expect(recorder.of('error')).toEqual([{ type: 'error', code: 'upstream_error', message: 'the voice model refused the session: not allowed' }]);
    expect(session.state).toBe('closed');
  });

  it('does not run a tool whose server requires approval (a voice session cannot ask) and tells the model', async () => {
    emulator.scriptSonic({
      turns: [{ userTranscript: 'use a tool', toolUse: { name: 'everything__echo', input: { message: 'unapproved' } }, assistantText: ({ toolResult }) => `Result: ${toolResult ?? ''}` }],
    });
    // The catalog as the pool lists it for a server whose admin requires approval of echo.
    const guarded = tools.map((tool) => (tool.name === 'everything__echo' ? { ...tool, requireApproval: { always: { tool_names: ['echo'] } } } : tool));
    const { session, recorder } = newSession({ executeTool: createPoolToolExecutor(pool, guarded) });
    start(session);
    speak(session);
    await recorder.waitFor(isFinalText('assistant'), 'the answer');
    const [result] = recorder.of('toolResult');
    expect(result).toMatchObject({ isError: true });
    expect(result?.content).toContain("requires a person's approval");
    expect(result?.content).not.toContain('Echo: unapproved');
  });

  it('tells the model when a tool is not in the catalog, without calling the pool', async () => {
    emulator.scriptSonic({
      turns: [{ userTranscript: 'use a tool', toolUse: { name: 'nope__missing', input: {} }, assistantText: ({ toolResult }) => `Result: ${toolResult ?? ''}` }],
    });
    const { session, recorder } = newSession();
    start(session);
    speak(session);
    await recorder.waitFor(isFinalText('assistant'), 'the answer');
    expect(recorder.of('toolResult')[0]).toMatchObject({ isError: true, content: 'unknown tool "nope__missing"' });
  });
});
