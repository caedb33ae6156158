import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VoiceTicketRequestSchema, type VoiceServerFrame } from '@bedrock-mcp/contracts';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { GatewayClient } from '../api/gateway-client.js';
import { emptyConversation } from '../chat/conversation.js';
import { MessageList } from '../components/chat/message-list.js';
import { VoiceBanners } from '../components/chat/voice-banners.js';
import { VoiceButton } from '../components/chat/voice-button.js';
import type { MicCapture } from './mic-capture.js';
import { VoiceConnection, type VoiceSessionRequest, type VoiceWebSocketLike } from './voice-connection.js';
import { useVoice, type UseVoiceOptions, type VoicePlayer } from './use-voice.js';

/** jsdom's global WebSocket does not work in this environment: the `ws` client stands in for the browser's. */
const openWithWs: typeof VoiceConnection.open = (client, request, handlers, options) =>
  VoiceConnection.open(client, request, handlers, { ...options, createWebSocket: (socketUrl) => new WebSocket(socketUrl) as unknown as VoiceWebSocketLike });

const REQUEST: VoiceSessionRequest = { voiceId: 'tiffany', mcpServerIds: ['everything', 'cot'], keepSession: true };

function VoiceHarness({ gatewayUrl, options = {} }: { gatewayUrl: string; options?: Partial<UseVoiceOptions> }) {
  // The stand-in gateway's origin plays the page's.
  const voice = useVoice({ client: new GatewayClient({ baseUrl: gatewayUrl, csrfToken: 'csrf-1' }), origin: new URL(gatewayUrl), anchor: 0, openConnection: openWithWs, ...options });
  return (
    <>
      <VoiceBanners state={voice.state} onDismiss={voice.dismiss} />
      <VoiceButton status={voice.state.status} speaking={voice.state.speaking} onStart={() => void voice.start(REQUEST)} onStop={voice.stop} />
      <MessageList conversation={emptyConversation('c-voice')} voiceItems={voice.state.items} empty={<p>Nothing said yet</p>} />
    </>
  );
}

/** A stand-in gateway on loopback: the ticket route and the voice socket, driven by the test. */
async function startVoiceGateway() {
  const tickets: Array<{ body: unknown; csrfToken: string | undefined }> = [];
  const sockets: Array<{ socket: WebSocket; url: string; audio: Buffer[] }> = [];
  let ticketStatus = 200;
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.setHeader('access-control-allow-origin', '*');
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && req.url === '/v1/voice/ticket') {
        tickets.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'), csrfToken: req.headers['x-csrf-token'] as string | undefined });
        res.statusCode = ticketStatus;
        res.end(ticketStatus === 200 ? JSON.stringify({ ticket: 't'.repeat(43), expires_in: 60 }) : JSON.stringify({ error: { message: 'The session expired.', type: 'authentication_error', code: 'unauthorized', param: null } }));
        return;
      }
      res.statusCode = 404;
      res.end('{}');
    });
  });
  const wss = new WebSocketServer({ server, path: '/ws/user-audio' });
  wss.on('connection', (socket, req) => {
    const entry = { socket, url: req.url ?? '', audio: [] as Buffer[] };
    sockets.push(entry);
    socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) entry.audio.push(data);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tickets,
    sockets,
    failTickets: () => (ticketStatus = 401),
    send: (frame: VoiceServerFrame) => sockets.at(-1)!.socket.send(JSON.stringify(frame)),
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let gateway: Awaited<ReturnType<typeof startVoiceGateway>> | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  Reflect.deleteProperty(navigator, 'mediaDevices');
});

describe('voice mode errors', () => {
  it('says the page must be secure when the browser offers no navigator.mediaDevices', async () => {
    expect(navigator.mediaDevices).toBeUndefined(); // jsdom, like a page on plain http
    render(<VoiceHarness gatewayUrl="http://127.0.0.1:9" />);
    await userEvent.click(screen.getByRole('button', { name: 'Start a voice conversation' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Voice needs a secure page');
    expect(alert).toHaveTextContent('HTTPS');
    expect(screen.getByTestId('voice-button')).toHaveAttribute('aria-pressed', 'false');
  });

  it('says how to allow the microphone when it is refused (NotAllowedError)', async () => {
    Object.defineProperty(navigator, 'mediaDevices', {
      configurable: true,
      value: { getUserMedia: () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) },
    });
    render(<VoiceHarness gatewayUrl="http://127.0.0.1:9" />);
    await userEvent.click(screen.getByRole('button', { name: 'Start a voice conversation' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The microphone is blocked');
    expect(alert).toHaveTextContent('Allow microphone access for this site');
    await userEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('reports a refused ticket and releases the microphone', async () => {
    gateway = await startVoiceGateway();
    gateway.failTickets();
    const { capture, player } = fakes();
    render(<VoiceHarness gatewayUrl={gateway.url} options={{ startCapture: capture.start, createPlayer: player.create }} />);
    await userEvent.click(screen.getByRole('button', { name: 'Start a voice conversation' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Voice could not start');
    expect(alert).toHaveTextContent('The session expired');
    expect(capture.stopped).toBe(true);
    expect(player.closed).toBe(true);
  });
});

describe('a voice conversation', () => {
  it('gets a ticket, streams the microphone, shows bubbles updated in place and tool cards, plays and cuts audio, and explains a model failure', async () => {
    gateway = await startVoiceGateway();
    const { capture, player } = fakes();
    render(<VoiceHarness gatewayUrl={gateway.url} options={{ startCapture: capture.start, createPlayer: player.create }} />);
    await userEvent.click(screen.getByRole('button', { name: 'Start a voice conversation' }));

    await waitFor(() => expect(gateway!.sockets).toHaveLength(1));
    expect(VoiceTicketRequestSchema.parse(gateway.tickets[0]!.body)).toEqual({ voice_id: 'tiffany', mcp_server_ids: ['everything', 'cot'] });
    // A POST from the session: it carries the CSRF token.
    expect(gateway.tickets[0]!.csrfToken).toBe('csrf-1');
    const query = new URL(gateway.sockets[0]!.url, gateway.url).searchParams;
    expect(Object.fromEntries(query)).toEqual({ ticket: 't'.repeat(43), voice_id: 'tiffany', mcp_server_ids: 'everything,cot', keep_session: '1' });
    expect(query.get('token')).toBeNull(); // nothing that proves who the user is goes into the URL

    gateway.send({ type: 'connection_established', sessionId: 's1' });
    gateway.send({ type: 'ready', voiceId: 'tiffany' });
    await waitFor(() => expect(screen.getByTestId('voice-button')).toHaveAttribute('aria-label', 'Stop the voice conversation'));
    for (let index = 0; index < 3; index += 1) capture.emit(new Int16Array(512).fill(index).buffer);
    await waitFor(() => expect(gateway!.sockets[0]!.audio).toHaveLength(3));
    expect(gateway.sockets[0]!.audio.map((frame) => frame.length)).toEqual([1024, 1024, 1024]);

    gateway.send({ type: 'text', role: 'user', utteranceId: 'u1', content: 'echo hello', final: true, user: 'echo hello' });
    gateway.send({ type: 'toolUse', toolUseId: 't1', name: 'everything__echo', input: { message: 'hello' } });
    gateway.send({ type: 'toolResult', toolUseId: 't1', name: 'everything__echo', content: 'Echo: hello', isError: false });
    gateway.send({ type: 'text', role: 'assistant', utteranceId: 'a1', content: 'The tool said hello.', final: false });
    await screen.findByRole('region', { name: 'Tool call echo: Done' });
    await waitFor(() => expect(screen.getAllByTestId('voice-bubble')).toHaveLength(2));
    expect(screen.getAllByTestId('voice-bubble')[1]).toHaveAttribute('data-final', 'false');
    gateway.send({ type: 'text', role: 'assistant', utteranceId: 'a1', content: 'The tool said hello.', final: true });
    await waitFor(() => expect(screen.getAllByTestId('voice-bubble')[1]).toHaveAttribute('data-final', 'true'));
    expect(screen.getAllByTestId('voice-bubble').map((bubble) => bubble.textContent)).toEqual(['Spoken: echo hello', 'The tool said hello.']);

    gateway.send({ type: 'audio_data', data: 'AAABAA==', sampleRate: 24_000 });
    gateway.send({ type: 'interrupted' });
    await waitFor(() => expect(player.log).toEqual(['audio AAABAA==', 'clear']));

    gateway.send({ type: 'error', code: 'rate_limit_exceeded', message: 'the voice model failed: Too many requests' });
    // First a notice; the close that follows turns it into the reason the conversation ended.
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('Too many requests'));
    gateway.sockets[0]!.socket.close(1011, 'the voice model failed');
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('The voice model failed'));
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('Too many requests');
    expect(screen.getByTestId('voice-button')).toHaveAttribute('aria-pressed', 'false');
    expect(capture.stopped).toBe(true);
    expect(player.closed).toBe(true);
    // The transcript stays.
    expect(screen.getAllByTestId('voice-bubble')).toHaveLength(2);
  });

  it('ends the conversation when the user presses stop, without an error', async () => {
    gateway = await startVoiceGateway();
    const { capture, player } = fakes();
    render(<VoiceHarness gatewayUrl={gateway.url} options={{ startCapture: capture.start, createPlayer: player.create }} />);
    await userEvent.click(screen.getByRole('button', { name: 'Start a voice conversation' }));
    await waitFor(() => expect(gateway!.sockets).toHaveLength(1));
    gateway.send({ type: 'ready', voiceId: 'tiffany' });
    await userEvent.click(await screen.findByRole('button', { name: 'Stop the voice conversation' }));
    await waitFor(() => expect(screen.getByTestId('voice-button')).toHaveAttribute('aria-label', 'Start a voice conversation'));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(capture.stopped).toBe(true);
  });
});

function fakes() {
  const capture = {
    stopped: false,
    emit: (_frame: ArrayBuffer): void => undefined,
    start: async (onFrame: (frame: ArrayBuffer) => void): Promise<MicCapture> => {
      capture.emit = onFrame;
      return {
        stop: async () => {
          capture.stopped = true;
        },
      };
    },
  };
  const player = {
    log: [] as string[],
    closed: false,
    create: (): VoicePlayer => ({
      ready: async () => undefined,
      enqueue: (data) => player.log.push(`audio ${data}`),
      clear: () => player.log.push('clear'),
      close: async () => {
        player.closed = true;
      },
    }),
  };
  return { capture, player };
}
