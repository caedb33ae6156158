/** Root mean square of 16-bit little-endian PCM samples (0 for none); an odd trailing byte is ignored. */
export function pcm16Rms(pcm: Uint8Array): number {
  const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const samples = Math.floor(pcm.byteLength / 2);
  if (samples === 0) return 0;
  let sumOfSquares = 0;
  for (let index = 0; index < samples; index += 1) {
    const value = view.getInt16(index * 2, true);
    sumOfSquares += value * value;
  }
  return Math.sqrt(sumOfSquares / samples);
}
