import type { ApiKeyInfo } from '@bedrock-mcp/contracts';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayClient } from '../../api/gateway-client.js';
import { sendJson, startHttpStub, type HttpStub } from '../../testing/http-stub.js';
import { ApiKeysDialog } from './api-keys-dialog.js';

const NEW_KEY = 'bmk_Zx8sJ2mQ0vT7wY4pL9nB3cD6fG1hK5rE';

/** The keys API of one user, kept in memory, as the gateway answers it. */
async function startKeysApi(initial: ApiKeyInfo[] = []) {
  const keys = [...initial];
  let counter = 0;
  const stub = await startHttpStub((req, res) => {
    if (req.method === 'GET' && req.url === '/v1/keys') return sendJson(res, 200, { data: keys });
    if (req.method === 'POST' && req.url === '/v1/keys') {
      const body = JSON.parse(req.body) as { name: string; expires_in_days?: number };
      if (body.name === 'taken') return sendJson(res, 409, { error: { message: 'You already have 20 keys: revoke one first.', type: 'invalid_request_error', code: 'conflict', param: null } });
      counter += 1;
      const created = { id: `00000000000${counter}`, name: body.name, prefix: NEW_KEY.slice(0, 8), created_at: '2026-12-06T08:00:00.000Z', expires_at: body.expires_in_days ? '2027-01-05T08:00:00.000Z' : null };
      keys.push({ ...created, last_used_at: null });
      return sendJson(res, 201, { ...created, key: NEW_KEY });
    }
    const revoked = /^\/v1\/keys\/([0-9a-f]{12})$/.exec(req.url)?.[1];
    if (req.method === 'DELETE' && revoked) {
      const at = keys.findIndex((key) => key.id === revoked);
      if (at < 0) return sendJson(res, 404, { error: { message: 'No such key.', type: 'invalid_request_error', code: 'not_found', param: null } });
      keys.splice(at, 1);
      res.writeHead(204).end();
      return;
    }
    sendJson(res, 404, {});
  });
  return { stub, keys };
}

let stub: HttpStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

async function renderDialog(initial: ApiKeyInfo[] = []) {
  const api = await startKeysApi(initial);
  stub = api.stub;
  render(<ApiKeysDialog client={new GatewayClient({ baseUrl: api.stub.url, csrfToken: 'csrf-1' })} userId="alice" onClose={() => undefined} />);
  return api;
}

const USED: ApiKeyInfo = {
  id: 'abcdefabcdef',
  name: 'nightly report',
  prefix: 'bmk_Ab12',
  created_at: '2026-11-01T09:30:00.000Z',
  expires_at: '2026-11-02T09:30:00.000Z',
  last_used_at: '2026-11-01T22:00:00.000Z',
};

describe('ApiKeysDialog', () => {
  it('creates a key and shows it once, with a copy button and a warning; then lists it without the key', async () => {
    const { stub: api } = await renderDialog();
    const user = userEvent.setup();
    await screen.findByText('No keys yet.');
    expect(screen.getByText(`${api.url}/v1`)).toBeInTheDocument();
    // The dialog opens with the name field focused.
    expect(screen.getByLabelText('Name')).toHaveFocus();
    await user.keyboard('ci pipeline');
    await user.type(screen.getByLabelText('Expires after (days)'), '30');
    await user.click(screen.getByRole('button', { name: 'Create key' }));

    const shown = await screen.findByTestId('new-key');
    expect(within(shown).getByLabelText('New API key')).toHaveValue(NEW_KEY);
    expect(within(shown).getByRole('alert')).toHaveTextContent('It will not be shown again');
    expect(within(shown).getByRole('button', { name: 'Copy key' })).toBeInTheDocument();
    const post = api.requests.find((request) => request.method === 'POST');
    expect(JSON.parse(post!.body)).toEqual({ name: 'ci pipeline', expires_in_days: 30 });
    expect(post!.headers['x-csrf-token']).toBe('csrf-1');

    const row = await screen.findByRole('row', { name: /ci pipeline/ });
    expect(row).toHaveTextContent('bmk_Zx8s…');
    expect(row).toHaveTextContent('Never used');
    expect(row).not.toHaveTextContent(NEW_KEY);

    await user.click(screen.getByRole('button', { name: 'Done, I have copied it' }));
    expect(screen.getByLabelText('Name')).toHaveFocus();
    expect(screen.queryByDisplayValue(NEW_KEY)).toBeNull();
    expect(document.body).not.toHaveTextContent(NEW_KEY);
  });

  it('lists name, prefix, created, expiry (marked when past) and last use', async () => {
    await renderDialog([USED, { ...USED, id: '123456123456', name: 'forever', expires_at: null, last_used_at: null }]);
    const used = await screen.findByRole('row', { name: /nightly report/ });
    expect(used).toHaveTextContent('bmk_Ab12…');
    expect(used).toHaveTextContent('2026');
    expect(within(used).getByText('expired')).toBeInTheDocument();
    const forever = screen.getByRole('row', { name: /forever/ });
    expect(forever).toHaveTextContent('Never');
    expect(forever).toHaveTextContent('Never used');
  });

  it('refuses an empty name and an expiry out of range in the browser, and sends nothing', async () => {
    const { stub: api } = await renderDialog();
    const user = userEvent.setup();
    await screen.findByText('No keys yet.');
    await user.type(screen.getByLabelText('Name'), '   ');
    await user.type(screen.getByLabelText('Expires after (days)'), '5000');
    await user.click(screen.getByRole('button', { name: 'Create key' }));
    expect(screen.getByLabelText('Name')).toHaveAccessibleDescription(/Give the key a name/);
    expect(screen.getByLabelText('Expires after (days)')).toHaveAccessibleDescription(/from 1 to 3650/);
    expect(api.requests.filter((request) => request.method === 'POST')).toEqual([]);
  });

  it('shows the gateway\'s reason when it refuses to create a key', async () => {
    await renderDialog();
    const user = userEvent.setup();
    await screen.findByText('No keys yet.');
    await user.type(screen.getByLabelText('Name'), 'taken');
    await user.click(screen.getByRole('button', { name: 'Create key' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('You already have 20 keys: revoke one first.');
    expect(screen.queryByTestId('new-key')).toBeNull();
  });

  it('revokes a key after a confirmation, from the keyboard', async () => {
    const { stub: api, keys } = await renderDialog([USED]);
    const user = userEvent.setup();
    const revoke = await screen.findByRole('button', { name: 'Revoke nightly report' });
    revoke.focus();
    await user.keyboard('{Enter}');
    const confirm = screen.getByRole('group', { name: 'Confirm revoking nightly report' });
    expect(within(confirm).getByRole('button', { name: 'Yes, revoke' })).toHaveFocus();
    // Cancel keeps it.
    await user.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(api.requests.filter((request) => request.method === 'DELETE')).toEqual([]);
    screen.getByRole('button', { name: 'Revoke nightly report' }).focus();
    await user.keyboard('{Enter}');
    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.queryByRole('row', { name: /nightly report/ })).toBeNull());
    const deleted = api.requests.find((request) => request.method === 'DELETE');
    expect(deleted?.url).toBe('/v1/keys/abcdefabcdef');
    expect(deleted?.headers['x-csrf-token']).toBe('csrf-1');
    expect(keys).toEqual([]);
    // Focus stays in the dialog, at the list.
    expect(screen.getByRole('heading', { name: 'Your keys' })).toHaveFocus();
  });
});
