import { describe, expect, it } from 'vitest';
import { FrameAssembler, floatToPcm16, pcm16Base64ToFloat32, Resampler } from './pcm.js';

const sine = (rate: number, frequency: number, seconds: number, amplitude = 0.5) =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, index) => amplitude * Math.sin((2 * Math.PI * frequency * index) / rate));
const rms = (samples: Float32Array) => Math.sqrt(samples.reduce((sum, value) => sum + value * value, 0) / samples.length);
/** Sign changes per second: twice the frequency of a pure tone. */
const zeroCrossings = (samples: Float32Array, rate: number) => {
  let count = 0;
  for (let index = 1; index < samples.length; index += 1) if (Math.sign(samples[index]!) !== Math.sign(samples[index - 1]!)) count += 1;
  return (count / samples.length) * rate;
};

describe('PCM16 conversions', () => {
  it('decodes base64 PCM16 little-endian and encodes floats back, clipping', () => {
    const bytes = new Uint8Array([0x00, 0x00, 0xff, 0x7f, 0x00, 0x80, 0x00, 0x40]);
    const base64 = btoa(String.fromCharCode(...bytes));
    expect([...pcm16Base64ToFloat32(base64)]).toEqual([0, 32767 / 32768, -1, 0.5]);
    expect([...floatToPcm16(Float32Array.from([0, 1, -1, 0.5, 2, -2]))]).toEqual([0, 32767, -32768, 16384, 32767, -32768]);
  });
});

describe('Resampler', () => {
  it('turns 48 kHz into 16 kHz: a third of the samples, the tone and its level kept', () => {
    const input = sine(48_000, 440, 1);
    const output = new Resampler(48_000, 16_000).process(input);
    expect(Math.abs(output.length - 16_000)).toBeLessThan(20);
    const steady = output.subarray(200, 15_000);
    expect(rms(steady)).toBeCloseTo(rms(input), 2);
    expect(zeroCrossings(steady, 16_000)).toBeCloseTo(880, -1);
  });

  it('filters out what 16 kHz cannot carry (no aliasing): a 12 kHz tone all but vanishes', () => {
    const output = new Resampler(48_000, 16_000).process(sine(48_000, 12_000, 0.5));
    expect(rms(output.subarray(200, 7_800))).toBeLessThan(0.01);
  });

  it('handles 44.1 kHz, and gives the same samples whether fed at once or in 128-sample render quanta', () => {
    const input = sine(44_100, 300, 0.5);
    const whole = new Resampler(44_100, 16_000).process(input);
    const streamed = new Resampler(44_100, 16_000);
    const pieces: number[] = [];
    for (let offset = 0; offset < input.length; offset += 128) pieces.push(...streamed.process(input.subarray(offset, offset + 128)));
    expect(pieces.length).toBe(whole.length);
    for (let index = 0; index < whole.length; index += 1) expect(pieces[index]).toBeCloseTo(whole[index]!, 5);
    expect(Math.abs(whole.length - 8_000)).toBeLessThan(20);
  });
});

describe('FrameAssembler', () => {
  it('cuts any block sizes into 512-sample frames, keeping the rest for the next block', () => {
    const assembler = new FrameAssembler(512);
    const frames = [...assembler.push(Int16Array.from({ length: 700 }, (_, index) => index)), ...assembler.push(Int16Array.from({ length: 400 }, (_, index) => 700 + index))];
    expect(frames.map((frame) => frame.byteLength)).toEqual([1024, 1024]);
    expect(new Int16Array(frames[1]!)[0]).toBe(512);
    expect(new Int16Array(frames[1]!)[511]).toBe(1023);
  });
});
