import { VoiceServerFrameSchema, type VoiceServerFrame } from '@bedrock-mcp/contracts';
import { silencePcm16, tonePcm16 } from '@bedrock-mcp/test-support';
import { WebSocket } from 'ws';

export interface CloseInfo {
  code: number;
  reason: string;
}

/** Bytes per microphone frame, as the web UI sends them: 512 samples of PCM16 16 kHz (32 ms). */
const FRAME_BYTES = 1024;

/**
 * A voice WebSocket client as a browser would be: binary PCM16 16 kHz frames out, JSON frames in
 * (each parsed with the contract, so a malformed frame fails the test).
 */
export class VoiceTestClient {
  readonly frames: VoiceServerFrame[] = [];
  readonly closed: Promise<CloseInfo>;
  readonly opened: Promise<void>;
  readonly socket: WebSocket;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) => this.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.socket.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('the voice socket sent a binary frame');
      this.frames.push(VoiceServerFrameSchema.parse(JSON.parse((data as Buffer).toString('utf8'))));
    });
  }

  of<T extends VoiceServerFrame['type']>(type: T): Extract<VoiceServerFrame, { type: T }>[] {
    return this.frames.filter((frame): frame is Extract<VoiceServerFrame, { type: T }> => frame.type === type);
  }

  async waitFor(predicate: (frame: VoiceServerFrame) => boolean, what: string, timeoutMs = 15_000): Promise<VoiceServerFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(predicate);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; frames: ${this.describe()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** A spoken question: a 220 Hz tone then a pause, in 32 ms frames (the emulator detects the utterance by energy). */
  speak(toneMs = 400, pauseMs = 500): void {
    const audio = Buffer.concat([tonePcm16({ sampleRate: 16_000, durationMs: toneMs, frequencyHz: 220, amplitude: 6000 }), silencePcm16(16_000, pauseMs)]);
    for (let offset = 0; offset < audio.length; offset += FRAME_BYTES) this.socket.send(audio.subarray(offset, offset + FRAME_BYTES));
  }

  /** PCM16 samples of the `audio_data` frames from index `from` on. */
  audioSamples(from = 0): number {
    return this.frames
      .slice(from)
      .filter((frame) => frame.type === 'audio_data')
      .reduce((sum, frame) => sum + Buffer.from(frame.data, 'base64').length / 2, 0);
  }

  close(): Promise<CloseInfo> {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(1000);
    return this.closed;
  }

  describe(): string {
    return this.frames.map((frame) => (frame.type === 'audio_data' ? 'audio' : JSON.stringify(frame))).join(', ');
  }
}

export const isFinalText =
  (role: 'user' | 'assistant', content?: string) =>
  (frame: VoiceServerFrame): boolean =>
    frame.type === 'text' && frame.role === role && frame.final && (content === undefined || frame.content === content);
