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
   * The request's `conversation_id`: where the gateway remembers tools approved "for this
   * conversation". A new one after clearing.
   */
  id: string;
  messages: ConversationMessage[];
}

export type ConversationAction =
  | { type: 'send'; message: UserChatMessage; requestId: string }
  | { type: 'events'; events: StreamEvent[] }
  | { type: 'turn'; requestId: string; action: TurnAction }
  | { type: 'turn_by_id'; turnId: string; action: TurnAction }
  | { type: 'clear'; conversationId: string }
  | { type: 'restore'; conversation: Conversation };

/** A fresh conversation id (ConversationIdSchema's alphabet). */
export function newConversationId(): string {
  const random = crypto.getRandomValues(new Uint8Array(12));
  return `c-${Date.now().toString(36)}-${Array.from(random, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

export function emptyConversation(id: string = newConversationId()): Conversation {
  return { id, messages: [] };
}

/** Pure: the conversation after one action; turn actions are routed to the answer they belong to. */
export function reduceConversation(state: Conversation, action: ConversationAction): Conversation {
  switch (action.type) {
    case 'send':
      return {
        ...state,
        messages: [
          ...state.messages,
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
    case 'clear':
      return emptyConversation(action.conversationId);
    case 'restore':
      return action.conversation;
  }
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
