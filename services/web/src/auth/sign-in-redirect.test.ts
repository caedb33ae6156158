import { describe, expect, it } from 'vitest';
import { clearSignInRedirect, markSignInRedirect, signInJustFailed, signInUrl } from './sign-in-redirect.js';

describe('signInUrl', () => {
  it('returns to this page, as a path on this origin', () => {
    expect(signInUrl({ pathname: '/chat/', search: '' })).toBe('/auth/login?return_to=%2Fchat%2F');
    expect(signInUrl({ pathname: '/chat/', search: '?q=a&b=1' })).toBe('/auth/login?return_to=%2Fchat%2F%3Fq%3Da%26b%3D1');
  });

  it('never asks to return to another host (a path starting with //)', () => {
    expect(signInUrl({ pathname: '//evil.example/chat/', search: '' })).toBe('/auth/login?return_to=%2Fchat%2F');
  });
});

describe('the sign-in loop guard', () => {
  it('counts a return without a session within a minute of leaving as a failed sign-in', () => {
    const storage = sessionStorage;
    expect(signInJustFailed(storage, 1_000_000)).toBe(false);
    markSignInRedirect(storage, 1_000_000);
    expect(signInJustFailed(storage, 1_000_000 + 59_000)).toBe(true);
    expect(signInJustFailed(storage, 1_000_000 + 61_000)).toBe(false);
    clearSignInRedirect(storage);
    expect(signInJustFailed(storage, 1_000_000 + 1_000)).toBe(false);
  });
});
