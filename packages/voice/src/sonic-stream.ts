import { randomUUID } from 'node:crypto';
import {
  InvokeModelWithBidirectionalStreamCommand,
  type BedrockRuntimeClient,
  type InvokeModelWithBidirectionalStreamInput,
  type InvokeModelWithBidirectionalStreamOutput,
} from '@aws-sdk/client-bedrock-runtime';
import { AsyncQueue } from './async-queue.js';
import {
  audioContentStartEvent,
  audioInputEvent,
  contentEndEvent,
  parseSonicOutput,
  promptEndEvent,
  promptStartEvent,
  sessionEndEvent,
  sessionStartEvent,
  textContentEvents,
  toolResultEvents,
  type SonicInferenceConfiguration,
  type SonicInputEvent,
  type SonicOutputEvent,
  type SonicToolSpec,
} from './sonic-protocol.js';
import type { VoiceTurn } from './voice-turn.js';

/** What a stream starts with: Sonic takes the system prompt and history only at its start. */
export interface SonicStreamSetup {
  modelId: string;
  voiceId: string;
  systemPrompt: string;
  tools: readonly SonicToolSpec[];
  /** Prior turns, already bounded to what Sonic accepts (starts with a user turn). */
  history: readonly VoiceTurn[];
  inference: SonicInferenceConfiguration;
}

export interface SonicStreamOptions {
  /** Milliseconds `close()` waits for Bedrock to end the stream after sessionEnd before cutting it. */
  closeTimeoutMs: number;
  /** Input events that may wait to be sent; audio beyond it is dropped (~32 ms per microphone frame). */
  maxQueuedEvents: number;
}

/**
 * One InvokeModelWithBidirectionalStream call: the input events go through a queue the SDK reads as
 * the request body; the output is read by one consumer through `outputs()`. `close()` ends the
 * conversation the way Sonic expects (audio contentEnd, promptEnd, sessionEnd), then the request.
 *
 * The SDK's `send()` resolves only once the model's first output event arrives (it looks for an
 * initial-response event), and Sonic says nothing before the user speaks: so opening does not wait
 * for it, audio flows at once, and a refused stream shows up as the error `outputs()` throws.
 */
export class SonicStream {
  readonly promptName = randomUUID();
  readonly #audioContentName = randomUUID();
  readonly #input: AsyncQueue<InvokeModelWithBidirectionalStreamInput>;
  readonly #abort = new AbortController();
  readonly #options: SonicStreamOptions;
  #response: Promise<AsyncIterable<InvokeModelWithBidirectionalStreamOutput>> | undefined;
  #outputDone: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(
    private readonly client: BedrockRuntimeClient,
    options: SonicStreamOptions,
  ) {
    this.#options = options;
    this.#input = new AsyncQueue(options.maxQueuedEvents);
  }

  /** Audio (and other input) events dropped because Bedrock did not take them fast enough. */
  get droppedInputEvents(): number {
    return this.#input.dropped;
  }

  /** Queues the session's opening events and starts the request. */
  open(setup: SonicStreamSetup): void {
    if (this.#response !== undefined) throw new Error('the stream is already open');
    const opening = [
      sessionStartEvent(setup.inference),
      promptStartEvent(this.promptName, setup.voiceId, setup.tools),
      ...textContentEvents(this.promptName, randomUUID(), 'SYSTEM', setup.systemPrompt),
      ...setup.history.flatMap((turn) => textContentEvents(this.promptName, randomUUID(), turn.role === 'user' ? 'USER' : 'ASSISTANT', turn.text)),
      audioContentStartEvent(this.promptName, this.#audioContentName),
    ];
    for (const event of opening) this.#send(event, true);
    this.#response = this.client
      .send(new InvokeModelWithBidirectionalStreamCommand({ modelId: setup.modelId, body: this.#input }), { abortSignal: this.#abort.signal })
      .then((response) => {
        if (response.body === undefined) throw new Error('Bedrock answered the stream without a body');
        return response.body;
      });
    // Read through outputs(); this only keeps an unread failure from being reported as unhandled.
    this.#response.catch(() => undefined);
  }

  /** The model's events, in order; throws the SDK's error when the stream is refused or fails. Read it once. */
  async *outputs(): AsyncGenerator<SonicOutputEvent> {
    if (this.#response === undefined) throw new Error('the stream is not open');
    let markDone: () => void = () => undefined;
    this.#outputDone = new Promise((resolve) => {
      markDone = resolve;
    });
    try {
      for await (const part of await this.#response) {
        if (part.chunk?.bytes !== undefined) {
          yield parseSonicOutput(part.chunk.bytes);
          continue;
        }
        // The SDK throws modeled stream exceptions itself; a member it did not recognise ends up here.
        const member = Object.entries(part).find(([name, value]) => name !== '$unknown' && value !== undefined);
        if (member !== undefined) throw Object.assign(new Error(String((member[1] as { message?: unknown }).message ?? member[0])), { name: member[0] });
      }
    } finally {
      markDone();
    }
  }

  sendAudio(pcm: Buffer): boolean {
    return this.#send(audioInputEvent(this.promptName, this.#audioContentName, pcm), false);
  }

  sendToolResult(toolUseId: string, content: string): void {
    for (const event of toolResultEvents(this.promptName, randomUUID(), toolUseId, content)) this.#send(event, true);
  }

  /** Ends the conversation and the request; cuts it after `closeTimeoutMs`. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const event of [contentEndEvent(this.promptName, this.#audioContentName), promptEndEvent(this.promptName), sessionEndEvent()]) {
        this.#send(event, true);
      }
      this.#input.end();
      if (this.#response !== undefined) {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.#options.closeTimeoutMs);
        });
        // Without a reader, wait for the request itself to finish.
        const finished = this.#outputDone ?? this.#response.then(() => undefined, () => undefined);
        await Promise.race([finished, deadline]);
        clearTimeout(timer);
      }
      this.#abort.abort();
    })();
    return this.#closing;
  }

  /** Cuts the request at once (the model is gone or the session is being torn down). */
  abort(): void {
    this.#input.end();
    this.#abort.abort();
  }

  /** Control events bypass the bound: losing a contentEnd or toolResult would break the conversation. */
  #send(event: SonicInputEvent, control: boolean): boolean {
    return this.#input.push({ chunk: { bytes: Buffer.from(JSON.stringify(event), 'utf8') } }, control);
  }
}
