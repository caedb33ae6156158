import { randomIdPart } from '@bedrock-mcp/common';
import type { ConversationMessage, ConversationSummary, TitleSource } from '@bedrock-mcp/contracts';

/** A conversation's summary as stored: the API's without what only the running system knows (the active turn). */
export type StoredConversationSummary = Omit<ConversationSummary, 'object' | 'active_turn_id'>;

/** Bytes a message refers to by BlobRef (`blob_id` = SHA-256 of `data`, lowercase hex). */
export interface NewBlob {
  blobId: string;
  mediaType: string;
  data: Buffer;
}

export interface StoredBlob {
  mediaType: string;
  data: Buffer;
}

export interface ConversationDefaults {
  title?: string;
  model?: string | null;
  mcpServerIds?: readonly string[];
}

export interface ListConversationsOptions {
  limit: number;
  /** The `nextCursor` of the page before (opaque; a cursor the store did not make is a ConversationCursorError). */
  cursor?: string;
  /** Case-insensitive text that the title or a message's text must contain. */
  query?: string;
}

export interface ConversationPage {
  conversations: StoredConversationSummary[];
  nextCursor: string | null;
}

export interface GetConversationOptions {
  /** The last `messageLimit` messages before index `before` (default: the end). */
  messageLimit: number;
  before?: number;
}

export interface StoredConversation {
  summary: StoredConversationSummary;
  /** Oldest first. */
  messages: ConversationMessage[];
  /** Index of messages[0] in the whole conversation. */
  firstIndex: number;
}

/** A new recorded message's id (ConversationMessageIdSchema). */
export function newMessageId(): string {
  return `msg_${randomIdPart(12)}`;
}

export interface StartTurnRecord {
  turnId: string;
  /** The user's message; its parts' BlobRefs name `blobs`. */
  message: ConversationMessage;
  blobs: readonly NewBlob[];
  model: string;
  mcpServerIds: readonly string[];
  /** Drop the last exchange (the last user message and everything after it) first. */
  replaceLast: boolean;
  /** epoch ms */
  now: number;
}

export interface FinishTurnRecord {
  /** The assistant's answer; its parts' BlobRefs name `blobs`. */
  message: ConversationMessage;
  blobs: readonly NewBlob[];
  now: number;
}

/**
 * Users' conversations: Redis by default, DynamoDB when CONVERSATIONS_DDB_TABLE is set. Every
 * method acts for one user on that user's conversations only; an id another user also uses is a
 * different conversation. The gateway lists, reads, creates, renames and deletes; the agent-worker
 * records each turn (startTurn, finishTurn) and titles.
 *
 * Retention: a conversation untouched for the store's retention is gone (as if deleted).
 */
export interface ConversationStore {
  list(userId: string, options: ListConversationsOptions): Promise<ConversationPage>;
  get(userId: string, conversationId: string, options: GetConversationOptions): Promise<StoredConversation | undefined>;
  /** The summary only (cheap: for ownership and size checks). */
  summary(userId: string, conversationId: string): Promise<StoredConversationSummary | undefined>;
  /** A new, empty conversation; undefined when the user already has one with that id. */
  create(userId: string, conversationId: string, defaults: ConversationDefaults, now: number): Promise<StoredConversationSummary | undefined>;
  /** Changes the given fields (a title set here is the user's: the model never renames it); undefined when there is no such conversation. */
  update(userId: string, conversationId: string, patch: ConversationDefaults, now: number): Promise<StoredConversationSummary | undefined>;
  /** Records a turn's user message, creating the conversation when it is new (titled by the message's first words). */
  startTurn(userId: string, conversationId: string, record: StartTurnRecord): Promise<StoredConversationSummary>;
  /** Records the turn's answer; undefined (nothing written) when the conversation was deleted meanwhile. */
  finishTurn(userId: string, conversationId: string, record: FinishTurnRecord): Promise<StoredConversationSummary | undefined>;
  /** Sets a title unless the user set one; false when not set (user title, or no such conversation). */
  setTitle(userId: string, conversationId: string, title: string, source: Exclude<TitleSource, 'user'>): Promise<boolean>;
  /** Deletes the conversation, its messages and blobs for good; false when there was none. */
  delete(userId: string, conversationId: string): Promise<boolean>;
  getBlob(userId: string, conversationId: string, blobId: string): Promise<StoredBlob | undefined>;
  /** Reachability, for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A list cursor this store did not make (the API answers 400). */
export class ConversationCursorError extends Error {
  constructor() {
    super('cursor is not one this API returned');
    this.name = 'ConversationCursorError';
  }
}
