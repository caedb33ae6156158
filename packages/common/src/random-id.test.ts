import { describe, expect, it } from 'vitest';
import { randomIdPart } from './random-id.js';

describe('randomIdPart', () => {
  it('gives base64url text of the asked length, never the same twice across many pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5_000; i++) {
      const part = randomIdPart(18);
      expect(part).toMatch(/^[A-Za-z0-9_-]{24}$/);
      seen.add(part);
    }
    expect(seen.size).toBe(5_000);
    expect(randomIdPart(12)).toHaveLength(16);
  });

  it('refuses a size it cannot serve', () => {
    expect(() => randomIdPart(0)).toThrow(RangeError);
    expect(() => randomIdPart(4097)).toThrow(RangeError);
    expect(() => randomIdPart(1.5)).toThrow(RangeError);
  });
});
