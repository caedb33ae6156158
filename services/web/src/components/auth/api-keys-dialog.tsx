import { CreateApiKeyRequestSchema, type ApiKeyInfo, type CreateApiKeyResponse } from '@bedrock-mcp/contracts';
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { GatewayClient } from '../../api/gateway-client.js';
import { describeGatewayError } from '../../api/gateway-error.js';
import { CopyButton } from '../chat/copy-button.js';
import { KeyIcon, TrashIcon } from '../common/icons.js';
import { Modal } from '../common/modal.js';

export interface ApiKeysDialogProps {
  client: Pick<GatewayClient, 'listApiKeys' | 'createApiKey' | 'revokeApiKey' | 'baseUrl'>;
  userId: string;
  onClose: () => void;
}

type Field = 'name' | 'expires_in_days';
const FIELD_ERROR: Record<Field, string> = {
  name: 'Give the key a name (at most 100 characters), for example the script that will use it.',
  expires_in_days: 'A whole number of days from 1 to 3650, or empty for a key that does not expire.',
};

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
/** An ISO 8601 time from the gateway, in the reader's locale. */
function Time({ iso }: { iso: string }) {
  const time = new Date(iso);
  return <time dateTime={iso}>{Number.isNaN(time.getTime()) ? iso : dateTime.format(time)}</time>;
}

/**
 * The signed-in user's personal API keys, for scripts and integrations that act as them: create
 * (the key is shown once), list, revoke. A key acts only as its user and stops at once when revoked.
 */
export function ApiKeysDialog({ client, userId, onClose }: ApiKeysDialogProps) {
  const id = useId();
  const [keys, setKeys] = useState<ApiKeyInfo[]>();
  const [listError, setListError] = useState<string>();
  const [name, setName] = useState('');
  const [days, setDays] = useState('');
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const [createError, setCreateError] = useState<string>();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreateApiKeyResponse>();
  const [revokeError, setRevokeError] = useState<string>();
  const listHeadingRef = useRef<HTMLHeadingElement>(null);
  const nameRef = useRef<HTMLInputElement>(null);

  const refresh = useCallback(async () => {
    try {
      setKeys(await client.listApiKeys());
      setListError(undefined);
    } catch (error) {
      setListError(describeGatewayError(error));
    }
  }, [client]);
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setCreateError(undefined);
    const request = CreateApiKeyRequestSchema.safeParse({ name, ...(days.trim() ? { expires_in_days: Number(days) } : {}) });
    if (!request.success) {
      const errors: Partial<Record<Field, string>> = {};
      for (const issue of request.error.issues) {
        const field = issue.path[0];
        if (field === 'name' || field === 'expires_in_days') errors[field] = FIELD_ERROR[field];
      }
      setFieldErrors(errors);
      return;
    }
    setFieldErrors({});
    setCreating(true);
    try {
      setCreated(await client.createApiKey(request.data));
      setName('');
      setDays('');
      await refresh();
    } catch (error) {
      setCreateError(describeGatewayError(error));
    } finally {
      setCreating(false);
    }
  };

  const revoke = async (key: ApiKeyInfo) => {
    setRevokeError(undefined);
    try {
      await client.revokeApiKey(key.id);
      setKeys((current) => current?.filter((candidate) => candidate.id !== key.id));
      if (created?.id === key.id) setCreated(undefined);
      // The row that had focus is gone: keep keyboard users in the dialog, at the list.
      listHeadingRef.current?.focus();
    } catch (error) {
      setRevokeError(`“${key.name}” was not revoked: ${describeGatewayError(error)}`);
    }
  };

  const described = (field: Field) => (fieldErrors[field] ? `${id}-${field}-error` : `${id}-${field}-hint`);

  return (
    <Modal title="API keys" onClose={onClose} wide>
      <p className="lead-small">
        A personal API key lets a script or an integration use the API as you (<code>{userId}</code>), and only as you. Send it as{' '}
        <code>Authorization: Bearer &lt;key&gt;</code> to <code className="api-base-url">{client.baseUrl}/v1</code>.
      </p>

      {created ? (
        <section className="new-key" aria-labelledby={`${id}-new`} data-testid="new-key">
          <h3 id={`${id}-new`}>
            <KeyIcon size={16} /> Copy your new key “{created.name}” now
          </h3>
          <p className="new-key-warning" role="alert">
            It will not be shown again: store it where the integration reads its secrets. If it is lost, revoke it and create another.
          </p>
          <div className="input-with-button">
            <input className="code-input" readOnly value={created.key} aria-label="New API key" onFocus={(event) => event.currentTarget.select()} />
            <CopyButton text={created.key} label="Copy key" />
          </div>
          <div className="button-row">
            <button
              type="button"
              className="button button-secondary"
              onClick={() => {
                setCreated(undefined);
                // The panel that had focus is gone: on to the next key.
                nameRef.current?.focus();
              }}
            >
              Done, I have copied it
            </button>
          </div>
        </section>
      ) : null}

      <section className="settings-section" aria-labelledby={`${id}-create`}>
        <h3 id={`${id}-create`}>Create a key</h3>
        <form onSubmit={(event) => void create(event)} noValidate>
          <div className="form-row form-row-wide-first">
            <div className={`field${fieldErrors.name ? ' field-invalid' : ''}`}>
              <label htmlFor={`${id}-name`}>Name</label>
              <input
                ref={nameRef}
                id={`${id}-name`}
                value={name}
                maxLength={200}
                placeholder="nightly report script"
                onChange={(event) => setName(event.target.value)}
                aria-invalid={Boolean(fieldErrors.name)}
                aria-describedby={described('name')}
              />
              {fieldErrors.name ? (
                <p className="field-error" id={`${id}-name-error`}>
                  {fieldErrors.name}
                </p>
              ) : (
                <p className="field-hint" id={`${id}-name-hint`}>
                  What uses it, so you know which one to revoke.
                </p>
              )}
            </div>
            <div className={`field${fieldErrors.expires_in_days ? ' field-invalid' : ''}`}>
              <label htmlFor={`${id}-days`}>Expires after (days)</label>
              <input
                id={`${id}-days`}
                type="number"
                inputMode="numeric"
                min={1}
                max={3650}
                value={days}
                placeholder="never"
                onChange={(event) => setDays(event.target.value)}
                aria-invalid={Boolean(fieldErrors.expires_in_days)}
                aria-describedby={described('expires_in_days')}
              />
              {fieldErrors.expires_in_days ? (
                <p className="field-error" id={`${id}-expires_in_days-error`}>
                  {fieldErrors.expires_in_days}
                </p>
              ) : (
                <p className="field-hint" id={`${id}-expires_in_days-hint`}>
                  Empty: it works until you revoke it.
                </p>
              )}
            </div>
          </div>
          {createError ? (
            <p className="field-error" role="alert">
              {createError}
            </p>
          ) : null}
          <button type="submit" className="button button-primary" disabled={creating}>
            {creating ? 'Creating…' : 'Create key'}
          </button>
        </form>
      </section>

      <section className="settings-section" aria-labelledby={`${id}-list`}>
        <h3 id={`${id}-list`} ref={listHeadingRef} tabIndex={-1}>
          Your keys
        </h3>
        {listError ? (
          <p className="field-error" role="alert">
            Could not list your keys: {listError}
          </p>
        ) : null}
        {revokeError ? (
          <p className="field-error" role="alert">
            {revokeError}
          </p>
        ) : null}
        {keys === undefined && !listError ? <p className="muted small">Loading…</p> : null}
        {keys?.length === 0 ? <p className="muted small">No keys yet.</p> : null}
        {keys && keys.length > 0 ? (
          <div className="key-table-scroll">
            <table className="key-table" aria-labelledby={`${id}-list`}>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.map((key) => (
                  <KeyRow key={key.id} apiKey={key} onRevoke={() => revoke(key)} />
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </Modal>
  );
}

function KeyRow({ apiKey, onRevoke }: { apiKey: ApiKeyInfo; onRevoke: () => Promise<void> }) {
  const [confirming, setConfirming] = useState(false);
  const [revoking, setRevoking] = useState(false);
  const expired = apiKey.expires_at !== null && Date.parse(apiKey.expires_at) <= Date.now();
  return (
    <tr data-testid="api-key-row" data-key-id={apiKey.id}>
      <th scope="row" className="key-name">
        {apiKey.name}
      </th>
      <td>
        <code>{apiKey.prefix}…</code>
      </td>
      <td>
        <Time iso={apiKey.created_at} />
      </td>
      <td>
        {apiKey.expires_at === null ? <span className="muted">Never</span> : <Time iso={apiKey.expires_at} />}
        {expired ? <span className="badge badge-danger">expired</span> : null}
      </td>
      <td>{apiKey.last_used_at === null ? <span className="muted">Never used</span> : <Time iso={apiKey.last_used_at} />}</td>
      <td className="key-actions">
        {confirming ? (
          <span className="confirm" role="group" aria-label={`Confirm revoking ${apiKey.name}`}>
            <span>Revoke? What uses it stops working at once.</span>
            <button
              type="button"
              className="link-button danger"
              disabled={revoking}
              autoFocus
              onClick={() => {
                setRevoking(true);
                void onRevoke().finally(() => setRevoking(false));
              }}
            >
              Yes, revoke
            </button>
            <button type="button" className="link-button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" className="link-button danger" onClick={() => setConfirming(true)} aria-label={`Revoke ${apiKey.name}`}>
            <TrashIcon size={13} /> Revoke
          </button>
        )}
      </td>
    </tr>
  );
}
