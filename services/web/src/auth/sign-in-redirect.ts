import { AUTH_PATHS } from '@bedrock-mcp/contracts';

/** Where the page is: only the parts a return address is built from. */
export type PageLocation = Pick<Location, 'pathname' | 'search'>;

/**
 * `/auth/login?return_to=<this page>`: the gateway signs the browser in (at the identity provider,
 * or as the local user) and sends it back here. The return address is a path on this origin, as the
 * gateway requires (it refuses anything else and falls back to /chat/).
 */
export function signInUrl(location: PageLocation = window.location): string {
  const returnTo = `${location.pathname}${location.search}`;
  return `${AUTH_PATHS.login}?return_to=${encodeURIComponent(returnTo.startsWith('/') && !returnTo.startsWith('//') ? returnTo : '/chat/')}`;
}

const REDIRECT_KEY = 'bmcp.sign-in.redirected-at';
/**
 * A sign-in that came back without a session within this long (ms) failed: the browser is not
 * sent to sign in again on its own, which would loop (cookies blocked, PUBLIC_URL not this address).
 */
const REDIRECT_LOOP_WINDOW_MS = 60_000;

/** Remembers, for this tab, that it was just sent to sign in. */
export function markSignInRedirect(storage: Storage = sessionStorage, now = Date.now()): void {
  storage.setItem(REDIRECT_KEY, String(now));
}

/** Whether this tab was sent to sign in moments ago (and so came back still signed out). */
export function signInJustFailed(storage: Storage = sessionStorage, now = Date.now()): boolean {
  const at = Number(storage.getItem(REDIRECT_KEY));
  return Number.isFinite(at) && at > 0 && now - at < REDIRECT_LOOP_WINDOW_MS;
}

export function clearSignInRedirect(storage: Storage = sessionStorage): void {
  storage.removeItem(REDIRECT_KEY);
}
