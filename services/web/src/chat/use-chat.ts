import { ChatCompletionRequestSchema, formatIssuePath, type TurnAnswersInput } from '@bedrock-mcp/contracts';
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { AnswerError, ChatSocket, type ChatSocketOptions, type ChatSocketState } from '../api/chat-socket.js';
import { buildChatRequest, type BuildRequestInput } from './build-request.js';
import { activeTurn, emptyConversation, newConversationId, reduceConversation, type ConversationAction, type UserChatMessage } from './conversation.js';
import { ConversationStorage } from './conversation-storage.js';

export interface UseChatOptions {
  /** The signed-in user: the conversation is kept per user, and the socket opened for them. */
  userId: string;
  storage?: ConversationStorage;
  /** Socket tuning, for tests. */
  socketOptions?: Partial<ChatSocketOptions>;
  /** How long (ms) events after a gap wait before the missing ones are asked for again, and before giving up. */
  gapResumeMs?: number;
  gapGiveUpMs?: number;
}

export interface SocketStatus {
  state: ChatSocketState;
  detail?: string;
}

/** Events are applied in batches, at most this often (ms): one render per batch, not per token. */
const FLUSH_INTERVAL_MS = 30;
/** The conversation is saved at most this often (ms) while an answer streams. */
const SAVE_INTERVAL_MS = 250;

let requestCounter = 0;
function newRequestId(): string {
  requestCounter += 1;
  return `req-${Date.now().toString(36)}-${requestCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * The conversation of this tab, driven by the chat socket: send, stop, clear, and resuming the
 * answer in flight after a refresh or a dropped connection.
 */
export function useChat({ userId, storage: givenStorage, socketOptions, gapResumeMs = 1500, gapGiveUpMs = 5000 }: UseChatOptions) {
  // The chat screen is mounted once per signed-in user (keyed by user id), so the storage is fixed.
  const storageRef = useRef(givenStorage ?? new ConversationStorage(userId));
  const [conversation, dispatch] = useReducer(reduceConversation, undefined, () => storageRef.current.load() ?? emptyConversation());
  const [socketStatus, setSocketStatus] = useState<SocketStatus>({ state: 'closed' });
  const [connectionError, setConnectionError] = useState<string>();
  const socketRef = useRef<ChatSocket | undefined>(undefined);
  const conversationRef = useRef(conversation);
  conversationRef.current = conversation;
  const queueRef = useRef<ConversationAction[]>([]);
  const flushTimerRef = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const stopOnAcceptRef = useRef(new Set<string>());

  const flush = useCallback(() => {
    flushTimerRef.current = undefined;
    const queued = queueRef.current;
    queueRef.current = [];
    for (const action of queued) dispatch(action);
  }, []);
  const enqueue = useCallback(
    (action: ConversationAction) => {
      const last = queueRef.current.at(-1);
      if (action.type === 'events' && last?.type === 'events') last.events.push(...action.events);
      else queueRef.current.push(action);
      flushTimerRef.current ??= setTimeout(flush, FLUSH_INTERVAL_MS);
    },
    [flush],
  );

  // One socket (the session cookie authenticates it); the answer in flight is resumed from its last applied seq.
  const socketOptionsRef = useRef(socketOptions);
  useEffect(() => {
    setConnectionError(undefined);
    const socket = new ChatSocket(
      { ...socketOptionsRef.current },
      {
        onEvent: (event) => enqueue({ type: 'events', events: [event] }),
        onAccepted: (requestId, turnId) => {
          enqueue({ type: 'turn', requestId, action: { type: 'accepted', turnId } });
          if (stopOnAcceptRef.current.delete(requestId)) socket.stop(turnId);
        },
        onError: (error) => {
          const action = { type: 'failed', error: { code: error.code, message: error.message } } as const;
          if (error.requestId) enqueue({ type: 'turn', requestId: error.requestId, action });
          else if (error.turnId) enqueue({ type: 'turn_by_id', turnId: error.turnId, action });
          else setConnectionError(error.message);
        },
        onStateChange: (state, detail) => setSocketStatus({ state, detail }),
      },
    );
    socketRef.current = socket;
    const inFlight = activeTurn(conversationRef.current);
    if (inFlight?.turnId) socket.resume(inFlight.turnId, inFlight.lastSeq);
    else if (inFlight) {
      enqueue({
        type: 'turn',
        requestId: inFlight.requestId,
        action: { type: 'failed', error: { code: 'connection_lost', message: 'The page was reloaded before the gateway accepted this message; send it again.' } },
      });
    }
    socket.start();
    return () => {
      socketRef.current = undefined;
      socket.close();
    };
  }, [enqueue]);

  useEffect(
    () => () => {
      clearTimeout(flushTimerRef.current);
    },
    [],
  );

  // Save the conversation (throttled while streaming), and always when the page goes away.
  const saveTimerRef = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    const save = () => {
      saveTimerRef.current = undefined;
      storageRef.current.save(conversationRef.current);
    };
    if (!activeTurn(conversation)) {
      clearTimeout(saveTimerRef.current);
      save();
    } else {
      saveTimerRef.current ??= setTimeout(save, SAVE_INTERVAL_MS);
    }
  }, [conversation]);
  useEffect(() => {
    const saveNow = () => storageRef.current.save(conversationRef.current);
    window.addEventListener('pagehide', saveNow);
    return () => {
      window.removeEventListener('pagehide', saveNow);
      clearTimeout(saveTimerRef.current);
    };
  }, []);

  // Events after a gap: ask for the missing ones again, and in the end give up waiting.
  const inFlight = activeTurn(conversation);
  const gapKey = inFlight?.turnId && inFlight.pending.length > 0 ? `${inFlight.turnId}:${inFlight.lastSeq}` : undefined;
  useEffect(() => {
    if (!gapKey || !inFlight?.turnId) return undefined;
    const { turnId, lastSeq } = inFlight;
    const resumeTimer = setTimeout(() => socketRef.current?.resume(turnId, lastSeq), gapResumeMs);
    const giveUpTimer = setTimeout(() => dispatch({ type: 'turn_by_id', turnId, action: { type: 'skip_gap' } }), gapGiveUpMs);
    return () => {
      clearTimeout(resumeTimer);
      clearTimeout(giveUpTimer);
    };
    // Only a new gap (turn, position) restarts the timers.
  }, [gapKey]);

  const send = useCallback(
    (message: UserChatMessage, request: Omit<BuildRequestInput, 'history' | 'message' | 'conversationId'>): string | undefined => {
      if (activeTurn(conversationRef.current)) return 'Wait for the current answer to finish, or stop it.';
      const current = conversationRef.current;
      const body = buildChatRequest({ ...request, history: current.messages, message, conversationId: current.id });
      const checked = ChatCompletionRequestSchema.safeParse(body);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        return issue ? `${formatIssuePath(issue.path) || 'request'}: ${issue.message}` : 'The message cannot be sent.';
      }
      const socket = socketRef.current;
      if (!socket) return 'Not connected to the gateway yet.';
      const requestId = newRequestId();
      dispatch({ type: 'send', message, requestId });
      socket.sendChat(requestId, body);
      return undefined;
    },
    [],
  );

  const stop = useCallback(() => {
    const turn = activeTurn(conversationRef.current);
    if (!turn) return;
    dispatch({ type: 'turn', requestId: turn.requestId, action: { type: 'stop_requested' } });
    if (turn.turnId) socketRef.current?.stop(turn.turnId);
    else stopOnAcceptRef.current.add(turn.requestId);
  }, []);

  const clear = useCallback(() => {
    const turn = activeTurn(conversationRef.current);
    if (turn?.turnId) {
      socketRef.current?.stop(turn.turnId);
      socketRef.current?.forget(turn.turnId);
    }
    queueRef.current = [];
    dispatch({ type: 'clear', conversationId: newConversationId() });
    storageRef.current.clear();
  }, []);

  /** Answers asks of a turn (approval cards, elicitation forms); rejects with the gateway's reason. */
  const answer = useCallback((turnId: string, answers: TurnAnswersInput): Promise<void> => {
    const socket = socketRef.current;
    if (!socket) return Promise.reject(new AnswerError('connection_lost', 'Not connected to the gateway yet.'));
    return socket.answer(turnId, answers);
  }, []);

  return { conversation, socketStatus, connectionError, send, stop, clear, answer, streaming: Boolean(inFlight) };
}
