import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { pcm16DurationMs, pcm16Rms, tonePcm16 } from './pcm16.js';
import type { SonicInputEvent } from './sonic-input-decoder.js';
import { isRecord } from './sonic-input-decoder.js';
import { SONIC_INTERRUPTED_MARKER, SONIC_OUTPUT_SAMPLE_RATE, SonicOutput } from './sonic-output.js';
import type { SonicScriptBook, SonicSettings } from './sonic-script-book.js';
import type { SonicSessionOutcome, SonicSessionRecord, SonicTurn } from './sonic-types.js';

/** How the stream ends: cleanly, or with an exception frame (`exceptionType` is the output union member name). */
export type SonicEnding =
  | { kind: 'ended' }
  /** The stream is reset (RST_STREAM) instead of ended, as a network failure would. */
  | { kind: 'reset' }
  | { kind: 'exception'; exceptionType: string; message: string; outcome: SonicSessionOutcome };

interface OpenContent {
  type: string;
  role: string;
  /** TOOL contents: the toolUseId their result answers. */
  toolUseId: string | undefined;
  /** AUDIO contents: input sample rate (Hz). */
  sampleRate: number;
  texts: string[];
}

const CONTENT_TYPES = new Set(['TEXT', 'AUDIO', 'TOOL']);
const INPUT_ROLES = new Set(['SYSTEM', 'USER', 'ASSISTANT', 'TOOL', 'SYSTEM_SPEECH']);
/** Assistant audio tone (Hz): audible, and far from the test's question tones. */
const ASSISTANT_TONE_HZ = 440;

/**
 * One emulated Nova Sonic session: checks the input event order (violations end the stream with a
 * validationException, as Bedrock does), detects user utterances by energy (speech above a threshold,
 * ended by silence or by the end of the audio content), and answers each with the next scripted turn:
 * USER transcript, optional tool use (waiting for the toolResult), SPECULATIVE text, audio, FINAL text.
 * Speech arriving while the assistant audio plays interrupts it (barge-in).
 */
export class SonicConversation {
  readonly #record: SonicSessionRecord;
  readonly #book: SonicScriptBook;
  readonly #settings: SonicSettings;
  readonly #finish: (ending: SonicEnding) => void;
  readonly #output: SonicOutput;
  readonly #stopped = new AbortController();
  #phase: 'awaiting_session' | 'awaiting_prompt' | 'open' | 'closed' = 'awaiting_session';
  #promptName = '';
  readonly #contents = new Map<string, OpenContent>();
  #audioStarted = false;
  #utterance: { speechMs: number; silenceMs: number } | undefined;
  #turns: Promise<void> = Promise.resolve();
  #speaking = false;
  #bargedIn = false;
  readonly #toolResults = new Map<string, string>();
  #toolWaiter: { toolUseId: string; resolve: (content: string) => void } | undefined;

  constructor(options: { record: SonicSessionRecord; book: SonicScriptBook; write: (frame: Uint8Array) => void; finish: (ending: SonicEnding) => void }) {
    this.#record = options.record;
    this.#book = options.book;
    this.#settings = options.book.settings;
    this.#finish = options.finish;
    this.#output = new SonicOutput(() => this.#promptName, options.write);
  }

  get settings(): SonicSettings {
    return this.#settings;
  }

  receive(event: SonicInputEvent): void {
    if (this.#isClosed()) return;
    const error = this.#handle(event);
    if (error !== undefined) this.reject(error);
  }

  /** The client ended its input stream. */
  inputEnded(): void {
    this.close({ kind: 'ended' }, 'ended');
  }

  reject(message: string): void {
    this.close({ kind: 'exception', exceptionType: 'validationException', message, outcome: 'rejected' }, 'rejected', message);
  }

  /** Ends the session once; later calls do nothing. */
  close(ending: SonicEnding, outcome: SonicSessionOutcome, error?: string): void {
    if (this.#isClosed()) return;
    this.#phase = 'closed';
    this.#record.outcome = outcome;
    this.#record.error = error;
    this.#stopped.abort();
    this.#finish(ending);
  }

  /** A method, not a field test: TypeScript would keep the narrowing across awaits. */
  #isClosed(): boolean {
    return this.#phase === 'closed';
  }

  #handle(event: SonicInputEvent): string | undefined {
    const { name, body } = event;
    if (this.#phase === 'awaiting_session') {
      if (name !== 'sessionStart') return `the first event must be sessionStart, got ${name}`;
      this.#phase = 'awaiting_prompt';
      return undefined;
    }
    if (name === 'sessionEnd') {
      this.#output.endCompletion();
      this.close({ kind: 'ended' }, 'ended');
      return undefined;
    }
    if (this.#phase === 'awaiting_prompt') {
      if (name !== 'promptStart') return `promptStart must follow sessionStart, got ${name}`;
      if (typeof body['promptName'] !== 'string' || body['promptName'] === '') return 'promptStart needs a promptName';
      this.#promptName = body['promptName'];
      this.#record.promptStart = body;
      this.#phase = 'open';
      return undefined;
    }
    if (body['promptName'] !== this.#promptName) return `${name} names prompt ${String(body['promptName'])}, not ${this.#promptName}`;
    switch (name) {
      case 'contentStart':
        return this.#contentStart(body);
      case 'textInput':
      case 'toolResult':
        return this.#textual(name, body);
      case 'audioInput':
        return this.#audioInput(body);
      case 'contentEnd':
        return this.#contentEnd(body);
      case 'promptEnd':
        this.#output.endCompletion();
        return undefined;
      default:
        return `unknown input event ${name}`;
    }
  }

  #contentStart(body: Record<string, unknown>): string | undefined {
    const contentName = body['contentName'];
    const type = String(body['type']);
    const role = String(body['role']);
    if (typeof contentName !== 'string' || contentName === '') return 'contentStart needs a contentName';
    if (this.#contents.has(contentName)) return `content ${contentName} is already open`;
    if (!CONTENT_TYPES.has(type)) return `contentStart type ${type} is not TEXT, AUDIO or TOOL`;
    if (!INPUT_ROLES.has(role)) return `contentStart role ${role} is not an input role`;
    let sampleRate = 16_000;
    let toolUseId: string | undefined;
    if (type === 'AUDIO') {
      const config = body['audioInputConfiguration'];
      if (!isRecord(config) || config['mediaType'] !== 'audio/lpcm') return 'AUDIO content needs audioInputConfiguration with mediaType audio/lpcm';
      sampleRate = Number(config['sampleRateHertz']);
      if (![8000, 16_000, 24_000].includes(sampleRate)) return `audio input sampleRateHertz ${String(config['sampleRateHertz'])} is not 8000, 16000 or 24000`;
      this.#audioStarted = true;
    }
    if (type === 'TOOL') {
      const config = body['toolResultInputConfiguration'];
      toolUseId = isRecord(config) && typeof config['toolUseId'] === 'string' ? config['toolUseId'] : undefined;
      if (toolUseId === undefined) return 'TOOL content needs toolResultInputConfiguration.toolUseId';
    }
    this.#contents.set(contentName, { type, role, toolUseId, sampleRate, texts: [] });
    return undefined;
  }

  #textual(name: 'textInput' | 'toolResult', body: Record<string, unknown>): string | undefined {
    const content = this.#contents.get(String(body['contentName']));
    const expectedType = name === 'textInput' ? 'TEXT' : 'TOOL';
    if (content?.type !== expectedType) return `${name} for ${String(body['contentName'])}, which is not an open ${expectedType} content`;
    if (typeof body['content'] !== 'string') return `${name} needs a string content`;
    content.texts.push(body['content']);
    this.#output.countInput('text', Math.ceil(body['content'].length / 4));
    return undefined;
  }

  #audioInput(body: Record<string, unknown>): string | undefined {
    const content = this.#contents.get(String(body['contentName']));
    if (content?.type !== 'AUDIO') return `audioInput for ${String(body['contentName'])}, which is not an open AUDIO content`;
    if (typeof body['content'] !== 'string') return 'audioInput needs base64 content';
    const pcm = Buffer.from(body['content'], 'base64');
    this.#record.audioInputBytes += pcm.length;
    const durationMs = pcm16DurationMs(pcm.length, content.sampleRate);
    this.#output.countInput('speech', Math.ceil(durationMs / 20));
    if (pcm16Rms(pcm) >= this.#settings.speechThreshold) this.#speech(durationMs);
    else if (this.#utterance !== undefined) {
      this.#utterance.silenceMs += durationMs;
      if (this.#utterance.silenceMs >= this.#settings.endOfSpeechSilenceMs) this.#endUtterance();
    }
    return undefined;
  }

  #speech(durationMs: number): void {
    if (this.#speaking) this.#bargedIn = true;
    this.#utterance ??= { speechMs: 0, silenceMs: 0 };
    this.#utterance.speechMs += durationMs;
    this.#utterance.silenceMs = 0;
    const limit = this.#settings.maxUtteranceMs;
    if (limit !== undefined && this.#utterance.speechMs >= limit) this.#endUtterance();
  }

  #contentEnd(body: Record<string, unknown>): string | undefined {
    const contentName = String(body['contentName']);
    const content = this.#contents.get(contentName);
    if (content === undefined) return `contentEnd for ${contentName}, which is not open`;
    this.#contents.delete(contentName);
    const text = content.texts.join('');
    if (content.type === 'AUDIO' && this.#utterance !== undefined) this.#endUtterance();
    if (content.type === 'TEXT' && content.role === 'SYSTEM') this.#record.systemPrompt = text;
    if (content.type === 'TEXT' && (content.role === 'USER' || content.role === 'ASSISTANT') && !this.#audioStarted) {
      this.#record.history.push({ role: content.role, text });
    }
    if (content.type === 'TOOL' && content.toolUseId !== undefined) {
      this.#record.toolResults.push({ toolUseId: content.toolUseId, content: text });
      if (this.#toolWaiter?.toolUseId === content.toolUseId) this.#toolWaiter.resolve(text);
      else this.#toolResults.set(content.toolUseId, text);
    }
    return undefined;
  }

  #endUtterance(): void {
    this.#utterance = undefined;
    this.#turns = this.#turns
      .then(() => this.#playTurn())
      .catch((error: unknown) => {
        const message = `emulator: ${String(error)}`;
        this.close({ kind: 'exception', exceptionType: 'internalServerException', message, outcome: 'failed' }, 'failed', message);
      });
  }

  async #playTurn(): Promise<void> {
    if (this.#isClosed()) return;
    const { turn, index } = this.#book.nextTurn();
    const output = this.#output;
    output.startCompletion();
    this.#record.utterances.push(turn.userTranscript);
    const user = output.contentStart('TEXT', 'USER', 'FINAL');
    output.textOutput(user, 'USER', turn.userTranscript);
    output.contentEnd(user, 'TEXT', 'PARTIAL_TURN');

    const toolResult = turn.toolUse === undefined ? undefined : await this.#callTool(turn.toolUse);
    if (this.#isClosed()) return;
    const text =
      typeof turn.assistantText === 'function'
        ? turn.assistantText({ toolResult, turnIndex: index, session: this.#record })
        : turn.assistantText;
    const speculative = output.contentStart('TEXT', 'ASSISTANT', 'SPECULATIVE');
    output.textOutput(speculative, 'ASSISTANT', text);
    output.contentEnd(speculative, 'TEXT', 'PARTIAL_TURN');

    const interrupted = await this.#speak(turn);
    if (this.#isClosed()) return;
    const final = output.contentStart('TEXT', 'ASSISTANT', 'FINAL');
    output.textOutput(final, 'ASSISTANT', interrupted ? SONIC_INTERRUPTED_MARKER : text);
    output.contentEnd(final, 'TEXT', interrupted ? 'INTERRUPTED' : 'END_TURN');
    output.usage();
  }

  async #callTool(toolUse: NonNullable<SonicTurn['toolUse']>): Promise<string | undefined> {
    const toolUseId = toolUse.id ?? `tooluse_${randomBytes(12).toString('base64url')}`;
    const tool = this.#output.contentStart('TOOL', 'TOOL');
    this.#output.toolUse(tool, { toolName: toolUse.name, toolUseId, input: toolUse.input });
    this.#output.contentEnd(tool, 'TOOL', 'TOOL_USE');
    const early = this.#toolResults.get(toolUseId);
    if (early !== undefined) return early;
    const timeoutMs = this.#settings.toolResultTimeoutMs;
    const result = await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      const settle = (content: string | undefined): void => {
        clearTimeout(timer);
        resolve(content);
      };
      this.#toolWaiter = { toolUseId, resolve: settle };
      this.#stopped.signal.addEventListener('abort', () => settle(undefined), { once: true });
    });
    this.#toolWaiter = undefined;
    if (result === undefined && !this.#isClosed()) {
      const message = `no toolResult for ${toolUseId} within ${timeoutMs} ms`;
      this.close({ kind: 'exception', exceptionType: 'modelTimeoutException', message, outcome: 'rejected' }, 'rejected', message);
    }
    return result;
  }

  /** Streams the assistant audio; resolves true when the user barged in. */
  async #speak(turn: SonicTurn): Promise<boolean> {
    const totalSamples = Math.round(((turn.audioMs ?? this.#settings.audioMs) * SONIC_OUTPUT_SAMPLE_RATE) / 1000);
    const chunkSamples = Math.max(1, Math.round((this.#settings.audioChunkMs * SONIC_OUTPUT_SAMPLE_RATE) / 1000));
    const audio = this.#output.contentStart('AUDIO', 'ASSISTANT');
    this.#speaking = true;
    this.#bargedIn = false;
    try {
      for (let sent = 0; sent < totalSamples; sent += chunkSamples) {
        if (sent > 0 && this.#settings.audioChunkDelayMs > 0) {
          await delay(this.#settings.audioChunkDelayMs, undefined, { signal: this.#stopped.signal }).catch(() => undefined);
        }
        if (this.#isClosed()) return false;
        if (this.#bargedIn) break;
        const samples = Math.min(chunkSamples, totalSamples - sent);
        const pcm = tonePcm16({
          sampleRate: SONIC_OUTPUT_SAMPLE_RATE,
          durationMs: (samples * 1000) / SONIC_OUTPUT_SAMPLE_RATE,
          frequencyHz: ASSISTANT_TONE_HZ,
          startSample: sent,
        });
        this.#output.audioOutput(audio, pcm);
      }
    } finally {
      this.#speaking = false;
    }
    const interrupted = this.#bargedIn;
    if (interrupted) this.#record.interruptions += 1;
    this.#output.contentEnd(audio, 'AUDIO', interrupted ? 'INTERRUPTED' : 'END_TURN');
    return interrupted;
  }
}
