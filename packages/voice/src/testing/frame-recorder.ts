import type { VoiceServerFrame } from '@bedrock-mcp/contracts';
import { silencePcm16, tonePcm16 } from '@bedrock-mcp/test-support';
import type { SonicSession } from '../sonic-session.js';

/** Collects a session's frames; `waitFor` polls them. */
export class FrameRecorder {
  readonly frames: VoiceServerFrame[] = [];

  constructor(session: SonicSession) {
    session.on('frame', (frame) => this.frames.push(frame));
  }

  of<T extends VoiceServerFrame['type']>(type: T): Extract<VoiceServerFrame, { type: T }>[] {
    return this.frames.filter((frame): frame is Extract<VoiceServerFrame, { type: T }> => frame.type === type);
  }

  async waitFor<F extends VoiceServerFrame>(predicate: (frame: VoiceServerFrame) => frame is F, what: string, timeoutMs?: number): Promise<F>;
  async waitFor(predicate: (frame: VoiceServerFrame) => boolean, what: string, timeoutMs?: number): Promise<VoiceServerFrame>;
  async waitFor(predicate: (frame: VoiceServerFrame) => boolean, what: string, timeoutMs = 10_000): Promise<VoiceServerFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(predicate);
      if (found !== undefined) return found;
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; frames: ${this.frames.map((frame) => (frame.type === 'audio_data' ? 'audio' : JSON.stringify(frame))).join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** PCM16 samples of all `audio_data` frames from index `from` on. */
  audioSamples(from = 0): number {
    return this.frames
      .slice(from)
      .filter((frame) => frame.type === 'audio_data')
      .reduce((sum, frame) => sum + Buffer.from(frame.data, 'base64').length / 2, 0);
  }
}

/** A spoken question, as the browser would send it: a tone then a pause, in 32 ms frames of PCM16 16 kHz. */
export function speak(session: SonicSession, toneMs = 400, pauseMs = 500): void {
  const audio = Buffer.concat([
    tonePcm16({ sampleRate: 16_000, durationMs: toneMs, frequencyHz: 220, amplitude: 6000 }),
    silencePcm16(16_000, pauseMs),
  ]);
  for (let offset = 0; offset < audio.length; offset += 1024) session.pushAudio(audio.subarray(offset, offset + 1024));
}

export const isFinalText = (role: 'user' | 'assistant', content?: string) => (frame: VoiceServerFrame): boolean =>
  frame.type === 'text' && frame.role === role && frame.final && (content === undefined || frame.content === content);
