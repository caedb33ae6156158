/** Where a sign-in lands when no (acceptable) return path was given. */
export const DEFAULT_RETURN_TO = '/chat/';

/**
 * A sign-in's `return_to` if it is a path on this origin (`/chat/…`), else the default: an absolute
 * URL, a scheme, `//host` or `/\host` (browsers read both as another origin) or control characters
 * would turn the sign-in into an open redirect.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return DEFAULT_RETURN_TO;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return DEFAULT_RETURN_TO;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return DEFAULT_RETURN_TO;
  try {
    const resolved = new URL(value, 'http://same.invalid');
    if (resolved.origin !== 'http://same.invalid') return DEFAULT_RETURN_TO;
    return `${resolved.pathname}${resolved.search}${resolved.hash}`;
  } catch {
    return DEFAULT_RETURN_TO;
  }
}
