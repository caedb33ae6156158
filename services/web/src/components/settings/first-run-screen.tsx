import type { ConnectionSettings } from '../../settings/connection-settings.js';
import { SparkIcon } from '../common/icons.js';
import { ConnectionForm } from './connection-form.js';

/** Shown until the gateway URL and API key are set: says what to fill in and where it comes from. */
export function FirstRunScreen({
  initial,
  onSaved,
  fetchImpl,
}: {
  initial: ConnectionSettings;
  onSaved: (settings: ConnectionSettings) => void;
  fetchImpl?: typeof fetch;
}) {
  return (
    <main className="first-run">
      <div className="first-run-card">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            <SparkIcon size={22} />
          </span>
          <span>Bedrock MCP Chat</span>
        </div>
        <h1>Connect to your gateway</h1>
        <p className="lead">
          Fill in where the platform's API runs and the API key it expects. The key is the <code>API_KEY</code> value set by whoever
          runs the platform; it stays in this browser.
        </p>
        <ConnectionForm initial={initial} onSaved={onSaved} fetchImpl={fetchImpl} submitLabel="Connect and start chatting" />
      </div>
    </main>
  );
}
