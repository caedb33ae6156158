import type { ReactNode } from 'react';
import { AlertIcon, CloseIcon } from '../common/icons.js';

export interface BannerProps {
  tone: 'danger' | 'warn' | 'info';
  title: string;
  children?: ReactNode;
  onDismiss?: () => void;
  action?: ReactNode;
  /** Shows a spinner instead of the icon (something is in progress). */
  busy?: boolean;
}

export function Banner({ tone, title, children, onDismiss, action, busy }: BannerProps) {
  return (
    <div className={`banner banner-${tone}`} role={tone === 'info' ? 'status' : 'alert'}>
      {busy ? <span className="spinner banner-icon" aria-hidden="true" /> : <AlertIcon size={18} className="banner-icon" />}
      <div className="banner-text">
        <strong>{title}</strong>
        {children ? <div>{children}</div> : null}
      </div>
      {action}
      {onDismiss ? (
        <button type="button" className="icon-button" aria-label="Dismiss" onClick={onDismiss}>
          <CloseIcon size={16} />
        </button>
      ) : null}
    </div>
  );
}

/** What the operator must set when the gateway has no model provider (code `model_not_configured`). */
export function ModelNotConfiguredBanner({ message, onDismiss }: { message: string; onDismiss: () => void }) {
  return (
    <Banner tone="warn" title="No model provider is configured on the server" onDismiss={onDismiss}>
      <p>
        The platform runs, but it cannot call a model yet. The operator must set AWS credentials (<code>AWS_ACCESS_KEY_ID</code> and{' '}
        <code>AWS_SECRET_ACCESS_KEY</code>, or a profile or role) and <code>AWS_REGION</code> for Amazon Bedrock — or{' '}
        <code>use_bedrock=0</code> with <code>COMPATIBLE_API_BASE</code> (and <code>COMPATIBLE_API_KEY</code>) for an OpenAI-compatible
        provider such as a local Ollama server — and restart the platform.
      </p>
      {message ? <p className="muted small">Gateway: {message}</p> : null}
    </Banner>
  );
}
