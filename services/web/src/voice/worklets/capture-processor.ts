// AudioWorklet: microphone samples (the context's rate, 44.1/48 kHz) → PCM16 mono 16 kHz frames of
// `frameSamples`, posted to the main thread as transferable ArrayBuffers.
import { FrameAssembler, floatToPcm16, Resampler } from '../pcm.js';
import { scope } from './audio-worklet-scope.js';
import { CAPTURE_PROCESSOR } from './processor-names.js';

interface CaptureOptions {
  targetRate: number;
  frameSamples: number;
}

class CaptureProcessor extends scope.AudioWorkletProcessor {
  readonly #resampler: Resampler;
  readonly #frames: FrameAssembler;

  constructor(options: AudioWorkletNodeOptions) {
    super(options);
    const { targetRate, frameSamples } = options.processorOptions as CaptureOptions;
    this.#resampler = new Resampler(scope.sampleRate, targetRate);
    this.#frames = new FrameAssembler(frameSamples);
  }

  override process(inputs: Float32Array[][]): boolean {
    const channel = inputs[0]?.[0];
    if (channel !== undefined && channel.length > 0) {
      for (const frame of this.#frames.push(floatToPcm16(this.#resampler.process(channel)))) this.port.postMessage(frame, [frame]);
    }
    return true;
  }
}

scope.registerProcessor(CAPTURE_PROCESSOR, CaptureProcessor);
