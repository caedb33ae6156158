import { VOICE_OUTPUT_SAMPLE_RATE } from '@bedrock-mcp/contracts';
import { pcm16Base64ToFloat32 } from './pcm.js';
import playbackWorkletUrl from './worklets/playback-processor.ts?worker&url';
import { PLAYBACK_PROCESSOR } from './worklets/processor-names.js';

/**
 * Plays the assistant's speech as it streams in: base64 PCM16 24 kHz chunks go to a ring-buffer
 * AudioWorklet in an AudioContext running at 24 kHz (no resampling of our own), which plays them
 * back to back and fades instead of clicking. `clear()` drops what is queued (barge-in).
 * Create it from a user gesture (the click on the microphone button), so the browser lets it play.
 */
export class AudioPlayer {
  readonly #context: AudioContext;
  readonly #ready: Promise<AudioWorkletNode>;
  #closed = false;

  constructor(onPlayingChange: (playing: boolean) => void = () => undefined) {
    const context = new AudioContext({ sampleRate: VOICE_OUTPUT_SAMPLE_RATE, latencyHint: 'interactive' });
    this.#context = context;
    this.#ready = (async () => {
      await context.audioWorklet.addModule(playbackWorkletUrl);
      const node = new AudioWorkletNode(context, PLAYBACK_PROCESSOR, { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1] });
      node.port.onmessage = (event: MessageEvent<{ type: 'playing'; playing: boolean }>) => onPlayingChange(event.data.playing);
      node.connect(context.destination);
      if (context.state === 'suspended') await context.resume();
      return node;
    })();
    this.#ready.catch(() => undefined);
  }

  /** Resolves once the worklet runs; rejects when it cannot. */
  ready(): Promise<void> {
    return this.#ready.then(() => undefined);
  }

  enqueue(base64Pcm16: string): void {
    if (this.#closed) return;
    const samples = pcm16Base64ToFloat32(base64Pcm16);
    void this.#ready.then((node) => node.port.postMessage({ type: 'audio', samples }, [samples.buffer]));
  }

  clear(): void {
    if (this.#closed) return;
    void this.#ready.then((node) => node.port.postMessage({ type: 'clear' }));
  }

  /** Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#ready.then((node) => node.disconnect()).catch(() => undefined);
    await this.#context.close().catch(() => undefined);
  }
}
