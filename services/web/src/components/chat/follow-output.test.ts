import { describe, expect, it } from 'vitest';
import { keepsFollowing } from './follow-output.js';

const viewport = { clientHeight: 600 };

describe('keepsFollowing', () => {
  it('follows while the view is within 80 px of the bottom, whichever way it moved', () => {
    expect(keepsFollowing(false, 0, { ...viewport, scrollHeight: 2000, scrollTop: 1330 })).toBe(true);
    expect(keepsFollowing(true, 1400, { ...viewport, scrollHeight: 2000, scrollTop: 1330 })).toBe(true);
  });

  it('goes on following when the content grew below after the list scrolled down (the view did not move up)', () => {
    // The list scrolled to the bottom of 2,000 px; the last answer then took its real height, 600 px more.
    expect(keepsFollowing(true, 900, { ...viewport, scrollHeight: 2600, scrollTop: 1400 })).toBe(true);
    expect(keepsFollowing(true, 1400, { ...viewport, scrollHeight: 2600, scrollTop: 1400 })).toBe(true);
  });

  it('stops when the reader moves up away from the bottom, and stays stopped until they are back at it', () => {
    expect(keepsFollowing(true, 1400, { ...viewport, scrollHeight: 2000, scrollTop: 1000 })).toBe(false);
    // Scrolling down a little, still far from the bottom: not following yet.
    expect(keepsFollowing(false, 1000, { ...viewport, scrollHeight: 2000, scrollTop: 1200 })).toBe(false);
    expect(keepsFollowing(false, 1200, { ...viewport, scrollHeight: 2000, scrollTop: 1380 })).toBe(true);
  });
});
