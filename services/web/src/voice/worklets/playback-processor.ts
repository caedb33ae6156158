// AudioWorklet: plays the assistant's speech from a PlaybackBuffer. Messages in: `{ type: 'audio',
// samples: Float32Array }` and `{ type: 'clear' }` (barge-in). Messages out: `{ type: 'playing',
// playing: boolean }` when that changes.
import { PlaybackBuffer } from '../playback-buffer.js';
import { scope } from './audio-worklet-scope.js';
import { PLAYBACK_PROCESSOR } from './processor-names.js';

type PlaybackMessage = { type: 'audio'; samples: Float32Array } | { type: 'clear' };

class PlaybackProcessor extends scope.AudioWorkletProcessor {
  readonly #buffer = new PlaybackBuffer({
    // 80 ms before starting, 3 ms fades, 10 s to start with, at most 10 minutes queued.
    prebufferSamples: Math.round(scope.sampleRate * 0.08),
    fadeSamples: Math.round(scope.sampleRate * 0.003),
    initialSamples: scope.sampleRate * 10,
    maxSamples: scope.sampleRate * 600,
  });
  #wasPlaying = false;

  constructor(options: AudioWorkletNodeOptions) {
    super(options);
    this.port.onmessage = (event: MessageEvent<PlaybackMessage>) => {
      if (event.data.type === 'audio') this.#buffer.push(event.data.samples);
      else this.#buffer.clear();
    };
  }

  override process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const output = outputs[0];
    const first = output?.[0];
    if (output === undefined || first === undefined) return true;
    const played = this.#buffer.render(first);
    for (let channel = 1; channel < output.length; channel += 1) output[channel]?.set(first);
    const playing = played || this.#buffer.buffered > 0;
    if (playing !== this.#wasPlaying) {
      this.#wasPlaying = playing;
      this.port.postMessage({ type: 'playing', playing });
    }
    return true;
  }
}

scope.registerProcessor(PLAYBACK_PROCESSOR, PlaybackProcessor);
