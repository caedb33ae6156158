import { fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayClient } from '../../api/gateway-client.js';
import { sendJson, startHttpStub, type HttpStub } from '../../testing/http-stub.js';
import { AddServerDialog } from './add-server-dialog.js';

let stub: HttpStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

async function renderDialog(handler: Parameters<typeof startHttpStub>[0] = (_req, res) => sendJson(res, 200, { errno: 0, msg: 'ok', data: { tools: [] } })) {
  stub = await startHttpStub(handler);
  const client = new GatewayClient({ baseUrl: stub.url, csrfToken: 'csrf-1' });
  const onAdded = vi.fn();
  render(<AddServerDialog client={client} onClose={() => undefined} onAdded={onAdded} />);
  return { onAdded, stub };
}

const paste = (text: string) => fireEvent.change(screen.getByLabelText('Configuration (Claude Desktop format)'), { target: { value: text } });

describe('AddServerDialog', () => {
  it('refuses invalid JSON with a message and sends nothing', async () => {
    const { onAdded, stub: server } = await renderDialog();
    paste('{"mcpServers": {"x": {"args": []}}}');
    await userEvent.click(screen.getByRole('button', { name: 'Add server' }));
    const field = screen.getByLabelText('Configuration (Claude Desktop format)');
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(field).toHaveAccessibleDescription('Server "x" needs a "command" (stdio) or a "url" (HTTP).');
    expect(server.requests).toEqual([]);
    expect(onAdded).not.toHaveBeenCalled();
  });

  it('posts pasted JSON as config_json and reports the new server id', async () => {
    const { onAdded, stub: server } = await renderDialog();
    paste('{"mcpServers": {"everything": {"command": "mcp-server-everything", "args": ["stdio"]}}}');
    await userEvent.click(screen.getByRole('button', { name: 'Add server' }));
    await vi.waitFor(() => expect(onAdded).toHaveBeenCalledWith('everything'));
    expect(server.requests[0]).toMatchObject({ method: 'POST', url: '/v1/add/mcp_server' });
    expect(JSON.parse(server.requests[0]!.body)).toMatchObject({
      server_id: 'everything',
      config_json: { mcpServers: { everything: { command: 'mcp-server-everything', args: ['stdio'] } } },
    });
  });

  it('shows the gateway\'s reason when it does not add the server', async () => {
    await renderDialog((_req, res) =>
      sendJson(res, 403, { errno: -1, msg: 'user stdio servers must come from the catalog', error: { message: 'user stdio servers must come from the catalog', type: 'permission_error', code: 'forbidden', param: null } }),
    );
    paste('{"mcpServers": {"mine": {"command": "bash"}}}');
    await userEvent.click(screen.getByRole('button', { name: 'Add server' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The gateway did not add the server: user stdio servers must come from the catalog');
  });

  it('adds through the form of fields, naming wrong fields first', async () => {
    const user = userEvent.setup();
    const { onAdded, stub: server } = await renderDialog();
    await user.click(screen.getByRole('tab', { name: 'Fill in fields' }));
    await user.click(screen.getByRole('button', { name: 'Add server' }));
    expect(screen.getByLabelText('Server id')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Command')).toHaveAttribute('aria-invalid', 'true');
    await user.type(screen.getByLabelText('Server id'), 'everything');
    await user.type(screen.getByLabelText('Command'), 'mcp-server-everything');
    await user.type(screen.getByLabelText('Arguments'), 'stdio');
    await user.click(screen.getByRole('button', { name: 'Add server' }));
    await vi.waitFor(() => expect(onAdded).toHaveBeenCalledWith('everything'));
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ server_id: 'everything', server_desc: '', command: 'mcp-server-everything', args: ['stdio'], env: {}, config_json: {} });
  });
});
