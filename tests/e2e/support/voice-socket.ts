import { VoiceServerFrameSchema, type VoiceServerFrame } from '@bedrock-mcp/contracts';
import { silencePcm16, tonePcm16 } from '@bedrock-mcp/test-support';
import { WebSocket } from 'ws';

/** `ws://…/ws/user-audio?…` of a gateway. */
export function voiceSocketUrl(gatewayUrl: string, params: Record<string, string>): string {
  return `${gatewayUrl.replace(/^http/, 'ws')}/ws/user-audio?${new URLSearchParams(params).toString()}`;
}

/** A voice WebSocket client for tests: PCM16 16 kHz frames out, every server frame checked against the contract. */
export class VoiceSocket {
  readonly socket: WebSocket;
  readonly frames: VoiceServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.socket.on('message', (data) => this.frames.push(VoiceServerFrameSchema.parse(JSON.parse(data.toString()))));
  }

  of<T extends VoiceServerFrame['type']>(type: T): Extract<VoiceServerFrame, { type: T }>[] {
    return this.frames.filter((frame): frame is Extract<VoiceServerFrame, { type: T }> => frame.type === type);
  }

  async waitFor(predicate: (frame: VoiceServerFrame) => boolean, what: string, timeoutMs = 20_000): Promise<VoiceServerFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; frames: ${this.frames.map((frame) => (frame.type === 'audio_data' ? 'audio' : JSON.stringify(frame))).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** A spoken question: a tone then a pause, in 32 ms frames of PCM16 16 kHz (the emulator detects it by energy). */
  speak(toneMs = 400, pauseMs = 500): void {
    const audio = Buffer.concat([tonePcm16({ sampleRate: 16_000, durationMs: toneMs, frequencyHz: 220, amplitude: 6000 }), silencePcm16(16_000, pauseMs)]);
    for (let offset = 0; offset < audio.length; offset += 1024) this.socket.send(audio.subarray(offset, offset + 1024));
  }

  /** Closes from the client side; fails after `timeoutMs` if the server never completes the close. */
  async close(timeoutMs = 15_000): Promise<{ code: number; reason: string }> {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(1000);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the voice socket did not close within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

export const isFinalText =
  (role: 'user' | 'assistant', content?: string) =>
  (frame: VoiceServerFrame): boolean =>
    frame.type === 'text' && frame.role === role && frame.final && (content === undefined || frame.content === content);
