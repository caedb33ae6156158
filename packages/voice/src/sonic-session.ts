import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { VOICE_INPUT_SAMPLE_RATE, VOICE_OUTPUT_SAMPLE_RATE, type CatalogTool, type VoiceServerFrame } from '@bedrock-mcp/contracts';
import { pcm16Rms } from './pcm16.js';
import { resolveSonicSessionOptions, type ResolvedSonicSessionOptions, type SonicSessionOptions } from './sonic-session-options.js';
import type { SonicOutputEvent } from './sonic-protocol.js';
import { SonicStream } from './sonic-stream.js';
import { TranscriptTracker } from './transcript-tracker.js';
import { isSessionTimeout, voiceErrorFrame } from './voice-errors.js';
import { sonicToolSpecs } from './voice-tools.js';
import { boundReplayHistory, type VoiceTurn } from './voice-turn.js';

export interface SonicSessionStart {
  userId: string;
  voiceId: string;
  systemPrompt: string;
  /** The user's enabled tools (PoolClient.catalog); the executor must know the same ones. */
  tools: readonly CatalogTool[];
  /** Earlier turns (e.g. loadVoiceHistory), replayed into the stream as text. */
  history?: readonly VoiceTurn[];
}

export type SonicSessionState = 'idle' | 'open' | 'closing' | 'closed';
export type RenewReason = 'scheduled' | 'timeout' | 'ended';

export interface SonicSessionEvents {
  /** Frames for the client, in the voice WebSocket's format (everything but connection_established). */
  frame: [frame: VoiceServerFrame];
  /** The conversation moved to a new Bedrock stream; the client is not told. */
  renewed: [info: { reason: RenewReason; streams: number }];
  closed: [info: { reason: string }];
}

/** Bytes per millisecond of PCM16 mono input. */
const INPUT_BYTES_PER_MS = (VOICE_INPUT_SAMPLE_RATE * 2) / 1000;
/** Speech this recent (ms) still counts as the user talking when a renewal looks for a quiet moment. */
const SPEECH_HANGOVER_MS = 700;
/** How often a due renewal checks for a quiet moment (ms). */
const QUIET_POLL_MS = 100;
/** Renewals in a row that died before the model said anything: the stream is failing, not expiring. */
const MAX_FRUITLESS_RENEWALS = 3;

/**
 * One user's voice conversation with Nova Sonic. Audio in (`pushAudio`, PCM16 mono 16 kHz), frames out
 * (`frame` events: transcripts updated in place, tool cards, 24 kHz audio, barge-in, errors). Tool calls
 * go through the injected executor and their results back to the model. Before Bedrock's session limit
 * the conversation moves to a new stream that replays it as text (also after a stream timed out), so a
 * long conversation goes on. Final transcripts go to `onTranscript`.
 */
export class SonicSession extends EventEmitter<SonicSessionEvents> {
  readonly id = randomUUID();
  readonly #options: ResolvedSonicSessionOptions;
  readonly #tracker: TranscriptTracker;
  #state: SonicSessionState = 'idle';
  #start: SonicSessionStart | undefined;
  #stream: SonicStream | undefined;
  #streams = 0;
  #conversation: VoiceTurn[] = [];
  #lastSpeechAt = 0;
  #dropAssistantAudio = false;
  readonly #toolUses = new Map<string, Extract<SonicOutputEvent, { kind: 'toolUse' }>>();
  #toolsInFlight = 0;
  readonly #toolAbort = new AbortController();
  #transcripts: Promise<void> = Promise.resolve();
  #renewTimer: NodeJS.Timeout | undefined;
  #quietPoll: NodeJS.Timeout | undefined;
  #renewDeadline: NodeJS.Timeout | undefined;
  #outputSinceOpen = false;
  #fruitlessRenewals = 0;
  #closing: Promise<void> | undefined;
  #logger: ResolvedSonicSessionOptions['logger'] | undefined;

  constructor(options: SonicSessionOptions) {
    super();
    this.#options = resolveSonicSessionOptions(options);
    this.#tracker = new TranscriptTracker(
      {
        frame: (frame) => {
          if (frame.type === 'interrupted') this.#dropAssistantAudio = true;
          this.#emitFrame(frame);
        },
        transcript: (turn) => this.#recordTranscript(turn),
      },
      this.id.slice(0, 8),
    );
  }

  get state(): SonicSessionState {
    return this.#state;
  }

  /** The conversation so far: the history it started with, then every final transcript. */
  get conversation(): readonly VoiceTurn[] {
    return this.#conversation;
  }

  /**
   * Opens the first stream and emits `ready`: audio may flow at once. Bedrock's answer comes with the
   * model's first output, so a refusal arrives later as an `error` frame followed by `closed`.
   */
  start(start: SonicSessionStart): void {
    if (this.#state !== 'idle') throw new Error(`SonicSession.start: the session is ${this.#state}`);
    this.#start = start;
    this.#conversation = [...(start.history ?? [])];
    this.#state = 'open';
    this.#openStream();
    this.#emitFrame({ type: 'ready', voiceId: start.voiceId });
    this.#scheduleRenewal();
    this.#log().info({ tools: start.tools.length, history: this.#conversation.length }, 'voice session started');
  }

  /** One frame of microphone audio: PCM16 little-endian mono 16 kHz. */
  pushAudio(pcm16k: Buffer): void {
    if (this.#state !== 'open' || pcm16k.length < 2) return;
    const pcm = pcm16k.length % 2 === 0 ? pcm16k : pcm16k.subarray(0, pcm16k.length - 1);
    if (pcm16Rms(pcm) >= this.#options.speechThreshold) this.#lastSpeechAt = Date.now();
    this.#stream?.sendAudio(pcm);
  }

  /** The user is done talking (push-to-talk released): sends silence so the model's end-of-speech detection fires. */
  endOfUtterance(): void {
    const frameBytes = 100 * INPUT_BYTES_PER_MS;
    for (let sent = 0; sent < this.#options.endOfUtteranceSilenceMs * INPUT_BYTES_PER_MS; sent += frameBytes) {
      this.pushAudio(Buffer.alloc(frameBytes));
    }
  }

  /** Ends the conversation: open utterances become transcripts, tool calls are abandoned, the stream closes. Idempotent. */
  close(reason = 'closed'): Promise<void> {
    this.#closing ??= (async () => {
      this.#state = 'closing';
      this.#clearRenewalTimers();
      clearTimeout(this.#renewTimer);
      this.#toolAbort.abort();
      this.#tracker.flush();
      const stream = this.#stream;
      this.#stream = undefined;
      await stream?.close().catch(() => undefined);
      await withDeadline(this.#transcripts, this.#options.transcriptFlushTimeoutMs);
      this.#state = 'closed';
      this.#log().info({ reason, streams: this.#streams }, 'voice session closed');
      this.#emitSafely('closed', { reason });
    })();
    return this.#closing;
  }

  #openStream(): void {
    const start = this.#start;
    if (start === undefined) throw new Error('the session was not started');
    const stream = new SonicStream(this.#options.client, {
      closeTimeoutMs: this.#options.closeTimeoutMs,
      // Audio frames of ~32 ms: about 16 s may wait before newer ones are dropped.
      maxQueuedEvents: 500,
    });
    stream.open({
      modelId: this.#options.modelId,
      voiceId: start.voiceId,
      systemPrompt: start.systemPrompt,
      tools: sonicToolSpecs(start.tools),
      history: boundReplayHistory(this.#conversation, this.#options.replay),
      inference: this.#options.inference,
    });
    this.#stream = stream;
    this.#streams += 1;
    this.#outputSinceOpen = false;
    this.#toolUses.clear();
    void this.#pump(stream);
  }

  async #pump(stream: SonicStream): Promise<void> {
    try {
      for await (const event of stream.outputs()) {
        // Replaced by a renewal, or the session is closing: the rest is not ours, but is read to its
        // end, as SonicStream.close() waits for the model to end the stream after sessionEnd.
        if (stream !== this.#stream) continue;
        this.#outputSinceOpen = true;
        this.#handle(stream, event);
      }
      if (stream === this.#stream && this.#state === 'open') this.#renew('ended');
    } catch (error) {
      if (stream !== this.#stream || this.#state !== 'open') return;
      if (isSessionTimeout(error)) {
        this.#renew('timeout');
        return;
      }
      this.#log().warn({ err: error }, 'voice stream failed');
      this.#emitFrame(voiceErrorFrame(error, this.#outputSinceOpen ? 'the voice model failed' : 'the voice model refused the session'));
      void this.close('model_error');
    }
  }

  #handle(stream: SonicStream, event: SonicOutputEvent): void {
    if (event.kind === 'contentStart' && event.type === 'AUDIO') this.#dropAssistantAudio = false;
    if (event.kind === 'audioOutput' && !this.#dropAssistantAudio) {
      this.#emitFrame({ type: 'audio_data', data: event.content, sampleRate: VOICE_OUTPUT_SAMPLE_RATE });
    }
    if (event.kind === 'toolUse') this.#toolUses.set(event.contentId, event);
    this.#tracker.handle(event);
    if (event.kind === 'contentEnd') {
      const toolUse = this.#toolUses.get(event.contentId);
      this.#toolUses.delete(event.contentId);
      if (toolUse !== undefined) void this.#runTool(stream, toolUse);
    }
  }

  async #runTool(stream: SonicStream, toolUse: Extract<SonicOutputEvent, { kind: 'toolUse' }>): Promise<void> {
    const start = this.#start;
    if (start === undefined) return;
    this.#toolsInFlight += 1;
    try {
      const input = parseToolInput(toolUse.content);
      this.#emitFrame({ type: 'toolUse', toolUseId: toolUse.toolUseId, name: toolUse.toolName, input: input ?? toolUse.content });
      const signal = AbortSignal.any([this.#toolAbort.signal, AbortSignal.timeout(this.#options.toolTimeoutMs)]);
      const outcome =
        input === undefined
          ? { text: 'the tool input is not a JSON object', isError: true }
          : await untilAborted(this.#options.executeTool({ userId: start.userId, name: toolUse.toolName, toolUseId: toolUse.toolUseId, input, signal }), signal).catch(
              (error: unknown) => ({ text: `the tool call failed: ${(error as Error).message}`, isError: true }),
            );
      this.#log().info({ tool: toolUse.toolName, toolUseId: toolUse.toolUseId, isError: outcome.isError }, 'voice tool call');
      this.#emitFrame({ type: 'toolResult', toolUseId: toolUse.toolUseId, name: toolUse.toolName, content: outcome.text, isError: outcome.isError });
      if (stream === this.#stream && this.#state === 'open') {
        stream.sendToolResult(toolUse.toolUseId, capText(outcome.text, this.#options.maxToolResultChars));
      }
    } finally {
      this.#toolsInFlight -= 1;
    }
  }

  #recordTranscript(turn: VoiceTurn): void {
    this.#conversation.push(turn);
    const onTranscript = this.#options.onTranscript;
    if (onTranscript === undefined) return;
    this.#transcripts = this.#transcripts.then(async () => {
      try {
        await onTranscript(turn);
      } catch (error) {
        this.#log().warn({ err: error, role: turn.role }, 'could not hand over a voice transcript');
      }
    });
  }

  // ---------------------------------------------------------------- renewal

  #scheduleRenewal(): void {
    clearTimeout(this.#renewTimer);
    this.#renewTimer = setTimeout(() => this.#renewWhenQuiet(), this.#options.renewAfterMs);
    this.#renewTimer.unref();
  }

  /** Renews at the first quiet moment, or after the grace period regardless. */
  #renewWhenQuiet(): void {
    if (this.#state !== 'open') return;
    const attempt = (): void => {
      if (!this.#busy()) this.#renew('scheduled');
    };
    this.#quietPoll = setInterval(attempt, QUIET_POLL_MS).unref();
    this.#renewDeadline = setTimeout(() => this.#renew('scheduled'), this.#options.renewGraceMs).unref();
    attempt();
  }

  #busy(): boolean {
    return this.#tracker.busy || this.#toolsInFlight > 0 || Date.now() - this.#lastSpeechAt < SPEECH_HANGOVER_MS;
  }

  /** Moves the conversation to a new stream; a scheduled renewal closes the old one properly, a dead one is cut. */
  #renew(reason: RenewReason): void {
    if (this.#state !== 'open') return;
    this.#clearRenewalTimers();
    const old = this.#stream;
    this.#fruitlessRenewals = this.#outputSinceOpen ? 0 : this.#fruitlessRenewals + 1;
    this.#tracker.flush();
    if (this.#fruitlessRenewals > MAX_FRUITLESS_RENEWALS) {
      this.#log().warn({ reason, streams: this.#streams }, 'voice model keeps ending the session before answering');
      this.#emitFrame({ type: 'error', code: 'upstream_error', message: 'the voice model keeps ending the session before answering' });
      void this.close('renewal_failed');
      return;
    }
    this.#openStream();
    if (reason === 'scheduled') void old?.close();
    else old?.abort();
    this.#scheduleRenewal();
    this.#log().info({ reason, streams: this.#streams, replayed: this.#conversation.length }, 'voice session renewed');
    this.#emitSafely('renewed', { reason, streams: this.#streams });
  }

  #clearRenewalTimers(): void {
    clearInterval(this.#quietPoll);
    clearTimeout(this.#renewDeadline);
  }

  // ---------------------------------------------------------------- helpers

  #emitFrame(frame: VoiceServerFrame): void {
    this.#emitSafely('frame', frame);
  }

  /** A throwing listener must not break the session's loops: it is logged. */
  #emitSafely<K extends keyof SonicSessionEvents>(event: K, ...args: SonicSessionEvents[K]): void {
    try {
      (this.emit as (name: K, ...rest: SonicSessionEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      this.#log().error({ err: error, event }, 'a voice session listener threw');
    }
  }

  #log(): ResolvedSonicSessionOptions['logger'] {
    this.#logger ??= this.#options.logger.child({ userId: this.#start?.userId, voiceSessionId: this.id });
    return this.#logger;
  }
}

/** An executor that ignores the signal must not hold the conversation: the call is given up when it fires. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error(signal.reason instanceof Error && signal.reason.name === 'TimeoutError' ? 'timed out' : 'aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function parseToolInput(content: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = content.trim() === '' ? {} : JSON.parse(content);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function capText(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}\n[result cut: ${text.length - maxChars} more characters]`;
}

async function withDeadline(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
