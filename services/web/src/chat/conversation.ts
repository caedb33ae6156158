import type { StreamEvent } from '@bedrock-mcp/contracts';
import type { Attachment } from '../attachments/attachment.js';
import { createTurn, isTurnActive, reduceTurn, type TurnAction, type TurnState } from './turn-reducer.js';

export interface UserChatMessage {
  id: string;
  role: 'user';
  text: string;
  attachments: Attachment[];
}
interface AssistantChatMessage {
  id: string;
  role: 'assistant';
  turn: TurnState;
}
export type ConversationMessage = UserChatMessage | AssistantChatMessage;

export interface Conversation {
  /**
   * The request's `conversation_id`: the server-side conversation (`/v1/conversations`) its
   * turns continue. A new chat has a fresh one, which the server creates on its first turn.
   */
  id: string;
  messages: ConversationMessage[];
  /** How many earlier messages the server has that are not loaded (`first_index` of the first page loaded). */
  firstIndex: number;
}

export type ConversationAction =
  /** `replaceLast`: the message replaces the last one, whose answer goes (edit and resend, regenerate). */
  | { type: 'send'; message: UserChatMessage; requestId: string; replaceLast?: boolean }
  /** Earlier messages loaded ("Load earlier messages"). */
  | { type: 'prepend'; messages: ConversationMessage[]; firstIndex: number }
  /** The question of a turn this page follows but did not send (another device's), once it is recorded: shown before its answer. */
  | { type: 'question'; turnId: string; message: UserChatMessage }
  | { type: 'events'; events: StreamEvent[] }
  | { type: 'turn'; requestId: string; action: TurnAction }
  | { type: 'turn_by_id'; turnId: string; action: TurnAction }
  | { type: 'restore'; conversation: Conversation };

/** A fresh conversation id (ConversationIdSchema's alphabet). */
function newConversationId(): string {
  const random = crypto.getRandomValues(new Uint8Array(12));
  return `c-${Date.now().toString(36)}-${Array.from(random, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

export function emptyConversation(id: string = newConversationId()): Conversation {
  return { id, messages: [], firstIndex: 0 };
}

/** Pure: the conversation after one action; turn actions are routed to the answer they belong to. */
export function reduceConversation(state: Conversation, action: ConversationAction): Conversation {
  switch (action.type) {
    case 'send':
      return {
        ...state,
        messages: [
          ...(action.replaceLast ? withoutLastExchange(state.messages) : state.messages),
          action.message,
          { id: `a-${action.requestId}`, role: 'assistant', turn: createTurn(action.requestId) },
        ],
      };
    case 'events': {
      let next = state;
      for (const event of action.events) {
        next = updateTurns(next, (turn) => turn.turnId === event.turnId, { type: 'event', event });
      }
      return next;
    }
    case 'turn':
      return updateTurns(state, (turn) => turn.requestId === action.requestId, action.action);
    case 'turn_by_id':
      return updateTurns(state, (turn) => turn.turnId === action.turnId, action.action);
    case 'prepend': {
      const known = new Set(state.messages.map((message) => message.id));
      return { ...state, firstIndex: action.firstIndex, messages: [...action.messages.filter((message) => !known.has(message.id)), ...state.messages] };
    }
    case 'question': {
      const answer = state.messages.findIndex((message) => message.role === 'assistant' && message.turn.turnId === action.turnId);
      if (answer === -1 || state.messages.some((message) => message.id === action.message.id)) return state;
      return { ...state, messages: [...state.messages.slice(0, answer), action.message, ...state.messages.slice(answer)] };
    }
    case 'restore':
      return action.conversation.id === state.id ? withShownIds(state, action.conversation) : action.conversation;
  }
}

/**
 * The re-read conversation with the ids of the messages already shown at the same place (same
 * index, same role): the answer streamed a moment ago and its stored record are one message on
 * the screen, so React keeps its element instead of drawing it again.
 */
function withShownIds(shown: Conversation, stored: Conversation): Conversation {
  let changed = false;
  const messages = stored.messages.map((message, offset) => {
    const before = shown.messages[stored.firstIndex + offset - shown.firstIndex];
    if (!before || before.role !== message.role || before.id === message.id) return message;
    changed = true;
    return { ...message, id: before.id };
  });
  return changed ? { ...stored, messages } : stored;
}

/** The messages without the last user message and what followed it. */
function withoutLastExchange(messages: ConversationMessage[]): ConversationMessage[] {
  const lastUser = messages.findLastIndex((message) => message.role === 'user');
  return lastUser === -1 ? messages : messages.slice(0, lastUser);
}

/** The last user message and its answer (if the answer came), which edit and regenerate act on. */
export function lastExchange(conversation: Conversation): { question?: UserChatMessage; answer?: TurnState } {
  const index = conversation.messages.findLastIndex((message) => message.role === 'user');
  const question = conversation.messages[index];
  const answer = conversation.messages[index + 1];
  return {
    question: question?.role === 'user' ? question : undefined,
    answer: answer?.role === 'assistant' ? answer.turn : undefined,
  };
}

function updateTurns(state: Conversation, matches: (turn: TurnState) => boolean, action: TurnAction): Conversation {
  let changed = false;
  const messages = state.messages.map((message) => {
    if (message.role !== 'assistant' || !matches(message.turn)) return message;
    const turn = reduceTurn(message.turn, action);
    if (turn === message.turn) return message;
    changed = true;
    return { ...message, turn };
  });
  return changed ? { ...state, messages } : state;
}

/** The answer still streaming, if any (one at a time per conversation). */
export function activeTurn(conversation: Conversation): TurnState | undefined {
  for (let index = conversation.messages.length - 1; index >= 0; index -= 1) {
    const message = conversation.messages[index];
    if (message?.role === 'assistant' && isTurnActive(message.turn)) return message.turn;
  }
  return undefined;
}
