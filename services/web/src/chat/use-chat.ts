import { ChatCompletionRequestSchema, formatIssuePath, type TurnAnswersInput, type WsServerFrame } from '@bedrock-mcp/contracts';
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { AnswerError, ChatSocket, type ChatSocketOptions, type ChatSocketState } from '../api/chat-socket.js';
import type { GatewayClient } from '../api/gateway-client.js';
import { describeGatewayError } from '../api/gateway-error.js';
import { buildChatRequest, type BuildRequestInput } from './build-request.js';
import { activeTurn, emptyConversation, reduceConversation, type Conversation, type ConversationAction, type UserChatMessage } from './conversation.js';
import { isFollowedTurn, storedToChatMessages, storedUserMessage } from './stored-conversation.js';

export type ConversationChange = Extract<WsServerFrame, { type: 'conversation' }>['change'];

export interface UseChatOptions {
  client: GatewayClient;
  /** The conversation to open first (the page's `?c=`); none: a new chat. */
  initialConversationId?: string;
  /** Every change to the user's conversations the socket reports (the list refreshes on it). */
  onConversationChange?: (change: ConversationChange) => void;
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

/** What the open conversation's view is doing with the server. */
export interface LoadState {
  loading: boolean;
  loadingEarlier: boolean;
  error?: string;
}

/** Events are applied in batches, at most this often (ms): one render per batch, not per token. */
const FLUSH_INTERVAL_MS = 30;
/** Messages of a conversation loaded at a time: its last page when opened, then a page per "load earlier". */
const MESSAGE_PAGE_SIZE = 100;

let requestCounter = 0;
function newRequestId(): string {
  requestCounter += 1;
  return `req-${Date.now().toString(36)}-${requestCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * The open conversation, read from the server and driven by the chat socket: open, load earlier,
 * send (and replace the last exchange), stop, resume an answer in flight (after a refresh, a
 * dropped connection, or one started on another device), and follow changes made elsewhere.
 */
export function useChat({ client, initialConversationId, onConversationChange, socketOptions, gapResumeMs = 1500, gapGiveUpMs = 5000 }: UseChatOptions) {
  const [conversation, dispatch] = useReducer(reduceConversation, initialConversationId, (id) => emptyConversation(id));
  const [socketStatus, setSocketStatus] = useState<SocketStatus>({ state: 'closed' });
  const [connectionError, setConnectionError] = useState<string>();
  const [load, setLoad] = useState<LoadState>({ loading: initialConversationId !== undefined, loadingEarlier: false });
  const socketRef = useRef<ChatSocket | undefined>(undefined);
  const conversationRef = useRef(conversation);
  conversationRef.current = conversation;
  const queueRef = useRef<ConversationAction[]>([]);
  const flushTimerRef = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const stopOnAcceptRef = useRef(new Set<string>());
  const refetchAfterTurnRef = useRef(false);
  /** Messages sent from this page: a read of the conversation begun before the last one is stale. */
  const sendsRef = useRef(0);
  const onChangeRef = useRef(onConversationChange);
  onChangeRef.current = onConversationChange;

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

  /** Shows `next` (and follows its answer in flight); the turn followed before is let go, not stopped. */
  const show = useCallback(
    (next: Conversation) => {
      const before = activeTurn(conversationRef.current);
      if (before?.turnId && before.turnId !== activeTurn(next)?.turnId) socketRef.current?.forget(before.turnId);
      queueRef.current = [];
      if (next.id !== conversationRef.current.id) refetchAfterTurnRef.current = false;
      conversationRef.current = next;
      dispatch({ type: 'restore', conversation: next });
      const inFlight = activeTurn(next);
      if (inFlight?.turnId && inFlight.lastSeq === 0) socketRef.current?.resume(inFlight.turnId, 0);
    },
    [],
  );

  /** The open conversation's last page from the server (at least as many messages as are shown). */
  const fetchOpen = useCallback(
    async (conversationId: string, messageLimit = MESSAGE_PAGE_SIZE) => {
      setLoad((state) => ({ ...state, loading: true, error: undefined }));
      const sendsBefore = sendsRef.current;
      try {
        const stored = await client.getConversation(conversationId, { messageLimit });
        if (conversationRef.current.id !== conversationId) return;
        if (sendsRef.current !== sendsBefore) {
          // A message went out while this read was on its way: the read does not know that turn and
          // would replace it. The page shows it live; the conversation is read again after it.
          refetchAfterTurnRef.current = true;
          setLoad({ loading: false, loadingEarlier: false });
          return;
        }
        const blobUrl = (blobId: string) => client.conversationBlobUrl(conversationId, blobId);
        show({ id: conversationId, firstIndex: stored.first_index, messages: storedToChatMessages(stored.messages, blobUrl, stored.active_turn_id) });
        setLoad({ loading: false, loadingEarlier: false });
      } catch (caught) {
        if (conversationRef.current.id !== conversationId) return;
        setLoad({ loading: false, loadingEarlier: false, error: describeGatewayError(caught) });
      }
    },
    [client, show],
  );

  /** Opens a stored conversation, or a new chat (no id). */
  const open = useCallback(
    (conversationId?: string) => {
      show(emptyConversation(conversationId));
      if (conversationId === undefined) setLoad({ loading: false, loadingEarlier: false });
      else void fetchOpen(conversationId);
    },
    [show, fetchOpen],
  );

  const loadEarlier = useCallback(async () => {
    const { id, firstIndex } = conversationRef.current;
    if (firstIndex === 0) return;
    setLoad((state) => ({ ...state, loadingEarlier: true, error: undefined }));
    try {
      const page = await client.getConversation(id, { messageLimit: MESSAGE_PAGE_SIZE, before: firstIndex });
      if (conversationRef.current.id !== id) return;
      const blobUrl = (blobId: string) => client.conversationBlobUrl(id, blobId);
      dispatch({ type: 'prepend', messages: storedToChatMessages(page.messages, blobUrl), firstIndex: page.first_index });
      setLoad({ loading: false, loadingEarlier: false });
    } catch (caught) {
      setLoad({ loading: false, loadingEarlier: false, error: describeGatewayError(caught) });
    }
  }, [client]);

  /** The recorded question of a turn this page follows, put before its answer (the stream goes on untouched). */
  const fetchQuestion = useCallback(
    async (conversationId: string, turnId: string) => {
      try {
        const stored = await client.getConversation(conversationId, { messageLimit: 2 });
        const question = stored.messages.find((message) => message.role === 'user' && message.turn_id === turnId);
        if (!question || conversationRef.current.id !== conversationId) return;
        const blobUrl = (blobId: string) => client.conversationBlobUrl(conversationId, blobId);
        dispatch({ type: 'question', turnId, message: storedUserMessage(question, blobUrl) });
      } catch {
        // The whole conversation is read again when the turn ends.
      }
    },
    [client],
  );

  /** A change made elsewhere (another device, the worker's record): the open conversation follows it. */
  const onChange = useCallback(
    (change: ConversationChange) => {
      onChangeRef.current?.(change);
      const current = conversationRef.current;
      if (change.conversation_id !== current.id) return;
      if (change.change === 'deleted') {
        open(undefined);
        return;
      }
      if (change.change !== 'turn_started' && change.change !== 'messages_added' && change.change !== 'updated') return;
      // One turn at a time per conversation: while this page streams one, the news is about it;
      // what was recorded meanwhile is read once it ends. A turn another device sent may have been
      // resumed here before its question was recorded: that question is shown as soon as it is.
      const streamingTurn = activeTurn(current);
      if (streamingTurn) {
        refetchAfterTurnRef.current = true;
        if (change.change === 'messages_added' && change.turn_id !== undefined && streamingTurn.turnId === change.turn_id && isFollowedTurn(streamingTurn)) {
          void fetchQuestion(current.id, change.turn_id);
        }
        return;
      }
      void fetchOpen(current.id, Math.max(MESSAGE_PAGE_SIZE, current.messages.length + 2));
    },
    [open, fetchOpen, fetchQuestion],
  );
  const onChangeHandlerRef = useRef(onChange);
  onChangeHandlerRef.current = onChange;

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
        onConversation: (change) => onChangeHandlerRef.current(change),
      },
    );
    socketRef.current = socket;
    socket.start();
    return () => {
      socketRef.current = undefined;
      socket.close();
    };
  }, [enqueue]);

  // The conversation in the page's address, once.
  useEffect(() => {
    if (initialConversationId !== undefined) void fetchOpen(initialConversationId);
    // Only the first one: later ones are opened through `open`.
  }, []);

  useEffect(
    () => () => {
      clearTimeout(flushTimerRef.current);
    },
    [],
  );

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

  const streaming = Boolean(inFlight);
  useEffect(() => {
    if (streaming || !refetchAfterTurnRef.current) return;
    refetchAfterTurnRef.current = false;
    const current = conversationRef.current;
    void fetchOpen(current.id, Math.max(MESSAGE_PAGE_SIZE, current.messages.length + 2));
  }, [streaming, fetchOpen]);

  const send = useCallback(
    (message: UserChatMessage, request: Omit<BuildRequestInput, 'message' | 'conversationId'>): string | undefined => {
      if (activeTurn(conversationRef.current)) return 'Wait for the current answer to finish, or stop it.';
      const current = conversationRef.current;
      const body = buildChatRequest({ ...request, message, conversationId: current.id });
      const checked = ChatCompletionRequestSchema.safeParse(body);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        return issue ? `${formatIssuePath(issue.path) || 'request'}: ${issue.message}` : 'The message cannot be sent.';
      }
      const socket = socketRef.current;
      if (!socket) return 'Not connected to the gateway yet.';
      const requestId = newRequestId();
      sendsRef.current += 1;
      dispatch({ type: 'send', message, requestId, replaceLast: request.replaceLast });
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

  /** Answers asks of a turn (approval cards, elicitation forms); rejects with the gateway's reason. */
  const answer = useCallback((turnId: string, answers: TurnAnswersInput): Promise<void> => {
    const socket = socketRef.current;
    if (!socket) return Promise.reject(new AnswerError('connection_lost', 'Not connected to the gateway yet.'));
    return socket.answer(turnId, answers);
  }, []);

  return { conversation, socketStatus, connectionError, load, open, loadEarlier, send, stop, answer, streaming };
}
