import { useId, useState, type FormEvent } from 'react';
import { GatewayClient } from '../../api/gateway-client.js';
import { describeGatewayError } from '../../api/gateway-error.js';
import { validateConnectionSettings, type ConnectionField, type ConnectionSettings } from '../../settings/connection-settings.js';

export interface ConnectionFormProps {
  initial: ConnectionSettings;
  /** Called once the gateway accepted the settings (a model list was read with them). */
  onSaved: (settings: ConnectionSettings) => void;
  submitLabel?: string;
  /** For tests: the fetch the connection check uses. */
  fetchImpl?: typeof fetch;
}

/** Gateway URL, API key and user id; checked against the gateway before they are kept. */
export function ConnectionForm({ initial, onSaved, submitLabel = 'Connect', fetchImpl }: ConnectionFormProps) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<Partial<Record<ConnectionField, string>>>({});
  const [checking, setChecking] = useState(false);
  const [gatewayError, setGatewayError] = useState<string>();
  const [showKey, setShowKey] = useState(false);
  const id = useId();
  const set = (field: ConnectionField, value: string) => setValues((current) => ({ ...current, [field]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const settings: ConnectionSettings = {
      gatewayUrl: values.gatewayUrl.trim().replace(/\/+$/, ''),
      apiKey: values.apiKey.trim(),
      userId: values.userId.trim(),
    };
    const found = validateConnectionSettings(settings);
    setErrors(found);
    setGatewayError(undefined);
    if (Object.keys(found).length > 0) return;
    setChecking(true);
    try {
      await new GatewayClient(settings, { fetchImpl, timeoutMs: 10_000 }).listModels();
      onSaved(settings);
    } catch (caught) {
      setGatewayError(describeGatewayError(caught));
    } finally {
      setChecking(false);
    }
  };

  const described = (field: ConnectionField, hint: string) => (errors[field] ? `${id}-${field}-error` : `${id}-${field}-hint ${hint}`.trim());

  return (
    <form className="connection-form" onSubmit={(event) => void submit(event)} noValidate>
      <div className={`field${errors.gatewayUrl ? ' field-invalid' : ''}`}>
        <label htmlFor={`${id}-gatewayUrl`}>Gateway URL</label>
        <input
          id={`${id}-gatewayUrl`}
          type="url"
          value={values.gatewayUrl}
          placeholder="http://localhost:7002"
          spellCheck={false}
          onChange={(event) => set('gatewayUrl', event.target.value)}
          aria-invalid={Boolean(errors.gatewayUrl)}
          aria-describedby={described('gatewayUrl', '')}
        />
        {errors.gatewayUrl ? (
          <p className="field-error" id={`${id}-gatewayUrl-error`}>
            {errors.gatewayUrl}
          </p>
        ) : (
          <p className="field-hint" id={`${id}-gatewayUrl-hint`}>
            Where the platform's API runs (port 7002 by default).
          </p>
        )}
      </div>
      <div className={`field${errors.apiKey ? ' field-invalid' : ''}`}>
        <label htmlFor={`${id}-apiKey`}>API key</label>
        <div className="input-with-button">
          <input
            id={`${id}-apiKey`}
            type={showKey ? 'text' : 'password'}
            value={values.apiKey}
            autoComplete="off"
            spellCheck={false}
            onChange={(event) => set('apiKey', event.target.value)}
            aria-invalid={Boolean(errors.apiKey)}
            aria-describedby={described('apiKey', '')}
          />
          <button type="button" className="button button-ghost" onClick={() => setShowKey(!showKey)} aria-pressed={showKey}>
            {showKey ? 'Hide' : 'Show'}
          </button>
        </div>
        {errors.apiKey ? (
          <p className="field-error" id={`${id}-apiKey-error`}>
            {errors.apiKey}
          </p>
        ) : (
          <p className="field-hint" id={`${id}-apiKey-hint`}>
            The value of API_KEY on the gateway (ask your operator). Kept in this browser only.
          </p>
        )}
      </div>
      <div className={`field${errors.userId ? ' field-invalid' : ''}`}>
        <label htmlFor={`${id}-userId`}>User id</label>
        <input
          id={`${id}-userId`}
          value={values.userId}
          placeholder="e.g. alice"
          spellCheck={false}
          onChange={(event) => set('userId', event.target.value)}
          aria-invalid={Boolean(errors.userId)}
          aria-describedby={described('userId', '')}
        />
        {errors.userId ? (
          <p className="field-error" id={`${id}-userId-error`}>
            {errors.userId}
          </p>
        ) : (
          <p className="field-hint" id={`${id}-userId-hint`}>
            Names whose history and MCP servers you use (sent as X-User-ID). Optional.
          </p>
        )}
      </div>
      {gatewayError ? (
        <p className="inline-error" role="alert">
          {gatewayError}
        </p>
      ) : null}
      <button type="submit" className="button button-primary button-block" disabled={checking}>
        {checking ? 'Checking the connection…' : submitLabel}
      </button>
    </form>
  );
}
