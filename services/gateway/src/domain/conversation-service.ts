import { randomBytes } from 'node:crypto';
import { ConversationCursorError, type ConversationStore, type StoredBlob, type StoredConversationSummary } from '@bedrock-mcp/config-store';
import type { Logger } from '@bedrock-mcp/common';
import {
  DEFAULT_CONVERSATION_ID,
  type Conversation,
  type ConversationList,
  type ConversationSummary,
  type CreateConversationRequest,
  type GetConversationQuery,
  type ListConversationsQuery,
  type UpdateConversationRequest,
} from '@bedrock-mcp/contracts';
import type { HistoryStore, TurnProducer } from '@bedrock-mcp/turns';
import type { ConversationChangePublisher } from './conversation-changes.js';
import { GatewayError } from './gateway-error.js';

export interface ConversationServiceOptions {
  store: ConversationStore;
  /** The turn running in a conversation (its claim), stopping it, and the tools approved for it. */
  turns: Pick<TurnProducer, 'activeTurnOf' | 'stop' | 'forgetConversationApprovals'>;
  /** The conversation's model history (keep_session's). */
  history: Pick<HistoryStore, 'clear'>;
  changes: Pick<ConversationChangePublisher, 'publish'>;
  logger: Logger;
  now?: () => number;
}

/** More messages than any conversation under CONVERSATION_MAX_BYTES holds: an export reads them all. */
const EVERY_MESSAGE = 10_000_000;

function newConversationId(): string {
  return `conv_${randomBytes(15).toString('base64url')}`;
}

/**
 * The `/v1/conversations` resource for one caller at a time: every store call takes the caller's
 * user id, so another user's conversation is simply not there (404, never 403: ids do not leak).
 * Adds what only the running system knows (the active turn) and publishes what it changed.
 */
export class ConversationService {
  private readonly now: () => number;

  constructor(private readonly options: ConversationServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  async list(userId: string, query: ListConversationsQuery): Promise<ConversationList> {
    let page;
    try {
      page = await this.options.store.list(userId, { limit: query.limit, ...(query.cursor !== undefined ? { cursor: query.cursor } : {}), ...(query.q ? { query: query.q } : {}) });
    } catch (error) {
      if (error instanceof ConversationCursorError) throw new GatewayError('invalid_request', `cursor: ${error.message}`, 'cursor');
      throw error;
    }
    return { object: 'list', data: await Promise.all(page.conversations.map((summary) => this.withActiveTurn(userId, summary))), next_cursor: page.nextCursor };
  }

  async create(userId: string, body: CreateConversationRequest): Promise<ConversationSummary> {
    const conversationId = body.id ?? newConversationId();
    const defaults = {
      ...(body.title !== undefined ? { title: body.title } : {}),
      ...(body.model !== undefined ? { model: body.model } : {}),
      ...(body.mcp_server_ids !== undefined ? { mcpServerIds: body.mcp_server_ids } : {}),
    };
    const created = await this.options.store.create(userId, conversationId, defaults, this.now());
    if (!created) throw new GatewayError('conflict', `You already have a conversation '${conversationId}'.`, 'id');
    await this.options.changes.publish({ user_id: userId, conversation_id: conversationId, change: 'created' });
    return this.withActiveTurn(userId, created);
  }

  async get(userId: string, conversationId: string, query: GetConversationQuery): Promise<Conversation> {
    const found = await this.options.store.get(userId, conversationId, { messageLimit: query.message_limit, ...(query.before !== undefined ? { before: query.before } : {}) });
    if (!found) throw notFound(conversationId);
    return { ...(await this.withActiveTurn(userId, found.summary)), messages: found.messages, first_index: found.firstIndex };
  }

  /** The whole conversation, every message. */
  async whole(userId: string, conversationId: string): Promise<Conversation> {
    return this.get(userId, conversationId, { message_limit: EVERY_MESSAGE });
  }

  async update(userId: string, conversationId: string, body: UpdateConversationRequest): Promise<ConversationSummary> {
    const patch = {
      ...(body.title !== undefined ? { title: body.title } : {}),
      ...(body.model !== undefined ? { model: body.model } : {}),
      ...(body.mcp_server_ids !== undefined ? { mcpServerIds: body.mcp_server_ids } : {}),
    };
    const updated = await this.options.store.update(userId, conversationId, patch, this.now());
    if (!updated) throw notFound(conversationId);
    await this.options.changes.publish({ user_id: userId, conversation_id: conversationId, change: 'updated' });
    return this.withActiveTurn(userId, updated);
  }

  /**
   * Stops the conversation's running turn, then deletes its record (messages, files), its model
   * history and the tools approved for it. 404 when there was no record (the rest is cleared anyway:
   * keep_session history may exist without one).
   */
  async delete(userId: string, conversationId: string): Promise<void> {
    const { store, turns, history, logger } = this.options;
    const running = await turns.activeTurnOf(userId, conversationId);
    if (running) await turns.stop(running);
    const [deleted] = await Promise.all([
      store.delete(userId, conversationId),
      // The default conversation's history is keep_session's own scope (no conversation id).
      history.clear({ userId, conversationId: conversationId === DEFAULT_CONVERSATION_ID ? null : conversationId }),
      turns.forgetConversationApprovals(userId, conversationId),
    ]);
    logger.info({ userId, conversationId, stoppedTurn: running ?? undefined, deleted }, 'conversation deleted');
    if (!deleted) throw notFound(conversationId);
    await this.options.changes.publish({ user_id: userId, conversation_id: conversationId, change: 'deleted' });
  }

  async blob(userId: string, conversationId: string, blobId: string): Promise<StoredBlob> {
    const blob = await this.options.store.getBlob(userId, conversationId, blobId);
    if (!blob) throw new GatewayError('not_found', `Conversation '${conversationId}' has no file '${blobId}'.`);
    return blob;
  }

  private async withActiveTurn(userId: string, summary: StoredConversationSummary): Promise<ConversationSummary> {
    return { ...summary, object: 'conversation', active_turn_id: await this.options.turns.activeTurnOf(userId, summary.id) };
  }
}

function notFound(conversationId: string): GatewayError {
  return new GatewayError('not_found', `No conversation '${conversationId}'.`);
}
