import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { GatewayClient } from '../../api/gateway-client.js';
import { describeGatewayError } from '../../api/gateway-error.js';
import {
  buildServerFormBody,
  emptyServerForm,
  parseServerJson,
  SERVER_JSON_EXAMPLE,
  type ServerFormFields,
} from '../../mcp/server-config-input.js';
import { Modal } from '../common/modal.js';

export interface AddServerDialogProps {
  client: GatewayClient;
  onClose: () => void;
  onAdded: (serverId: string) => void | Promise<void>;
}

type Mode = 'json' | 'form';

function Field({
  label,
  hint,
  error,
  children,
  id,
}: {
  label: string;
  hint?: string;
  error?: string;
  children: ReactNode;
  id: string;
}) {
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && !error ? <p className="field-hint">{hint}</p> : null}
      {error ? (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** Adds a personal MCP server from pasted `{"mcpServers": …}` JSON or from fields. */
export function AddServerDialog({ client, onClose, onAdded }: AddServerDialogProps) {
  const [mode, setMode] = useState<Mode>('json');
  const [json, setJson] = useState('');
  const [jsonError, setJsonError] = useState<string>();
  const [fields, setFields] = useState<ServerFormFields>(emptyServerForm);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<keyof ServerFormFields, string>>>({});
  const [busy, setBusy] = useState(false);
  const [submitError, setSubmitError] = useState<string>();
  const ids = useId();
  const set = (key: keyof ServerFormFields, value: string) => setFields((current) => ({ ...current, [key]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitError(undefined);
    let serverId: string;
    let body;
    if (mode === 'json') {
      const parsed = parseServerJson(json);
      if (!parsed.ok) {
        setJsonError(parsed.error);
        return;
      }
      setJsonError(undefined);
      ({ serverId, body } = parsed);
    } else {
      const built = buildServerFormBody(fields);
      if (!built.ok) {
        setFieldErrors(built.errors);
        return;
      }
      setFieldErrors({});
      ({ serverId, body } = built);
    }
    setBusy(true);
    try {
      await client.addMcpServer(body);
      await onAdded(serverId);
    } catch (caught) {
      setSubmitError(describeGatewayError(caught));
    } finally {
      setBusy(false);
    }
  };

  const tab = (value: Mode, label: string) => (
    <button
      type="button"
      role="tab"
      id={`${ids}-tab-${value}`}
      aria-selected={mode === value}
      aria-controls={`${ids}-panel`}
      className={`tab${mode === value ? ' tab-active' : ''}`}
      onClick={() => setMode(value)}
    >
      {label}
    </button>
  );

  return (
    <Modal title="Add an MCP server" onClose={onClose}>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <div className="tabs" role="tablist" aria-label="How to describe the server">
          {tab('json', 'Paste JSON')}
          {tab('form', 'Fill in fields')}
        </div>
        <div id={`${ids}-panel`} role="tabpanel" aria-labelledby={`${ids}-tab-${mode}`}>
          {mode === 'json' ? (
            <Field id={`${ids}-json`} label="Configuration (Claude Desktop format)" error={jsonError} hint="One server, as {&quot;mcpServers&quot;: {&quot;id&quot;: {&quot;command&quot;, &quot;args&quot;, &quot;env&quot;} or {&quot;url&quot;, &quot;token&quot;}}}.">
              <textarea
                id={`${ids}-json`}
                className="code-input"
                rows={10}
                spellCheck={false}
                value={json}
                placeholder={SERVER_JSON_EXAMPLE}
                aria-invalid={Boolean(jsonError)}
                aria-describedby={jsonError ? `${ids}-json-error` : undefined}
                onChange={(event) => setJson(event.target.value)}
              />
            </Field>
          ) : (
            <div className="form-grid">
              <Field id={`${ids}-id`} label="Server id" error={fieldErrors.serverId} hint="Letters, digits, _ . -">
                <input id={`${ids}-id`} value={fields.serverId} onChange={(event) => set('serverId', event.target.value)} aria-invalid={Boolean(fieldErrors.serverId)} />
              </Field>
              <Field id={`${ids}-desc`} label="Description">
                <input id={`${ids}-desc`} value={fields.description} onChange={(event) => set('description', event.target.value)} />
              </Field>
              <fieldset className="field radio-row">
                <legend>Transport</legend>
                <label>
                  <input type="radio" name={`${ids}-kind`} checked={fields.kind === 'stdio'} onChange={() => set('kind', 'stdio')} /> Command (stdio)
                </label>
                <label>
                  <input type="radio" name={`${ids}-kind`} checked={fields.kind === 'url'} onChange={() => set('kind', 'url')} /> URL (HTTP / SSE)
                </label>
              </fieldset>
              {fields.kind === 'stdio' ? (
                <>
                  <Field id={`${ids}-cmd`} label="Command" error={fieldErrors.command}>
                    <input id={`${ids}-cmd`} value={fields.command} spellCheck={false} onChange={(event) => set('command', event.target.value)} aria-invalid={Boolean(fieldErrors.command)} />
                  </Field>
                  <Field id={`${ids}-args`} label="Arguments" hint="One per line.">
                    <textarea id={`${ids}-args`} className="code-input" rows={3} spellCheck={false} value={fields.args} onChange={(event) => set('args', event.target.value)} />
                  </Field>
                  <Field id={`${ids}-env`} label="Environment" error={fieldErrors.env} hint="KEY=value, one per line (kept encrypted on the server).">
                    <textarea id={`${ids}-env`} className="code-input" rows={3} spellCheck={false} value={fields.env} onChange={(event) => set('env', event.target.value)} aria-invalid={Boolean(fieldErrors.env)} />
                  </Field>
                </>
              ) : (
                <>
                  <Field id={`${ids}-url`} label="URL" error={fieldErrors.url} hint="A path ending in /sse means legacy SSE; anything else streamable HTTP.">
                    <input id={`${ids}-url`} type="url" value={fields.url} spellCheck={false} onChange={(event) => set('url', event.target.value)} aria-invalid={Boolean(fieldErrors.url)} />
                  </Field>
                  <Field id={`${ids}-token`} label="Bearer token (optional)">
                    <input id={`${ids}-token`} type="password" autoComplete="off" value={fields.token} onChange={(event) => set('token', event.target.value)} />
                  </Field>
                </>
              )}
            </div>
          )}
        </div>
        {submitError ? (
          <p className="inline-error" role="alert">
            The gateway did not add the server: {submitError}
          </p>
        ) : null}
        <div className="modal-actions">
          <button type="button" className="button button-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? 'Adding and starting…' : 'Add server'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
