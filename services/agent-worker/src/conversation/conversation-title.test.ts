import { describe, expect, it } from 'vitest';
import { cleanTitle } from './conversation-title.js';

describe('cleanTitle', () => {
  it('makes one line without quotes, label or final full stop, at most 80 characters', () => {
    expect(cleanTitle('"Paris Weather Today."')).toBe('Paris Weather Today');
    expect(cleanTitle('Title: **Trip\nplanning**\n')).toBe('Trip planning');
    expect(cleanTitle('  “Quoted”  ')).toBe('Quoted');
    expect(cleanTitle(' \n ')).toBeUndefined();
    const long = cleanTitle('word '.repeat(40))!;
    expect(long.length).toBe(80);
    expect(long.endsWith('…')).toBe(true);
  });
});
