import { useSession, type UseSessionOptions } from './auth/use-session.js';
import { GatewayUnavailableScreen, SignInScreen } from './components/auth/sign-in-screen.js';
import { ChatScreen } from './components/chat-screen.js';
import { useTheme } from './theme/use-theme.js';

/**
 * Who is signed in decides the screen: the chat for a session, the sign-in otherwise (the local
 * mode signs in on its own, so its person sees only a moment of loading).
 */
export function App({ session: sessionOptions }: { session?: UseSessionOptions } = {}) {
  const { theme, toggle } = useTheme();
  const session = useSession(sessionOptions);
  const { state } = session;

  switch (state.status) {
    case 'loading':
    case 'redirecting':
      return (
        <div className="loading-screen" aria-busy="true">
          <span className="visually-hidden">{state.status === 'loading' ? 'Loading…' : 'Signing in…'}</span>
        </div>
      );
    case 'unavailable':
      return <GatewayUnavailableScreen message={state.message} onRetry={session.retry} />;
    case 'signed_out':
      return <SignInScreen mode={state.mode} reason={state.reason} onSignIn={session.signIn} />;
    case 'signed_in':
      return session.client ? (
        // Keyed by user: another person's sign-in in this tab starts from a fresh chat screen.
        <ChatScreen key={state.me.user_id} client={session.client} me={state.me} onSignOut={session.signOut} theme={theme} onToggleTheme={toggle} />
      ) : null;
  }
}
