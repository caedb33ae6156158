import {
  BedrockRuntimeClient,
  InvokeModelWithBidirectionalStreamCommand,
  ModelTimeoutException,
  ThrottlingException,
  ValidationException,
  type InvokeModelWithBidirectionalStreamInput,
} from '@aws-sdk/client-bedrock-runtime';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startModelEmulator } from './emulator.js';
import { pcm16Rms, silencePcm16, tonePcm16 } from './pcm16.js';
import { SONIC_INTERRUPTED_MARKER } from './sonic-output.js';
import { SONIC_SESSION_LIMIT_MESSAGE } from './sonic-route.js';
import type { ModelEmulator } from './types.js';

const MODEL_ID = 'amazon.nova-sonic-v1:0';
const PROMPT = 'prompt-1';
const AUDIO = 'audio-1';

interface OutputEvent {
  name: string;
  body: Record<string, unknown>;
}

/** A bare Sonic client over the real SDK: events in through an async queue, decoded events out. */
class RawSonicClient {
  readonly outputs: OutputEvent[] = [];
  readonly done: Promise<unknown>;
  #pending: InvokeModelWithBidirectionalStreamInput[] = [];
  #wake: (() => void) | undefined;
  #ended = false;

  constructor(client: BedrockRuntimeClient) {
    this.done = this.#run(client).then(
      () => undefined,
      (error: unknown) => error,
    );
  }

  send(name: string, body: Record<string, unknown>): void {
    const bytes = new TextEncoder().encode(JSON.stringify({ event: { [name]: body } }));
    this.#pending.push({ chunk: { bytes } });
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  open(system = 'You are a test voice.'): void {
    this.send('sessionStart', { inferenceConfiguration: { maxTokens: 1024, topP: 0.9, temperature: 0.7 } });
    this.send('promptStart', {
      promptName: PROMPT,
      textOutputConfiguration: { mediaType: 'text/plain' },
      audioOutputConfiguration: { mediaType: 'audio/lpcm', sampleRateHertz: 24000, sampleSizeBits: 16, channelCount: 1, voiceId: 'matthew', encoding: 'base64', audioType: 'SPEECH' },
    });
    this.text('sys', 'SYSTEM', system);
  }

  text(contentName: string, role: string, content: string): void {
    this.send('contentStart', { promptName: PROMPT, contentName, type: 'TEXT', interactive: false, role, textInputConfiguration: { mediaType: 'text/plain' } });
    this.send('textInput', { promptName: PROMPT, contentName, content });
    this.send('contentEnd', { promptName: PROMPT, contentName });
  }

  startAudio(): void {
    this.send('contentStart', {
      promptName: PROMPT,
      contentName: AUDIO,
      type: 'AUDIO',
      interactive: true,
      role: 'USER',
      audioInputConfiguration: { mediaType: 'audio/lpcm', sampleRateHertz: 16000, sampleSizeBits: 16, channelCount: 1, audioType: 'SPEECH', encoding: 'base64' },
    });
  }

  /** Sends PCM16 16 kHz in 32 ms frames, as a microphone would. */
  audio(pcm: Buffer): void {
    for (let offset = 0; offset < pcm.length; offset += 1024) {
      this.send('audioInput', { promptName: PROMPT, contentName: AUDIO, content: pcm.subarray(offset, offset + 1024).toString('base64') });
    }
  }

  toolResult(toolUseId: string, content: string): void {
    this.send('contentStart', {
      promptName: PROMPT,
      contentName: `tool-${toolUseId}`,
      type: 'TOOL',
      interactive: false,
      role: 'TOOL',
      toolResultInputConfiguration: { toolUseId, type: 'TEXT', textInputConfiguration: { mediaType: 'text/plain' } },
    });
    this.send('toolResult', { promptName: PROMPT, contentName: `tool-${toolUseId}`, content });
    this.send('contentEnd', { promptName: PROMPT, contentName: `tool-${toolUseId}` });
  }

  close(): void {
    this.send('contentEnd', { promptName: PROMPT, contentName: AUDIO });
    this.send('promptEnd', { promptName: PROMPT });
    this.send('sessionEnd', {});
    this.end();
  }

  async waitFor(predicate: (event: OutputEvent) => boolean, what: string, timeoutMs = 5000): Promise<OutputEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.outputs.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${this.outputs.map((event) => event.name).join(',')}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async #run(client: BedrockRuntimeClient): Promise<void> {
    const response = await client.send(new InvokeModelWithBidirectionalStreamCommand({ modelId: MODEL_ID, body: this.#input() }));
    for await (const part of response.body ?? []) {
      const bytes = part.chunk?.bytes;
      if (bytes === undefined) continue;
      const wrapper = JSON.parse(new TextDecoder().decode(bytes)) as { event: Record<string, Record<string, unknown>> };
      const [name, body] = Object.entries(wrapper.event)[0]!;
      this.outputs.push({ name, body });
    }
  }

  async *#input(): AsyncGenerator<InvokeModelWithBidirectionalStreamInput> {
    for (;;) {
      const next = this.#pending.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}

const question = (ms = 400) => tonePcm16({ sampleRate: 16000, durationMs: ms, frequencyHz: 220, amplitude: 6000 });
const pause = (ms = 400) => silencePcm16(16000, ms);
const named = (name: string) => (event: OutputEvent) => event.name === name;

describe('model emulator: Nova Sonic bidirectional stream', () => {
  let emulator: ModelEmulator;
  let bedrock: BedrockRuntimeClient;

  beforeAll(async () => {
    emulator = await startModelEmulator();
    bedrock = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: emulator.bedrockEndpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });
  afterEach(() => emulator.reset());
  afterAll(async () => {
    bedrock.destroy();
    await emulator.close();
  });

  it('hears an utterance, calls a tool, waits for its result, then answers in text and 24 kHz audio', async () => {
    emulator.scriptSonic({
      audioMs: 500,
      turns: [
        {
          userTranscript: 'what is the weather in Paris',
          toolUse: { name: 'get_weather', input: { city: 'Paris' }, id: 'tooluse_1' },
          assistantText: ({ toolResult }) => `It is ${toolResult ?? '?'}.`,
        },
      ],
    });
    const client = new RawSonicClient(bedrock);
    client.open('Be brief.');
    client.text('h1', 'USER', 'earlier question');
    client.text('h2', 'ASSISTANT', 'earlier answer');
    client.startAudio();
    client.audio(question());
    client.audio(pause());

    const toolUse = await client.waitFor(named('toolUse'), 'toolUse');
    expect(toolUse.body).toMatchObject({ toolName: 'get_weather', toolUseId: 'tooluse_1', promptName: PROMPT });
    expect(JSON.parse(String(toolUse.body['content']))).toEqual({ city: 'Paris' });
    const toolEnd = await client.waitFor((event) => event.name === 'contentEnd' && event.body['type'] === 'TOOL', 'TOOL contentEnd');
    expect(toolEnd.body['stopReason']).toBe('TOOL_USE');
    expect(client.outputs.some(named('audioOutput'))).toBe(false); // nothing is said before the result

    client.toolResult('tooluse_1', 'sunny');
    await client.waitFor(named('usageEvent'), 'usageEvent');
    client.close();
    expect(await client.done).toBeUndefined();

    const texts = client.outputs.filter(named('textOutput')).map((event) => [event.body['role'], event.body['content']]);
    expect(texts).toEqual([
      ['USER', 'what is the weather in Paris'],
      ['ASSISTANT', 'It is sunny.'],
      ['ASSISTANT', 'It is sunny.'],
    ]);
    const stages = client.outputs
      .filter((event) => event.name === 'contentStart' && event.body['type'] === 'TEXT')
      .map((event) => `${String(event.body['role'])}:${JSON.parse(String(event.body['additionalModelFields'])).generationStage}`);
    expect(stages).toEqual(['USER:FINAL', 'ASSISTANT:SPECULATIVE', 'ASSISTANT:FINAL']);
    const audioStart = client.outputs.find((event) => event.name === 'contentStart' && event.body['type'] === 'AUDIO');
    expect(audioStart?.body['audioOutputConfiguration']).toMatchObject({ sampleRateHertz: 24000, mediaType: 'audio/lpcm' });
    const pcm = Buffer.concat(client.outputs.filter(named('audioOutput')).map((event) => Buffer.from(String(event.body['content']), 'base64')));
    expect(pcm.length / 2).toBe(24000 * 0.5);
    expect(pcm16Rms(pcm)).toBeGreaterThan(1000);
    expect(client.outputs[0]?.name).toBe('completionStart');
    expect(client.outputs.some(named('completionEnd'))).toBe(true);

    const [session] = emulator.sonicSessions;
    expect(session).toMatchObject({
      modelId: MODEL_ID,
      outcome: 'ended',
      systemPrompt: 'Be brief.',
      history: [
        { role: 'USER', text: 'earlier question' },
        { role: 'ASSISTANT', text: 'earlier answer' },
      ],
      toolResults: [{ toolUseId: 'tooluse_1', content: 'sunny' }],
      utterances: ['what is the weather in Paris'],
      audioInputBytes: question().length + pause().length,
    });
    expect(session?.promptStart?.['audioOutputConfiguration']).toMatchObject({ voiceId: 'matthew' });
    const audioEvent = session?.events.find((event) => event.name === 'audioInput');
    expect(audioEvent?.body).toMatchObject({ contentBytes: 1024 });
  });

  it('stops speaking when the user barges in, and answers the new utterance', async () => {
    emulator.scriptSonic({
      audioMs: 3000,
      audioChunkDelayMs: 10,
      turns: [
        { userTranscript: 'tell me a long story', assistantText: 'Once upon a time' },
        { userTranscript: 'stop, shorter please', assistantText: 'Sure.', audioMs: 80 },
      ],
    });
    const client = new RawSonicClient(bedrock);
    client.open();
    client.startAudio();
    client.audio(question());
    client.audio(pause());
    await client.waitFor(named('audioOutput'), 'first audio');
    client.audio(question(200));
    client.audio(pause());

    const interrupted = await client.waitFor((event) => event.name === 'contentEnd' && event.body['stopReason'] === 'INTERRUPTED', 'INTERRUPTED');
    expect(interrupted.body['type']).toBe('AUDIO');
    await client.waitFor((event) => event.name === 'textOutput' && event.body['content'] === 'Sure.', 'second answer');
    client.close();
    await client.done;

    const firstAudioBytes = client.outputs
      .filter((event) => event.name === 'audioOutput')
      .reduce((sum, event) => sum + Buffer.from(String(event.body['content']), 'base64').length, 0);
    expect(firstAudioBytes).toBeLessThan(3 * 24000 * 2); // cut well before its 3 s
    expect(client.outputs.some((event) => event.name === 'textOutput' && event.body['content'] === SONIC_INTERRUPTED_MARKER)).toBe(true);
    expect(emulator.sonicSessions[0]).toMatchObject({ interruptions: 1, utterances: ['tell me a long story', 'stop, shorter please'] });
  });

  it('ends a session at the scripted limit with ModelTimeoutException, as Bedrock does at 8 minutes', async () => {
    emulator.scriptSonic({ sessionLimitMs: 150 });
    const client = new RawSonicClient(bedrock);
    client.open();
    client.startAudio();
    const error = await client.done;
    client.end();
    expect(error).toBeInstanceOf(ModelTimeoutException);
    expect((error as Error).message).toBe(SONIC_SESSION_LIMIT_MESSAGE);
    expect(emulator.sonicSessions[0]?.outcome).toBe('timed_out');
  });

  it('rejects events out of order with ValidationException', async () => {
    const client = new RawSonicClient(bedrock);
    client.send('promptStart', { promptName: PROMPT });
    const error = await client.done;
    client.end();
    expect(error).toBeInstanceOf(ValidationException);
    expect((error as Error).message).toMatch(/first event must be sessionStart/);
    expect(emulator.sonicSessions[0]).toMatchObject({ outcome: 'rejected' });
  });

  it('fails the stream when no toolResult arrives in time', async () => {
    emulator.scriptSonic({ toolResultTimeoutMs: 100, turns: [{ userTranscript: 'q', toolUse: { name: 't', input: {} }, assistantText: 'a' }] });
    const client = new RawSonicClient(bedrock);
    client.open();
    client.startAudio();
    client.audio(question());
    client.audio(pause());
    const error = await client.done;
    client.end();
    expect(error).toBeInstanceOf(ModelTimeoutException);
    expect((error as Error).message).toMatch(/no toolResult/);
  });

  it('consumes queued Bedrock failures: HTTP errors refuse the stream', async () => {
    emulator.failNext({ kind: 'http', status: 429, message: 'slow down' });
    const client = new RawSonicClient(bedrock);
    client.open();
    const error = await client.done;
    client.end();
    expect(error).toBeInstanceOf(ThrottlingException);
    expect(emulator.sonicSessions[0]).toMatchObject({ outcome: 'failed' });
  });

  it('consumes queued Bedrock failures: a stream failure breaks the stream after afterChunks events', async () => {
    emulator.scriptSonic({ turns: [{ userTranscript: 'hello', assistantText: 'hi' }] });
    emulator.failNext({ kind: 'stream', exception: 'modelStreamErrorException', afterChunks: 2, message: 'broke' });
    const client = new RawSonicClient(bedrock);
    client.open();
    client.startAudio();
    client.audio(question());
    client.audio(pause());
    const error = await client.done;
    client.end();
    expect((error as Error).name).toBe('ModelStreamErrorException');
    expect(client.outputs.map((event) => event.name)).toEqual(['completionStart', 'contentStart']);
  });

  it('ends open streams when the emulator closes', async () => {
    const own = await startModelEmulator();
    const client = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: own.bedrockEndpoint, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    try {
      const raw = new RawSonicClient(client);
      raw.open();
      raw.startAudio();
      for (let waited = 0; own.sonicSessions[0]?.events.length !== 6 && waited < 5000; waited += 10) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await own.close();
      await raw.done; // resolves (ended or failed) instead of hanging
      raw.end();
      expect(own.sonicSessions[0]?.outcome).toBe('aborted');
    } finally {
      client.destroy();
      await own.close();
    }
  });
});
