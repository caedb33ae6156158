import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConnectionSettings, saveConnectionSettings } from '../../settings/connection-settings.js';
import { sendJson, startHttpStub, type HttpStub } from '../../testing/http-stub.js';
import { FirstRunScreen } from './first-run-screen.js';

let stub: HttpStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

const initial = { gatewayUrl: 'http://localhost:7002', apiKey: '', userId: '' };

describe('FirstRunScreen', () => {
  it('says what to fill in and where the key comes from', () => {
    render(<FirstRunScreen initial={initial} onSaved={() => undefined} />);
    expect(screen.getByRole('heading', { name: 'Connect to your gateway' })).toBeInTheDocument();
    expect(screen.getByLabelText('Gateway URL')).toHaveValue('http://localhost:7002');
    expect(screen.getByLabelText('API key')).toHaveAttribute('type', 'password');
    expect(screen.getByLabelText('API key')).toHaveAccessibleDescription(/The value of API_KEY on the gateway/);
    expect(screen.getByLabelText('User id')).toHaveAccessibleDescription(/X-User-ID/);
  });

  it('names the missing fields without calling the gateway', async () => {
    const user = userEvent.setup();
    const onSaved = vi.fn();
    render(<FirstRunScreen initial={{ ...initial, gatewayUrl: 'localhost' }} onSaved={onSaved} />);
    await user.type(screen.getByLabelText('User id'), 'bad user');
    await user.click(screen.getByRole('button', { name: 'Connect and start chatting' }));
    expect(screen.getByLabelText('Gateway URL')).toHaveAccessibleDescription('Enter the gateway URL, for example http://localhost:7002.');
    expect(screen.getByLabelText('API key')).toHaveAccessibleDescription(/Enter the API key/);
    expect(screen.getByLabelText('User id')).toHaveAccessibleDescription(/may contain only letters/);
    expect(screen.getByLabelText('API key')).toHaveAttribute('aria-invalid', 'true');
    expect(onSaved).not.toHaveBeenCalled();
  });

  it('shows the gateway\'s own error when it refuses the key', async () => {
    stub = await startHttpStub((_req, res) =>
      sendJson(res, 401, { error: { message: 'invalid API key', type: 'authentication_error', code: 'unauthorized', param: null } }),
    );
    const user = userEvent.setup();
    const onSaved = vi.fn();
    render(<FirstRunScreen initial={{ ...initial, gatewayUrl: stub.url }} onSaved={onSaved} />);
    await user.type(screen.getByLabelText('API key'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Connect and start chatting' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The gateway refused the API key: invalid API key');
    expect(onSaved).not.toHaveBeenCalled();
  });

  it('keeps the settings once the gateway accepts them', async () => {
    stub = await startHttpStub((_req, res) => sendJson(res, 200, { models: [{ model_id: 'm', model_name: 'M' }] }));
    const user = userEvent.setup();
    const onSaved = vi.fn(saveConnectionSettings);
    render(<FirstRunScreen initial={{ ...initial, gatewayUrl: `${stub.url}/` }} onSaved={onSaved} />);
    await user.type(screen.getByLabelText('API key'), ' secret ');
    await user.type(screen.getByLabelText('User id'), 'alice');
    await user.click(screen.getByRole('button', { name: 'Connect and start chatting' }));
    await vi.waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(loadConnectionSettings()).toEqual({ gatewayUrl: stub.url, apiKey: 'secret', userId: 'alice' });
    expect(stub.requests[0]?.headers).toMatchObject({ authorization: 'Bearer secret', 'x-user-id': 'alice' });
  });
});
