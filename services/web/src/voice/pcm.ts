// Audio sample helpers shared by the main thread and the audio worklets (no DOM, no imports).

/** PCM16 little-endian mono, base64 (the gateway's `audio_data`) → samples in [-1, 1). */
export function pcm16Base64ToFloat32(base64: string): Float32Array {
  const binary = atob(base64);
  const samples = new Float32Array(binary.length >> 1);
  for (let index = 0; index < samples.length; index += 1) {
    const low = binary.charCodeAt(index * 2);
    const high = binary.charCodeAt(index * 2 + 1);
    const value = (high << 8) | low;
    samples[index] = (value >= 0x8000 ? value - 0x10000 : value) / 0x8000;
  }
  return samples;
}

/** Samples in [-1, 1] → PCM16 (clipped). */
export function floatToPcm16(samples: Float32Array): Int16Array {
  const pcm = new Int16Array(samples.length);
  for (let index = 0; index < samples.length; index += 1) {
    const sample = Math.max(-1, Math.min(1, samples[index] ?? 0));
    pcm[index] = sample < 0 ? Math.round(sample * 0x8000) : Math.round(sample * 0x7fff);
  }
  return pcm;
}

/**
 * Sample-rate conversion by windowed-sinc interpolation, keeping its state between blocks so a
 * stream converts without seams. Downsampling low-passes at 90 % of the output's Nyquist frequency
 * first (the microphone's 48 kHz has content a 16 kHz stream would fold back as noise).
 */
export class Resampler {
  readonly #step: number;
  /** Cutoff in cycles per input sample. */
  readonly #cutoff: number;
  /** Half the kernel's width, in input samples. */
  readonly #halfWidth: number;
  #buffer = new Float32Array(0);
  /** Where the next output sample lies, in input samples from #buffer[0]. */
  #position = 0;

  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
    /** Zero crossings of the sinc on each side: quality against work per sample. */
    zeroCrossings = 8,
  ) {
    if (!(inputRate > 0) || !(outputRate > 0)) throw new RangeError('Resampler: rates must be > 0');
    this.#step = inputRate / outputRate;
    this.#cutoff = 0.45 * Math.min(1, outputRate / inputRate);
    this.#halfWidth = Math.ceil(zeroCrossings / (2 * this.#cutoff));
  }

  process(input: Float32Array): Float32Array {
    if (this.inputRate === this.outputRate) return input.slice();
    const buffer = new Float32Array(this.#buffer.length + input.length);
    buffer.set(this.#buffer);
    buffer.set(input, this.#buffer.length);
    const outputs: number[] = [];
    while (this.#position + this.#halfWidth < buffer.length) {
      outputs.push(this.#interpolate(buffer, this.#position));
      this.#position += this.#step;
    }
    const keepFrom = Math.max(0, Math.floor(this.#position) - this.#halfWidth);
    this.#buffer = buffer.slice(keepFrom);
    this.#position -= keepFrom;
    return Float32Array.from(outputs);
  }

  #interpolate(buffer: Float32Array, at: number): number {
    const first = Math.max(0, Math.ceil(at - this.#halfWidth));
    const last = Math.min(buffer.length - 1, Math.floor(at + this.#halfWidth));
    let sum = 0;
    for (let index = first; index <= last; index += 1) {
      const distance = at - index;
      sum += (buffer[index] ?? 0) * this.#kernel(distance);
    }
    return sum;
  }

  /** A low-pass sinc at #cutoff, Blackman-windowed over ±#halfWidth, unity gain at DC. */
  #kernel(distance: number): number {
    const x = 2 * this.#cutoff * distance;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const w = (distance / this.#halfWidth + 1) / 2; // 0…1 across the window
    const window = 0.42 - 0.5 * Math.cos(2 * Math.PI * w) + 0.08 * Math.cos(4 * Math.PI * w);
    return 2 * this.#cutoff * sinc * window;
  }
}

/** Collects samples into frames of a fixed length (the gateway takes ~32 ms frames: 512 samples at 16 kHz). */
export class FrameAssembler {
  readonly #frame: Int16Array;
  #filled = 0;

  constructor(readonly frameSamples: number) {
    this.#frame = new Int16Array(frameSamples);
  }

  /** The frames completed by `samples`, each a fresh buffer (transferable). */
  push(samples: Int16Array): ArrayBuffer[] {
    const frames: ArrayBuffer[] = [];
    let offset = 0;
    while (offset < samples.length) {
      const count = Math.min(this.frameSamples - this.#filled, samples.length - offset);
      this.#frame.set(samples.subarray(offset, offset + count), this.#filled);
      this.#filled += count;
      offset += count;
      if (this.#filled === this.frameSamples) {
        frames.push(this.#frame.slice().buffer);
        this.#filled = 0;
      }
    }
    return frames;
  }
}
