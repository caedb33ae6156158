/** 16-bit signed little-endian mono PCM, as Nova Sonic takes (16 kHz) and gives (24 kHz) audio. */

export interface ToneOptions {
  /** Samples per second, e.g. 16000 or 24000. */
  sampleRate: number;
  durationMs: number;
  /** Default 440. */
  frequencyHz?: number;
  /** Peak amplitude, 0–32767. Default 8000. */
  amplitude?: number;
  /** Sample index the phase starts at, so consecutive pieces join without a click. Default 0. */
  startSample?: number;
}

/** A sine tone; `amplitude: 0` gives silence. */
export function tonePcm16(options: ToneOptions): Buffer {
  const samples = Math.round((options.sampleRate * options.durationMs) / 1000);
  const frequency = options.frequencyHz ?? 440;
  const amplitude = options.amplitude ?? 8000;
  const start = options.startSample ?? 0;
  const pcm = Buffer.alloc(samples * 2);
  for (let index = 0; index < samples; index += 1) {
    const value = Math.round(amplitude * Math.sin((2 * Math.PI * frequency * (start + index)) / options.sampleRate));
    pcm.writeInt16LE(value, index * 2);
  }
  return pcm;
}

export function silencePcm16(sampleRate: number, durationMs: number): Buffer {
  return Buffer.alloc(Math.round((sampleRate * durationMs) / 1000) * 2);
}

/** Root mean square of the samples (0 for no samples); an odd trailing byte is ignored. */
export function pcm16Rms(pcm: Uint8Array): number {
  const view = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const samples = Math.floor(view.length / 2);
  if (samples === 0) return 0;
  let sumOfSquares = 0;
  for (let index = 0; index < samples; index += 1) {
    const value = view.readInt16LE(index * 2);
    sumOfSquares += value * value;
  }
  return Math.sqrt(sumOfSquares / samples);
}

export function pcm16DurationMs(byteLength: number, sampleRate: number): number {
  return (Math.floor(byteLength / 2) * 1000) / sampleRate;
}
