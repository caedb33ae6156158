import { createServer, type Server } from 'node:http';
import { WsClientFrameSchema, type MeResponse, type StreamEvent, type WsClientFrame, type WsServerFrame } from '@bedrock-mcp/contracts';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as WsWebSocket, WebSocketServer, type WebSocket } from 'ws';
import { App } from './app.js';
import { approvalAsk } from './testing/asks.js';
import { listenOnLoopback } from './testing/http-stub.js';

const ME: MeResponse = { user_id: 'local', display_name: 'Local user', auth_method: 'local', csrf_token: 'csrf-local' };
const TURN_ID = 'chatcmpl-approvals01';
const ASK = approvalAsk();

/**
 * A stand-in gateway: the REST routes the chat screen reads, and a chat socket whose turn asks
 * for an approval and, once answered, goes on as the gateway would (answered, the outcome, the
 * tool's result, the end).
 */
async function startGateway() {
  const frames: WsClientFrame[] = [];
  let seq = 0;
  const event = (draft: Record<string, unknown>): WsServerFrame => ({ type: 'event', event: { ...draft, turnId: TURN_ID, seq: ++seq, ts: Date.now() } as StreamEvent });
  const server: Server = createServer((req, res) => {
    const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/auth/config') return json({ mode: 'local' });
    if (req.url === '/v1/me') return json(ME);
    if (req.url === '/v1/list/models') return json({ models: [{ model_id: 'm', model_name: 'Model M' }] });
    if (req.url === '/v1/mcp_servers') {
      return json({
        servers: [
          { server_id: 'everything', server_name: 'everything', scope: 'global', enabled: true, transport: 'stdio', status: 'ready', require_approval: { always: { tool_names: ['echo'] } } },
          { server_id: 'quiet', server_name: 'quiet', scope: 'global', enabled: true, transport: 'stdio', status: 'ready' },
        ],
      });
    }
    if (req.url?.startsWith('/v1/conversations?')) return json({ object: 'list', data: [], next_cursor: null });
    return res.writeHead(404).end();
  });
  const sockets = new WebSocketServer({ server, path: '/ws/chat' });
  sockets.on('connection', (socket: WebSocket) => {
    const send = (frame: WsServerFrame) => socket.send(JSON.stringify(frame));
    send({ type: 'ready', userId: ME.user_id });
    socket.on('message', (data: Buffer) => {
      const frame = WsClientFrameSchema.parse(JSON.parse(data.toString('utf8')));
      frames.push(frame);
      if (frame.type === 'chat') {
        send({ type: 'accepted', requestId: frame.requestId, turnId: TURN_ID });
        send(event({ type: 'start', model: 'm', userId: ME.user_id }));
        send(event({ type: 'round_start', round: 1 }));
        send(event({ type: 'approval_request', asks: [ASK], expiresAt: Date.now() + 900_000 }));
      } else if (frame.type === 'answer') {
        send({ type: 'answered', turnId: frame.turnId });
        send(event({ type: 'approval_answer', askId: ASK.id, outcome: 'approved' }));
        send(event({ type: 'tool_call', toolUseId: 't1', name: ASK.name, serverId: 'everything', toolName: 'echo', input: { message: 'ping' } }));
        send(event({ type: 'tool_result', toolUseId: 't1', name: ASK.name, content: [{ type: 'text', text: 'Echo: ping' }], isError: false, durationMs: 3 }));
        send(event({ type: 'text_delta', text: 'The tool said ping.' }));
        send(event({ type: 'done', finishReason: 'end_turn' }));
      }
    });
  });
  return { ...(await listenOnLoopback(server, sockets)), frames };
}

let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
beforeEach(() => {
  window.history.replaceState(null, '', '/chat/');
  // As in app.test.tsx: the `ws` client stands in for the browser's WebSocket.
  vi.stubGlobal('WebSocket', WsWebSocket);
});
afterEach(async () => {
  vi.unstubAllGlobals();
  await gateway?.close();
  gateway = undefined;
});

describe('approving from the keyboard, in the chat screen', () => {
  it('the card takes the focus, Tab reaches Approve, Enter sends the answer frame; the turn then finishes', async () => {
    gateway = await startGateway();
    render(<App session={{ baseUrl: gateway.url, navigate: vi.fn() }} />);
    const user = userEvent.setup();
    await screen.findByText('Connected');

    // The sidebar marks the server that asks, with its policy in words.
    const everything = await screen.findByRole('switch', { name: /everything/ });
    expect(everything).toHaveAccessibleDescription('Asks for your approval before running echo');
    expect(screen.getByRole('switch', { name: /quiet/ })).not.toHaveAccessibleDescription();

    const box = screen.getByRole('textbox', { name: 'Message' });
    await user.type(box, 'echo ping');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Send message' })).toBeEnabled());
    await user.keyboard('{Enter}');

    const card = await screen.findByRole('region', { name: 'Approval for echo on everything' });
    await waitFor(() => expect(card).toHaveFocus());
    expect(screen.getByTestId('assistant-message')).toHaveAttribute('data-status', 'waiting');
    expect(screen.getByText('waiting for you')).toBeInTheDocument();

    await user.tab();
    expect(within(card).getByRole('button', { name: 'Approve' })).toHaveFocus();
    await user.keyboard('{Enter}');

    await waitFor(() => expect(screen.getByTestId('assistant-message')).toHaveAttribute('data-status', 'done'));
    expect(within(card).getByTestId('ask-outcome')).toHaveTextContent('Approved');
    expect(screen.getByText('The tool said ping.')).toBeInTheDocument();
    expect(screen.queryByText('waiting for you')).toBeNull();

    const chat = gateway.frames.find((frame) => frame.type === 'chat');
    expect(chat?.type === 'chat' && chat.body.conversation_id).toMatch(/^c-[a-z0-9]+-[0-9a-f]{24}$/);
    expect(gateway.frames.filter((frame) => frame.type === 'answer')).toEqual([
      { type: 'answer', turnId: TURN_ID, answers: { approvals: [{ id: ASK.id, decision: 'approve' }], elicitations: [] } },
    ]);
  });
});
