import { useCallback, useEffect, useReducer, useRef } from 'react';
import type { GatewayClient } from '../api/gateway-client.js';
import { AudioPlayer } from './audio-player.js';
import { startMicCapture, type MicCapture } from './mic-capture.js';
import { VoiceConnection, type PageOrigin, type VoiceSessionRequest } from './voice-connection.js';
import { VoiceError, type VoiceFailure } from './voice-failure.js';
import { initialVoiceState, reduceVoice, type VoiceState } from './voice-reducer.js';

/** The audio output as the hook uses it (AudioPlayer in the browser). */
export interface VoicePlayer {
  ready(): Promise<void>;
  enqueue(base64Pcm16: string): void;
  clear(): void;
  close(): Promise<void>;
}

export interface UseVoiceOptions {
  client: Pick<GatewayClient, 'createVoiceTicket'>;
  /** Where the voice socket opens (the gateway's origin as the page sees it); default this page's. */
  origin?: PageOrigin;
  /** Messages in the text conversation now: new voice bubbles are placed after them. */
  anchor: number;
  /** Browser seams, replaced in tests. */
  startCapture?: typeof startMicCapture;
  createPlayer?: (onPlayingChange: (playing: boolean) => void) => VoicePlayer;
  openConnection?: typeof VoiceConnection.open;
}

export interface UseVoice {
  state: VoiceState;
  /** Opens the microphone, then the voice socket; failures land in `state.failure`. */
  start(request: VoiceSessionRequest): Promise<void>;
  stop(): void;
  /** Drops the transcript bubbles and tool cards (the conversation was cleared). */
  clear(): void;
  dismiss(): void;
}

interface LiveSession {
  stopped: boolean;
  capture?: MicCapture;
  player?: VoicePlayer;
  connection?: VoiceConnection;
}

/**
 * Voice mode: the microphone (AudioWorklet, PCM16 16 kHz) streams to `/ws/user-audio`, the answer
 * plays as it streams (ring-buffer AudioWorklet at 24 kHz, emptied on barge-in), and the transcripts
 * and tool calls become bubbles and cards through `reduceVoice`. One conversation at a time.
 */
export function useVoice(options: UseVoiceOptions): UseVoice {
  const [state, dispatch] = useReducer(reduceVoice, initialVoiceState);
  const sessionRef = useRef<LiveSession | undefined>(undefined);
  const optionsRef = useRef(options);
  optionsRef.current = options;

  const release = useCallback((session: LiveSession) => {
    session.stopped = true;
    void session.capture?.stop();
    void session.player?.close();
    if (sessionRef.current === session) sessionRef.current = undefined;
  }, []);

  const start = useCallback(
    async (request: VoiceSessionRequest) => {
      if (sessionRef.current) return;
      const { client, origin, startCapture = startMicCapture, createPlayer = (onPlaying) => new AudioPlayer(onPlaying), openConnection = VoiceConnection.open } = optionsRef.current;
      const session: LiveSession = { stopped: false };
      sessionRef.current = session;
      dispatch({ type: 'start' });
      try {
        // The microphone first: its permission prompt decides whether anything else is worth doing.
        session.capture = await startCapture((frame) => session.connection?.sendAudio(frame));
        if (session.stopped) return release(session);
        const player = createPlayer((playing) => dispatch({ type: 'speaking', speaking: playing }));
        session.player = player;
        await player.ready().catch((error: unknown) => {
          throw new VoiceError('unsupported', `The answer cannot be played: ${error instanceof Error ? error.message : String(error)}`);
        });
        if (session.stopped) return release(session);
        session.connection = await openConnection(
          client,
          request,
          {
            onFrame: (frame) => {
              if (frame.type === 'audio_data') player.enqueue(frame.data);
              else if (frame.type === 'interrupted') player.clear();
              dispatch({ type: 'frame', frame, anchor: optionsRef.current.anchor, now: Date.now() });
            },
            onClose: (code, reason) => {
              release(session);
              dispatch({ type: 'closed', code, reason });
            },
          },
          { origin },
        );
        if (session.stopped) session.connection.close();
      } catch (error) {
        release(session);
        const failure: VoiceFailure =
          error instanceof VoiceError ? { kind: error.kind, message: error.message } : { kind: 'connection', message: error instanceof Error ? error.message : String(error) };
        dispatch({ type: 'failed', failure });
      }
    },
    [release],
  );

  const stop = useCallback(() => {
    const session = sessionRef.current;
    if (!session) return;
    dispatch({ type: 'stop' });
    if (session.connection) {
      // onClose releases the session and ends the conversation.
      session.connection.close();
      return;
    }
    release(session);
    dispatch({ type: 'closed', code: 1000, reason: '' });
  }, [release]);

  // Leaving the page (or the connection settings changing) ends the conversation.
  useEffect(
    () => () => {
      const session = sessionRef.current;
      if (!session) return;
      session.connection?.close();
      release(session);
    },
    [release],
  );

  return {
    state,
    start,
    stop,
    clear: useCallback(() => dispatch({ type: 'clear' }), []),
    dismiss: useCallback(() => dispatch({ type: 'dismiss' }), []),
  };
}
