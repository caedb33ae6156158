import { describe, expect, it } from 'vitest';
import { PlaybackBuffer } from './playback-buffer.js';

const options = { prebufferSamples: 200, fadeSamples: 10, initialSamples: 256, maxSamples: 100_000 };
/** A smooth signal (a 0.5 sine over 100 samples, starting at its peak) cut into chunks: any seam or gap would show as a jump. */
const ramp = (from: number, count: number) => Float32Array.from({ length: count }, (_, index) => 0.5 * Math.cos((2 * Math.PI * (from + index)) / 100));

/** Renders `blocks` render quanta of 128 samples and returns them joined. */
function render(buffer: PlaybackBuffer, blocks: number): Float32Array {
  const out = new Float32Array(blocks * 128);
  for (let block = 0; block < blocks; block += 1) buffer.render(out.subarray(block * 128, (block + 1) * 128));
  return out;
}
const biggestStep = (samples: Float32Array) => samples.reduce((max, value, index) => (index === 0 ? max : Math.max(max, Math.abs(value - samples[index - 1]!))), 0);

describe('PlaybackBuffer', () => {
  it('plays chunks back to back without a gap (growing as needed), fading in only at the start', () => {
    const buffer = new PlaybackBuffer(options);
    for (let chunk = 0; chunk < 10; chunk += 1) buffer.push(ramp(chunk * 100, 100));
    const out = render(buffer, 8);
    const start = out.findIndex((value) => value !== 0);
    const played = out.subarray(start, start + 1000);
    const expected = ramp(0, 1000);
    for (let index = options.fadeSamples; index < 1000; index += 1) expect(played[index]).toBeCloseTo(expected[index]!, 6);
    expect(played[0]!).toBeLessThan(expected[0]! / 5); // faded in
    expect(biggestStep(out)).toBeLessThan(0.05);
    expect(buffer.buffered).toBe(0);
  });

  it('waits for a little audio before starting, yet plays a short tail that never reaches the threshold', () => {
    const buffer = new PlaybackBuffer(options);
    buffer.push(ramp(0, 50));
    const first = render(buffer, 1);
    expect([...first].every((value) => value === 0)).toBe(true);
    const later = render(buffer, 2);
    expect(later.some((value) => value !== 0)).toBe(true);
    expect(buffer.buffered).toBe(0);
  });

  it('fades out on an underrun instead of jumping to silence (no click)', () => {
    const buffer = new PlaybackBuffer(options);
    buffer.push(Float32Array.from({ length: 300 }, () => 0.8));
    const out = render(buffer, 4);
    expect(biggestStep(out)).toBeLessThan(0.1);
    expect(out.at(-1)).toBe(0);
  });

  it('clear() drops what is queued at once (barge-in), fading what was playing', () => {
    const buffer = new PlaybackBuffer(options);
    buffer.push(Float32Array.from({ length: 24_000 }, () => 0.8));
    render(buffer, 3);
    expect(buffer.playing).toBe(true);
    buffer.clear();
    expect(buffer.buffered).toBe(0);
    const out = render(buffer, 1);
    expect(biggestStep(Float32Array.from([0.8, ...out]))).toBeLessThan(0.1);
    expect(out.at(-1)).toBe(0);
    expect(buffer.playing).toBe(false);
  });

  it('keeps at most maxSamples, dropping the oldest', () => {
    const buffer = new PlaybackBuffer({ ...options, maxSamples: 1000 });
    buffer.push(ramp(0, 1500));
    expect(buffer.buffered).toBe(1000);
  });
});
