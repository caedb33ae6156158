import { describe, expect, it } from 'vitest';
import { DEFAULT_RETURN_TO, safeReturnTo } from './return-to.js';

describe('safeReturnTo', () => {
  it('keeps a path on this origin, with its query and fragment', () => {
    expect(safeReturnTo('/chat/')).toBe('/chat/');
    expect(safeReturnTo('/chat/c/1?x=1#m')).toBe('/chat/c/1?x=1#m');
  });

  it.each(['//evil.example', '///evil.example', '/\\evil.example', 'https://evil.example/chat/', 'javascript:alert(1)', 'chat/', '', '/chat\n/', '/a\\b', undefined, ['/chat/'], 'x'.repeat(3000)])(
    'refuses %j (another origin, a scheme, or odd characters) for the default',
    (value) => {
      expect(safeReturnTo(value)).toBe(DEFAULT_RETURN_TO);
    },
  );
});
