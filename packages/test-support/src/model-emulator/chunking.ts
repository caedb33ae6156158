/**
 * Splits text into at most `count` non-empty pieces of near-equal length, never inside a surrogate pair.
 * Empty text yields no pieces.
 */
export function splitIntoChunks(text: string, count: number): string[] {
  const codePoints = Array.from(text);
  const pieces = Math.max(1, Math.min(Math.floor(count), codePoints.length));
  const size = Math.ceil(codePoints.length / pieces);
  const chunks: string[] = [];
  for (let start = 0; start < codePoints.length; start += size) {
    chunks.push(codePoints.slice(start, start + size).join(''));
  }
  return chunks;
}
