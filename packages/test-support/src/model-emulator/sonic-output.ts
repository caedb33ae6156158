import { randomUUID } from 'node:crypto';
import { encodeEvent } from './event-stream-encoding.js';

/** Output sample rate of the emulated voice, as Nova Sonic's audioOutputConfiguration asks (Hz). */
export const SONIC_OUTPUT_SAMPLE_RATE = 24_000;

export type SonicContentType = 'TEXT' | 'AUDIO' | 'TOOL';
export type SonicOutputRole = 'USER' | 'ASSISTANT' | 'TOOL';
export type SonicGenerationStage = 'SPECULATIVE' | 'FINAL';
export type SonicStopReason = 'PARTIAL_TURN' | 'END_TURN' | 'INTERRUPTED' | 'TOOL_USE';

/** What Nova Sonic puts in a textOutput when the user barged in. */
export const SONIC_INTERRUPTED_MARKER = '{ "interrupted" : true }';

/** One response frame: a `chunk` event whose `bytes` is the base64 of `{"event":{…}}` (BidirectionalOutputPayloadPart). */
function encodeSonicOutput(name: string, body: object): Uint8Array {
  const json = JSON.stringify({ event: { [name]: body } });
  return encodeEvent('chunk', { bytes: Buffer.from(json, 'utf8').toString('base64') });
}

interface UsageTotals {
  inputSpeech: number;
  inputText: number;
  outputSpeech: number;
  outputText: number;
}

/**
 * Builds Nova Sonic's output events for one session: every event carries sessionId, promptName and
 * completionId, content events their contentId; `write` puts each frame on the wire.
 */
export class SonicOutput {
  readonly sessionId = randomUUID();
  readonly completionId = randomUUID();
  #completionStarted = false;
  #totals: UsageTotals = { inputSpeech: 0, inputText: 0, outputSpeech: 0, outputText: 0 };

  constructor(
    private readonly promptName: () => string,
    private readonly write: (frame: Uint8Array) => void,
  ) {}

  get completionStarted(): boolean {
    return this.#completionStarted;
  }

  startCompletion(): void {
    if (this.#completionStarted) return;
    this.#completionStarted = true;
    this.emit('completionStart', {});
  }

  endCompletion(): void {
    if (!this.#completionStarted) return;
    this.emit('completionEnd', { stopReason: 'END_TURN' });
  }

  /** Returns the new content's id. */
  contentStart(type: SonicContentType, role: SonicOutputRole, stage?: SonicGenerationStage): string {
    const contentId = randomUUID();
    const body: Record<string, unknown> = { contentId, type, role };
    if (stage !== undefined) body['additionalModelFields'] = JSON.stringify({ generationStage: stage });
    if (type === 'TEXT') body['textOutputConfiguration'] = { mediaType: 'text/plain' };
    if (type === 'TOOL') body['toolUseOutputConfiguration'] = { mediaType: 'application/json' };
    if (type === 'AUDIO') {
      body['audioOutputConfiguration'] = {
        mediaType: 'audio/lpcm',
        sampleRateHertz: SONIC_OUTPUT_SAMPLE_RATE,
        sampleSizeBits: 16,
        channelCount: 1,
        encoding: 'base64',
        audioType: 'SPEECH',
      };
    }
    this.emit('contentStart', body);
    return contentId;
  }

  textOutput(contentId: string, role: SonicOutputRole, content: string): void {
    this.#totals.outputText += estimateTokens(content);
    this.emit('textOutput', { contentId, role, content });
  }

  audioOutput(contentId: string, pcm: Buffer): void {
    this.#totals.outputSpeech += Math.ceil(pcm.length / 2 / 480); // ~one speech token per 20 ms at 24 kHz
    this.emit('audioOutput', { contentId, content: pcm.toString('base64') });
  }

  toolUse(contentId: string, toolUse: { toolName: string; toolUseId: string; input: Record<string, unknown> }): void {
    this.emit('toolUse', { contentId, toolName: toolUse.toolName, toolUseId: toolUse.toolUseId, content: JSON.stringify(toolUse.input) });
  }

  contentEnd(contentId: string, type: SonicContentType, stopReason: SonicStopReason): void {
    this.emit('contentEnd', { contentId, type, stopReason });
  }

  countInput(kind: 'speech' | 'text', tokens: number): void {
    if (kind === 'speech') this.#totals.inputSpeech += tokens;
    else this.#totals.inputText += tokens;
  }

  usage(): void {
    const totals = this.#totals;
    const input = totals.inputSpeech + totals.inputText;
    const output = totals.outputSpeech + totals.outputText;
    this.emit('usageEvent', {
      details: {
        total: {
          input: { speechTokens: totals.inputSpeech, textTokens: totals.inputText },
          output: { speechTokens: totals.outputSpeech, textTokens: totals.outputText },
        },
      },
      totalInputTokens: input,
      totalOutputTokens: output,
      totalTokens: input + output,
    });
  }

  private emit(name: string, body: Record<string, unknown>): void {
    this.write(
      encodeSonicOutput(name, { sessionId: this.sessionId, promptName: this.promptName(), completionId: this.completionId, ...body }),
    );
  }
}

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
