import type { AuthMode } from '@bedrock-mcp/contracts';
import type { ReactNode } from 'react';
import type { SignedOutReason } from '../../auth/use-session.js';
import { SparkIcon } from '../common/icons.js';

/** The card every screen before the chat uses: the product's name, a heading, what to do. */
function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="auth-screen">
      <div className="auth-card">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            <SparkIcon size={22} />
          </span>
          <span>Bedrock MCP Chat</span>
        </div>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

const REASON_NOTE: Partial<Record<SignedOutReason, string>> = {
  signed_out: 'You signed out.',
  expired: 'Your session ended. Sign in again to carry on.',
};

export interface SignInScreenProps {
  mode: AuthMode;
  reason: SignedOutReason;
  onSignIn: () => void;
}

/** Nobody is signed in: one "Sign in" button (to the identity provider, or as the local user). */
export function SignInScreen({ mode, reason, onSignIn }: SignInScreenProps) {
  const note = REASON_NOTE[reason];
  return (
    <AuthCard title="Sign in">
      <p className="lead">
        {mode === 'oidc'
          ? 'Sign in with your organization’s account to chat with the models and your MCP servers.'
          : 'No identity provider is configured: this platform has one local user, and signing in asks for nothing.'}
      </p>
      {note ? (
        <p className="auth-note" role="status">
          {note}
        </p>
      ) : null}
      {reason === 'sign_in_failed' ? (
        <div className="auth-error" role="alert">
          <strong>Signing in did not complete.</strong> The browser came back without a session. Check that it accepts cookies for this site, and that
          the platform’s <code>PUBLIC_URL</code> is the address you opened (<code>{window.location.origin}</code>).
        </div>
      ) : null}
      <button type="button" className="button button-primary button-block" onClick={onSignIn} autoFocus>
        Sign in
      </button>
    </AuthCard>
  );
}

/** The gateway could not be asked who is signed in. */
export function GatewayUnavailableScreen({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <AuthCard title="Cannot reach the platform">
      <p className="lead">The chat could not ask the gateway who you are. It may be starting or stopped.</p>
      <div className="auth-error" role="alert">
        {message}
      </div>
      <button type="button" className="button button-primary button-block" onClick={onRetry} autoFocus>
        Try again
      </button>
    </AuthCard>
  );
}
