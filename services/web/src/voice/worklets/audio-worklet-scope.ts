// The AudioWorkletGlobalScope names the processors use (TypeScript's DOM library does not describe
// that scope). Types only: at run time these are the worklet scope's own globals.

interface AudioWorkletProcessorLike {
  readonly port: MessagePort;
  process(inputs: Float32Array[][], outputs: Float32Array[][], parameters: Record<string, Float32Array>): boolean;
}

export interface AudioWorkletScope {
  /** The AudioContext's sample rate, in Hz. */
  sampleRate: number;
  AudioWorkletProcessor: new (options?: AudioWorkletNodeOptions) => AudioWorkletProcessorLike;
  registerProcessor(name: string, processor: new (options: AudioWorkletNodeOptions) => AudioWorkletProcessorLike): void;
}

export const scope = globalThis as unknown as AudioWorkletScope;
