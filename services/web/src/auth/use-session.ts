import type { AuthMode, MeResponse } from '@bedrock-mcp/contracts';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { GatewayClient, type GatewayClientOptions } from '../api/gateway-client.js';
import { describeGatewayError, GatewayError } from '../api/gateway-error.js';
import { clearSignInRedirect, markSignInRedirect, signInJustFailed, signInUrl } from './sign-in-redirect.js';

/**
 * Why nobody is signed in: the page was opened without a session, the person signed out, the
 * session ended while the page was open (expired, revoked, signed out elsewhere), or a sign-in
 * came back without a session.
 */
export type SignedOutReason = 'not_signed_in' | 'signed_out' | 'expired' | 'sign_in_failed';

type SessionState =
  | { status: 'loading' }
  /** On the way to /auth/login. */
  | { status: 'redirecting' }
  | { status: 'signed_in'; mode: AuthMode; me: MeResponse }
  | { status: 'signed_out'; mode: AuthMode; reason: SignedOutReason }
  /** The gateway could not be asked (down, unreachable, answering errors). */
  | { status: 'unavailable'; message: string };

export interface UseSessionOptions {
  /** For tests: where the gateway is (default this page's origin) and the fetch to use. */
  baseUrl?: string;
  fetchImpl?: typeof fetch;
  /** Leaves the page for the sign-in route; replaced in tests. */
  navigate?: (url: string) => void;
}

export interface Session {
  state: SessionState;
  /** The REST client of the signed-in session (CSRF token set; a 401 ends the session here too). */
  client: GatewayClient | undefined;
  /** Goes to /auth/login, which comes back to this page signed in. */
  signIn(): void;
  /** Ends this session, or every session of the user; rejects (still signed in) when the gateway could not do it. */
  signOut(everywhere?: boolean): Promise<void>;
  /** Asks the gateway again (after `unavailable`). */
  retry(): void;
}

/**
 * Who is signed in, from `GET /auth/config` and `GET /v1/me` on this origin. Without a session the
 * local mode signs in at once (no click: the platform's one local user on loopback), the oidc mode
 * waits for the "Sign in" button; a sign-in that comes back without a session is not repeated.
 */
export function useSession({ baseUrl, fetchImpl, navigate = (url) => window.location.assign(url) }: UseSessionOptions = {}): Session {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const navigateRef = useRef(navigate);
  navigateRef.current = navigate;
  const stateRef = useRef(state);
  stateRef.current = state;

  const signIn = useCallback(() => {
    markSignInRedirect();
    setState({ status: 'redirecting' });
    navigateRef.current(signInUrl());
  }, []);

  /** Nobody is signed in: sign in at once in local mode, unless that is what just failed or the person signed out. */
  const signedOut = useCallback(
    (mode: AuthMode, reason: SignedOutReason) => {
      if (reason !== 'signed_out' && signInJustFailed()) {
        setState({ status: 'signed_out', mode, reason: 'sign_in_failed' });
        return;
      }
      if (mode === 'local' && reason !== 'signed_out') {
        signIn();
        return;
      }
      setState({ status: 'signed_out', mode, reason });
    },
    [signIn],
  );

  useEffect(() => {
    let cancelled = false;
    const anonymous = new GatewayClient({ baseUrl, fetchImpl });
    void (async () => {
      try {
        const { mode } = await anonymous.authConfig();
        try {
          const me = await anonymous.me();
          if (cancelled) return;
          clearSignInRedirect();
          setState({ status: 'signed_in', mode, me });
        } catch (error) {
          if (cancelled) return;
          if (error instanceof GatewayError && error.status === 401) signedOut(mode, 'not_signed_in');
          else throw error;
        }
      } catch (error) {
        if (!cancelled) setState({ status: 'unavailable', message: describeGatewayError(error) });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [baseUrl, fetchImpl, attempt, signedOut]);

  const signedIn = state.status === 'signed_in' ? state : undefined;
  const client = useMemo(
    () =>
      signedIn
        ? new GatewayClient({
            baseUrl,
            fetchImpl,
            csrfToken: signedIn.me.csrf_token,
            onUnauthorized: () => {
              // Only the session that is still current ends (a late answer for an older one changes nothing).
              if (stateRef.current === signedIn) signedOut(signedIn.mode, 'expired');
            },
          } satisfies GatewayClientOptions)
        : undefined,
    [signedIn, baseUrl, fetchImpl, signedOut],
  );

  const signOut = useCallback(
    async (everywhere = false) => {
      if (!signedIn) return;
      // Its own client: a 401 here is no session ending on its own, which in local mode would sign in again.
      const signingOut = new GatewayClient({ baseUrl, fetchImpl, csrfToken: signedIn.me.csrf_token });
      try {
        await signingOut.signOut(everywhere);
      } catch (error) {
        // A 401 means the session was already gone: the outcome the person asked for.
        if (!(error instanceof GatewayError && error.status === 401)) throw error;
      }
      setState({ status: 'signed_out', mode: signedIn.mode, reason: 'signed_out' });
    },
    [signedIn, baseUrl, fetchImpl],
  );

  return { state, client, signIn, signOut, retry: useCallback(() => setAttempt((value) => value + 1), []) };
}
