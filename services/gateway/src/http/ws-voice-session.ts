import { VOICE_CLOSE_CODES, VoiceClientFrameSchema, zodErrorBody, type CatalogResponse, type VoiceServerFrame } from '@bedrock-mcp/contracts';
import { createPoolToolExecutor, SonicSession, sonicSessionSettings, type VoiceTurn } from '@bedrock-mcp/voice';
import { WebSocket, type RawData } from 'ws';
import { VoiceRefusal, type VoiceAdmission } from '../domain/voice-socket-authorizer.js';
import type { VoiceConversationRecord } from '../domain/voice-conversation-record.js';
import type { GatewayServices } from './gateway-services.js';
import { VoiceOutbox } from './voice-outbox.js';

export interface WsVoiceSessionOptions {
  /** Bytes the socket may hold before outgoing frames wait in the outbox. */
  highWaterBytes: number;
  /** Bytes that may wait in the outbox before the client counts as too slow and is disconnected. */
  maxQueuedBytes: number;
  /** Microphone frames kept while the socket is still being authorized (~32 ms each); beyond them the oldest go. */
  maxEarlyAudioFrames: number;
  /** Milliseconds the closing socket waits for queued frames (the last error) to go out. */
  flushTimeoutMs: number;
}

type State =
  | { kind: 'opening'; earlyAudio: Buffer[] }
  | { kind: 'live'; session: SonicSession; admission: VoiceAdmission; record: Pick<VoiceConversationRecord, 'finish'> | undefined }
  | { kind: 'closed' };

/** Close reasons must fit in a control frame (123 bytes). */
const closeReason = (text: string) => Buffer.from(text).subarray(0, 120).toString();

/**
 * One voice WebSocket: authorized from its query, then one SonicSession for its life. Binary frames
 * (PCM16 mono 16 kHz) go to the session, JSON control frames are parsed with the contract; the
 * session's frames go out through a VoiceOutbox (backpressure, barge-in, bounded memory). Closing
 * either side closes the other; the session's transcripts are flushed before `closed` resolves.
 */
export class WsVoiceSession {
  #state: State = { kind: 'opening', earlyAudio: [] };
  readonly #outbox: VoiceOutbox;
  #closing: Promise<void> | undefined;
  #untrack: (() => void) | undefined;
  /** For heartbeats: set when a pong arrives, cleared when a ping goes out. */
  alive = true;

  constructor(
    private readonly socket: WebSocket,
    private readonly services: GatewayServices,
    private readonly options: WsVoiceSessionOptions,
  ) {
    this.#outbox = new VoiceOutbox(
      { get bufferedAmount() { return socket.bufferedAmount; }, send: (data, written) => socket.send(data, written) },
      {
        highWaterBytes: options.highWaterBytes,
        maxQueuedBytes: options.maxQueuedBytes,
        onOverflow: (queuedBytes) => {
          this.#log().warn({ queuedBytes }, 'voice client too slow: closing its socket');
          void this.close(VOICE_CLOSE_CODES.clientTooSlow, 'the client did not read the audio fast enough');
        },
      },
    );
    socket.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    socket.on('pong', () => {
      this.alive = true;
    });
    socket.on('close', () => void this.close(VOICE_CLOSE_CODES.normal, 'client_gone'));
    socket.on('error', (error) => services.logger.debug({ err: error }, 'voice websocket error'));
  }

  /** Authorizes the socket from its query and starts the conversation; refusals close it with their code. */
  async open(params: URLSearchParams, onAuthorized?: () => void): Promise<void> {
    let admission: VoiceAdmission;
    let catalog: CatalogResponse;
    let history: VoiceTurn[];
    try {
      admission = await this.services.voice.authorizer.authorize(params);
      onAuthorized?.();
      catalog = await this.services.voice.pool.catalog(admission.userId, admission.mcpServerIds);
      history = admission.keepSession ? await this.services.voice.loadHistory(admission.userId) : [];
    } catch (error) {
      if (error instanceof VoiceRefusal) {
        this.services.metrics.voiceRefused.inc({ code: String(error.closeCode) });
        this.services.logger.info({ code: error.closeCode, reason: error.message }, 'voice socket refused');
        await this.close(error.closeCode, error.message);
      } else {
        this.services.logger.warn({ err: error }, 'voice session could not start');
        this.#outbox.push({ type: 'error', code: 'service_unavailable', message: 'the voice session could not start: the MCP pool or Redis is unavailable' });
        await this.close(VOICE_CLOSE_CODES.unavailable, 'a dependency is unavailable; try again later');
      }
      return;
    }
    if (this.#state.kind !== 'opening') return; // the client left meanwhile
    this.#start(admission, catalog, history, this.#state.earlyAudio);
  }

  #start(admission: VoiceAdmission, catalog: CatalogResponse, history: VoiceTurn[], earlyAudio: Buffer[]): void {
    const { settings, voice } = this.services;
    const logger = this.services.logger.child({ userId: admission.userId, component: 'voice' });
    const executeTool = createPoolToolExecutor(voice.pool, catalog.tools, { timeoutMs: settings.TOOL_CALL_TIMEOUT_MS });
    // With keep_session the exchanges join the default conversation: its history and its record.
    const record = admission.keepSession ? voice.conversationRecord(admission.userId, admission.mcpServerIds) : undefined;
    const session = new SonicSession({
      client: voice.sonic,
      executeTool: record ? record.recordingTools(executeTool, catalog.tools) : executeTool,
      onTranscript: record ? this.#transcriptSink(admission.userId, record) : undefined,
      logger,
      ...sonicSessionSettings(settings),
    });
    this.#state = { kind: 'live', session, admission, record };
    this.#untrack = this.services.trackVoiceSession();
    session.on('frame', (frame) => this.#outbox.push(frame));
    session.on('closed', ({ reason }) => {
      // The session ended on its own (the model failed): the error frame went first.
      if (reason === 'model_error' || reason === 'renewal_failed') void this.close(VOICE_CLOSE_CODES.modelFailed, 'the voice model failed');
    });
    this.#outbox.push({ type: 'connection_established', sessionId: session.id });
    for (const failure of catalog.errors) {
      this.#outbox.push({ type: 'error', code: 'upstream_error', message: `MCP server '${failure.serverId}' is unavailable (${failure.message}); its tools are not offered` });
    }
    session.start({ userId: admission.userId, voiceId: admission.voiceId, systemPrompt: settings.VOICE_SYSTEM_PROMPT, tools: catalog.tools, history });
    for (const frame of earlyAudio) session.pushAudio(frame);
    logger.info({ voiceId: admission.voiceId, servers: admission.mcpServerIds, tools: catalog.tools.length, keepSession: admission.keepSession, via: admission.via, voiceSessionId: session.id }, 'voice socket opened');
  }

  /** Each final transcript into the user's default conversation: its model history and its record. */
  #transcriptSink(userId: string, record: Pick<VoiceConversationRecord, 'record'>): (turn: VoiceTurn) => Promise<void> {
    const toHistory = this.services.voice.history.transcriptSink(userId);
    return async (turn) => {
      await Promise.all([toHistory(turn), record.record(turn)]);
    };
  }

  /**
   * Ends the conversation and the socket: the session's open utterances and transcripts are flushed,
   * queued frames get `flushTimeoutMs` to go out, then the socket closes with `code`. Idempotent.
   */
  close(code: number, reason: string): Promise<void> {
    this.#closing ??= (async () => {
      const state = this.#state;
      this.#state = { kind: 'closed' };
      if (state.kind === 'live') {
        await state.session.close(reason === 'client_gone' ? 'client_gone' : `closed ${code}`);
        // A side record: a slow store does not hold the socket open past the flush timeout.
        if (state.record) await withTimeout(state.record.finish(code === VOICE_CLOSE_CODES.modelFailed ? 'error' : 'stop_requested'), this.options.flushTimeoutMs);
      }
      if (this.socket.readyState === WebSocket.OPEN) {
        await withTimeout(this.#outbox.drained(), this.options.flushTimeoutMs);
        this.socket.close(code, closeReason(reason));
      }
      this.#outbox.close();
      this.#untrack?.();
    })();
    return this.#closing;
  }

  terminate(): void {
    this.socket.terminate();
    void this.close(VOICE_CLOSE_CODES.normal, 'client_gone');
  }

  ping(): void {
    this.alive = false;
    if (this.socket.readyState === WebSocket.OPEN) this.socket.ping();
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      const pcm = toBuffer(data);
      if (this.#state.kind === 'live') this.#state.session.pushAudio(pcm);
      else if (this.#state.kind === 'opening') {
        // Keep the newest: what the user says as the session starts matters more than the silence before.
        this.#state.earlyAudio.push(pcm);
        if (this.#state.earlyAudio.length > this.options.maxEarlyAudioFrames) this.#state.earlyAudio.shift();
      }
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(toBuffer(data).toString('utf8'));
    } catch {
      this.#send({ type: 'error', code: 'invalid_request', message: 'text frames must be JSON control frames; audio goes in binary frames' });
      return;
    }
    const parsed = VoiceClientFrameSchema.safeParse(json);
    if (!parsed.success) {
      this.#send({ type: 'error', code: 'invalid_request', message: zodErrorBody(parsed.error).error.message });
      return;
    }
    if (parsed.data.type === 'ping') this.#send({ type: 'pong' });
    else if (this.#state.kind === 'live') this.#state.session.endOfUtterance();
  }

  #send(frame: VoiceServerFrame): void {
    if (this.#state.kind !== 'closed') this.#outbox.push(frame);
  }

  #log() {
    const userId = this.#state.kind === 'live' ? this.#state.admission.userId : undefined;
    return this.services.logger.child({ userId, component: 'voice' });
  }
}

function toBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}

async function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
