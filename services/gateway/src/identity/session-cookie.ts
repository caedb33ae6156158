import type { IncomingHttpHeaders } from 'node:http';

/** The session cookie's name: `__Host-` prefixed on https (the browser then insists on Secure, Path=/ and no Domain). */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-bmcp_session' : 'bmcp_session';
}

/** The cookie that binds a sign-in in progress to the browser that started it (Path=/auth: sent only to the sign-in routes). */
export const LOGIN_COOKIE = 'bmcp_login';
const LOGIN_COOKIE_PATH = '/auth';

/** One cookie's value from a Cookie header, or undefined. A repeated name counts as absent (cookie tossing). */
export function readCookie(headers: IncomingHttpHeaders, name: string): string | undefined {
  const header = headers.cookie;
  if (!header) return undefined;
  const values = header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${name}=`))
    .map((part) => part.slice(name.length + 1));
  if (values.length !== 1) return undefined;
  // Any value is returned (a malformed one is then simply not a session), but bounded.
  return values[0]!.slice(0, 256);
}

interface CookieOptions {
  secure: boolean;
  /** Seconds; 0 deletes the cookie. */
  maxAgeS: number;
  path?: string;
}

function serialize(name: string, value: string, { secure, maxAgeS, path = '/' }: CookieOptions): string {
  return [`${name}=${value}`, `Path=${path}`, `Max-Age=${maxAgeS}`, 'HttpOnly', 'SameSite=Lax', ...(secure ? ['Secure'] : [])].join('; ');
}

export function sessionCookie(value: string, secure: boolean, maxAgeS: number): string {
  return serialize(sessionCookieName(secure), value, { secure, maxAgeS });
}

export function clearSessionCookie(secure: boolean): string {
  return serialize(sessionCookieName(secure), '', { secure, maxAgeS: 0 });
}

export function loginCookie(value: string, secure: boolean, maxAgeS: number): string {
  return serialize(LOGIN_COOKIE, value, { secure, maxAgeS, path: LOGIN_COOKIE_PATH });
}

export function clearLoginCookie(secure: boolean): string {
  return serialize(LOGIN_COOKIE, '', { secure, maxAgeS: 0, path: LOGIN_COOKIE_PATH });
}
