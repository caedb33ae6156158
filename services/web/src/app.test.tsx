import { createServer, type Server } from 'node:http';
import type { AuthMode, MeResponse } from '@bedrock-mcp/contracts';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as WsWebSocket, WebSocketServer } from 'ws';
import { App } from './app.js';
import { markSignInRedirect } from './auth/sign-in-redirect.js';
import { listenOnLoopback, type RecordedRequest } from './testing/http-stub.js';

const LOCAL_ME: MeResponse = { user_id: 'local', display_name: 'Local user', auth_method: 'local', csrf_token: 'csrf-local' };
const ALICE: MeResponse = { user_id: 'alice@example.com', display_name: 'Alice Example', auth_method: 'oidc', csrf_token: 'csrf-alice' };
const unauthorized = { error: { message: 'Sign in first.', type: 'authentication_error', code: 'unauthorized', param: null } };

/**
 * A stand-in gateway on loopback with the sign-in routes, the few REST routes the chat screen
 * reads at start, and a chat WebSocket that is ready at once (as the real one is for a session).
 */
async function startAuthGateway(options: { mode: AuthMode; me?: MeResponse; refuse?: string[]; down?: boolean; refuseSockets?: boolean }) {
  const state = { me: options.me, refuse: new Set(options.refuse ?? []), down: options.down ?? false };
  const requests: RecordedRequest[] = [];
  const socketFrames: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = req.url ?? '/';
      requests.push({ method: req.method ?? 'GET', url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (state.down) return json(503, { error: { message: 'The gateway is starting.', type: 'api_error', code: 'unavailable', param: null } });
      if (url === '/auth/config') return json(200, { mode: options.mode });
      if (url === '/auth/logout' || url === '/auth/logout-all') {
        state.me = undefined;
        return res.writeHead(204).end();
      }
      if (!state.me || state.refuse.has(url)) return json(401, unauthorized);
      if (url === '/v1/me') return json(200, state.me);
      if (url === '/v1/list/models') return json(200, { models: [{ model_id: 'm', model_name: 'Model M' }] });
      if (url === '/v1/mcp_servers') return json(200, { servers: [] });
      if (url.startsWith('/v1/conversations?')) return json(200, { object: 'list', data: [], next_cursor: null });
      return json(404, { error: { message: 'no route', type: 'invalid_request_error', code: 'not_found', param: null } });
    });
  });
  // refuseSockets: the upgrade is refused (403) as the gateway refuses one from a foreign Origin.
  const sockets = new WebSocketServer({ server, path: '/ws/chat', verifyClient: () => !options.refuseSockets });
  sockets.on('connection', (socket) => {
    socket.send(JSON.stringify({ type: 'ready', userId: state.me?.user_id ?? 'nobody' }));
    socket.on('message', (data: Buffer) => socketFrames.push(data.toString('utf8')));
  });
  return { ...(await listenOnLoopback(server, sockets)), state, requests, socketFrames };
}

let gateway: Awaited<ReturnType<typeof startAuthGateway>> | undefined;
beforeEach(() => {
  window.history.replaceState(null, '', '/chat/');
  // jsdom's WebSocket (Node's undici one) cannot fire its events in jsdom: the `ws` client stands in for the browser's.
  vi.stubGlobal('WebSocket', WsWebSocket);
});
afterEach(async () => {
  vi.unstubAllGlobals();
  await gateway?.close();
  gateway = undefined;
});

async function renderApp(options: Parameters<typeof startAuthGateway>[0]) {
  gateway = await startAuthGateway(options);
  const navigate = vi.fn<(url: string) => void>();
  render(<App session={{ baseUrl: gateway.url, navigate }} />);
  return { gateway, navigate };
}

describe('signing in', () => {
  it('local mode: goes to sign in at once (no click), with this page as the return address', async () => {
    window.history.replaceState(null, '', '/chat/?q=1');
    const { navigate } = await renderApp({ mode: 'local' });
    await waitFor(() => expect(navigate).toHaveBeenCalledWith('/auth/login?return_to=%2Fchat%2F%3Fq%3D1'));
    expect(navigate).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('button', { name: 'Sign in' })).toBeNull();
    // Nothing asks for a gateway URL, a key or a user id.
    expect(screen.queryByRole('textbox')).toBeNull();
  });

  it('local mode: a sign-in that came back without a session is not repeated (no loop), and it says what to check', async () => {
    markSignInRedirect();
    const { navigate } = await renderApp({ mode: 'local' });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Signing in did not complete');
    expect(alert).toHaveTextContent('accepts cookies');
    expect(alert).toHaveTextContent('PUBLIC_URL');
    expect(navigate).not.toHaveBeenCalled();
  });

  it('oidc mode: the product name and one "Sign in" button, which goes to the identity provider', async () => {
    const { navigate } = await renderApp({ mode: 'oidc' });
    await screen.findByRole('heading', { name: 'Sign in' });
    expect(screen.getByText('Bedrock MCP Chat')).toBeInTheDocument();
    expect(screen.getAllByRole('button')).toHaveLength(1);
    expect(navigate).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(navigate).toHaveBeenCalledWith('/auth/login?return_to=%2Fchat%2F');
  });

  it('says when the gateway cannot be asked, and tries again', async () => {
    const { gateway: stub } = await renderApp({ mode: 'oidc', me: ALICE, down: true });
    expect(await screen.findByRole('alert')).toHaveTextContent('The gateway is starting.');
    stub.state.down = false;
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await screen.findByRole('button', { name: /Alice Example/ });
  });
});

describe('signed in', () => {
  it('shows the person (user id on hover) and the local-mode note; the chat socket is ready with no auth frame', async () => {
    const { gateway: stub } = await renderApp({ mode: 'local', me: LOCAL_ME });
    const person = await screen.findByTestId('user-button');
    expect(person).toHaveTextContent('Local user');
    expect(person).toHaveTextContent('local user — no identity provider configured');
    expect(person).toHaveAttribute('title', 'Signed in as local');
    await screen.findByText('Connected');
    expect(stub.socketFrames).toEqual([]);
    // Every call went to the one origin, none with a key or a user id.
    expect(stub.requests.every((request) => request.headers.authorization === undefined && request.headers['x-user-id'] === undefined)).toBe(true);
  });

  it('has no local-mode note for a person signed in through the identity provider', async () => {
    await renderApp({ mode: 'oidc', me: ALICE });
    const person = await screen.findByTestId('user-button');
    expect(person).toHaveTextContent('Alice Example');
    expect(person).toHaveAttribute('title', 'Signed in as alice@example.com');
    expect(person).not.toHaveTextContent('no identity provider');
  });

  it('signs out from the keyboard through the menu: POST /auth/logout with the CSRF token, then the sign-in screen (no automatic sign-in, even in local mode)', async () => {
    const { gateway: stub, navigate } = await renderApp({ mode: 'local', me: LOCAL_ME });
    const user = userEvent.setup();
    (await screen.findByTestId('user-button')).focus();
    await user.keyboard('{ArrowDown}');
    const menu = screen.getByRole('menu', { name: 'Account' });
    expect(within(menu).getAllByRole('menuitem').map((item) => item.textContent)).toEqual(['API keys', 'Sign out', 'Sign out everywhere']);
    expect(within(menu).getByRole('menuitem', { name: 'API keys' })).toHaveFocus();
    await user.keyboard('{ArrowDown}');
    expect(within(menu).getByRole('menuitem', { name: 'Sign out' })).toHaveFocus();
    await user.keyboard('{Enter}');
    await screen.findByRole('heading', { name: 'Sign in' });
    expect(screen.getByRole('status')).toHaveTextContent('You signed out.');
    const logout = stub.requests.find((request) => request.url === '/auth/logout');
    expect(logout).toMatchObject({ method: 'POST' });
    expect(logout?.headers['x-csrf-token']).toBe('csrf-local');
    expect(navigate).not.toHaveBeenCalled();
  });

  it('"Sign out everywhere" posts to /auth/logout-all; Escape closes the menu and gives focus back', async () => {
    const { gateway: stub } = await renderApp({ mode: 'oidc', me: ALICE });
    const user = userEvent.setup();
    const person = await screen.findByTestId('user-button');
    await user.click(person);
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('menu')).toBeNull();
    expect(person).toHaveFocus();
    await user.click(person);
    await user.click(screen.getByRole('menuitem', { name: 'Sign out everywhere' }));
    await screen.findByRole('heading', { name: 'Sign in' });
    expect(stub.requests.find((request) => request.url === '/auth/logout-all')?.headers['x-csrf-token']).toBe('csrf-alice');
  });

  it('returns to the sign-in when any call answers 401 (the session ended)', async () => {
    const { navigate } = await renderApp({ mode: 'oidc', me: ALICE, refuse: ['/v1/mcp_servers'] });
    await screen.findByRole('heading', { name: 'Sign in' });
    expect(screen.getByRole('status')).toHaveTextContent('Your session ended.');
    expect(navigate).not.toHaveBeenCalled();
  });

  it('in local mode, a session that ended signs in again by itself', async () => {
    const { navigate } = await renderApp({ mode: 'local', me: LOCAL_ME, refuse: ['/v1/mcp_servers'] });
    await waitFor(() => expect(navigate).toHaveBeenCalledWith('/auth/login?return_to=%2Fchat%2F'));
  });

  it('says to check PUBLIC_URL when the chat socket keeps being refused while the session is fine', async () => {
    await renderApp({ mode: 'oidc', me: ALICE, refuseSockets: true });
    const banner = await screen.findByRole('alert', {}, { timeout: 10_000 });
    expect(banner).toHaveTextContent('The chat connection keeps failing');
    expect(banner).toHaveTextContent(`PUBLIC_URL`);
    expect(banner).toHaveTextContent(window.location.origin);
    // Still signed in: nothing sent the page back to the sign-in.
    expect(screen.getByTestId('user-button')).toBeInTheDocument();
  });
});
