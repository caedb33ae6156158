import { VOICE_WS_PATH, VoiceServerFrameSchema, type VoiceServerFrame } from '@bedrock-mcp/contracts';
import type { GatewayClient } from '../api/gateway-client.js';
import { describeGatewayError } from '../api/gateway-error.js';
import { VoiceError } from './voice-failure.js';

export interface VoiceSessionRequest {
  voiceId: string;
  mcpServerIds: string[];
  /** Start from the server-side history and add the transcripts to it. */
  keepSession: boolean;
}

export interface VoiceConnectionHandlers {
  onFrame(frame: VoiceServerFrame): void;
  onClose(code: number, reason: string): void;
}

/** The parts of the browser's WebSocket the connection uses. */
export interface VoiceWebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType: BinaryType;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  send(data: string | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
}

const CONNECTING = 0;
const OPEN = 1;
/** Microphone frames kept while the socket connects (~2 s); the gateway keeps as many while it authorizes. */
const MAX_EARLY_FRAMES = 64;
/** Microphone audio (~32 KB/s) allowed to wait for the network before the connection counts as too slow (about 15 s). */
const MAX_UPLOAD_BUFFER_BYTES = 512 * 1024;

/** Where the page is: the voice socket opens on the same origin (ws: for http:, wss: for https:). */
export type PageOrigin = Pick<Location, 'protocol' | 'host'>;

function voiceSocketUrl(params: Record<string, string>, origin: PageOrigin = window.location): string {
  const url = new URL(VOICE_WS_PATH, `${origin.protocol === 'https:' ? 'wss:' : 'ws:'}//${origin.host}`);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}

/**
 * One voice conversation's socket: a single-use ticket from the REST API (nothing that proves who
 * the user is goes into the URL), then `/ws/user-audio` on the page's origin. Frames from the
 * gateway are checked against the contract; microphone frames go out as binary messages.
 */
export class VoiceConnection {
  private early: ArrayBuffer[] = [];

  private constructor(private readonly socket: VoiceWebSocketLike) {
    socket.onopen = () => {
      const early = this.early;
      this.early = [];
      for (const frame of early) this.sendAudio(frame);
    };
  }

  static async open(
    client: Pick<GatewayClient, 'createVoiceTicket'>,
    request: VoiceSessionRequest,
    handlers: VoiceConnectionHandlers,
    {
      origin = window.location,
      createWebSocket = (url) => new WebSocket(url) as unknown as VoiceWebSocketLike,
    }: { origin?: PageOrigin; createWebSocket?: (url: string) => VoiceWebSocketLike } = {},
  ): Promise<VoiceConnection> {
    let ticket: string;
    try {
      ticket = (await client.createVoiceTicket({ voice_id: request.voiceId, mcp_server_ids: request.mcpServerIds })).ticket;
    } catch (error) {
      throw new VoiceError('ticket', describeGatewayError(error));
    }
    const socket = createWebSocket(
      voiceSocketUrl(
        {
          ticket,
          voice_id: request.voiceId,
          mcp_server_ids: request.mcpServerIds.join(','),
          keep_session: request.keepSession ? '1' : '0',
        },
        origin,
      ),
    );
    socket.binaryType = 'arraybuffer';
    socket.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      let json: unknown;
      try {
        json = JSON.parse(event.data);
      } catch {
        return;
      }
      const frame = VoiceServerFrameSchema.safeParse(json);
      if (frame.success) handlers.onFrame(frame.data);
      else console.warn('voice: ignoring a frame the contract does not know', frame.error.issues[0]);
    };
    socket.onclose = (event) => handlers.onClose(event.code, event.reason);
    return new VoiceConnection(socket);
  }

  /** One microphone frame (PCM16 mono 16 kHz). */
  sendAudio(frame: ArrayBuffer): void {
    if (this.socket.readyState === CONNECTING) {
      // Keep the newest: the start of what the user says matters more than the silence before it.
      this.early.push(frame);
      if (this.early.length > MAX_EARLY_FRAMES) this.early.shift();
      return;
    }
    if (this.socket.readyState !== OPEN) return;
    if (this.socket.bufferedAmount > MAX_UPLOAD_BUFFER_BYTES) {
      this.socket.close(4000, 'the connection is too slow to send the microphone audio');
      return;
    }
    this.socket.send(frame);
  }

  /** Push-to-talk released: the utterance is complete. */
  endOfUtterance(): void {
    if (this.socket.readyState === OPEN) this.socket.send(JSON.stringify({ type: 'end_of_utterance' }));
  }

  close(): void {
    this.socket.close(1000, 'user ended voice');
  }
}
