import type { ConversationStore, RequestServerSecrets } from '@bedrock-mcp/config-store';
import { randomIdPart, type Logger } from '@bedrock-mcp/common';
import { ChatTurnScopeSchema, type ChatCompletionRequest, type ChatJob, type ModelConfig } from '@bedrock-mcp/contracts';
import { conversationOf, TurnEnqueueError, type StartedTurn, type TurnEventStream, type TurnProducer, type TurnSubmitOutcome } from '@bedrock-mcp/turns';
import { assertAttachmentSizes } from './attachment-limits.js';
import type { PoolClient } from '@bedrock-mcp/pool-client';
import { buildChatJob, keepsServerHistory } from './chat-job-builder.js';
import type { ConversationChangePublisher } from './conversation-changes.js';
import { GatewayError } from './gateway-error.js';
import type { McpServerDirectory } from './mcp-server-directory.js';
import type { ModelCatalog } from './model-catalog.js';
import { RateLimiter, type RateLimitDecision } from './rate-limiter.js';
import { assertProviderSupports } from './provider-support.js';
import { assertRequestCounts, type RequestCountLimits } from './request-count-limits.js';
import { assertRequestServersAllowed } from './request-server-check.js';

export interface TurnSubmitterOptions {
  models: ModelCatalog;
  servers: McpServerDirectory;
  /** Checks the addresses of the request's own remote MCP servers (`mcp` tools). */
  pool: Pick<PoolClient, 'checkRequestServers'>;
  /** Runs the turn's protocol: slot, meta, subscribe, count, enqueue. */
  producer: Pick<TurnProducer, 'submit' | 'start'>;
  limiter: RateLimiter;
  logger: Logger;
  /** Largest decoded attachment, in bytes. */
  maxAttachmentBytes: number;
  /** Messages, images and documents one request may carry. */
  counts: RequestCountLimits;
  /** Slots per user (MAX_CONCURRENT_TURNS_PER_USER). */
  maxConcurrentTurns: number;
  /** The users' conversations: a turn in one at CONVERSATION_MAX_BYTES is refused. */
  conversations: Pick<ConversationStore, 'summary'>;
  /** CONVERSATION_MAX_BYTES */
  maxConversationBytes: number;
  /** Where `turn_started` goes once a turn in a conversation is admitted. */
  changes: Pick<ConversationChangePublisher, 'publish'>;
  /** Seals the request servers' secrets into the job (the mcp-pool opens them). */
  requestSecrets: Pick<RequestServerSecrets, 'seal'>;
  now?: () => number;
}

export interface SubmittedTurn {
  turnId: string;
  model: string;
  /** epoch ms */
  createdAt: number;
  /** Subscribed before the job was enqueued: no event is missed. */
  stream: TurnEventStream;
  /** The rate-limit headers of the request. */
  rateLimitHeaders: Record<string, string>;
}

/** A new turn's id (also what a recorded voice exchange goes by). */
export function newTurnId(): string {
  return `chatcmpl-${randomIdPart(18)}`;
}

/**
 * Starts a chat turn: checks the model, the request's size, the servers (a request server's address
 * with the mcp-pool) and the attachments, then
 * hands the job to the TurnProducer (which counts it against this limiter and takes one of the
 * user's concurrent-turn slots and the conversation's claim in one step, records the turn's owner,
 * subscribes to its events, then enqueues it). The chat route `start`s that step from the raw
 * body before the checks, so its round trip overlaps them. A turn
 * in a conversation (`conversation_id`, or `keep_session`: the default one) is refused (409) when
 * the conversation is full or has a turn running. A request refused before that still counts, and
 * over the limit its 429 wins.
 */
export class TurnSubmitter {
  private readonly now: () => number;

  constructor(private readonly options: TurnSubmitterOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Starts the admission of the turn a chat request asks for from its raw body, before the request
   * is validated: its round trip to Redis then overlaps the validation (time to first token). Reads
   * only the model and the conversation (`conversation_id`, `keep_session`), by the request schema's
   * own rules; undefined when they are malformed or name no model here (the request is refused by
   * the checks anyway). The caller then `submit`s the request with it, or `refuse`s the request.
   */
  start(userId: string, rawBody: unknown): StartedTurn<RateLimitDecision> | undefined {
    const scope = ChatTurnScopeSchema.safeParse(rawBody);
    if (!scope.success) return undefined;
    const model = this.options.models.find(scope.data.model);
    if (!model) return undefined;
    const conversationId = scope.data.conversation_id;
    const turn = {
      turnId: newTurnId(),
      userId,
      model: model.model_id,
      createdAt: this.now(),
      keepSession: keepsServerHistory(scope.data),
      ...(conversationId !== undefined ? { conversationId } : {}),
    };
    return this.options.producer.start(turn, { maxConcurrentTurns: this.options.maxConcurrentTurns, rate: this.options.limiter });
  }

  /**
   * The request was refused before its turn was queued: it counts all the same (its `start`ed
   * admission counted it and is given up), and over the limit its 429 wins (throws it).
   */
  async refuse(userId: string, started: StartedTurn<RateLimitDecision> | undefined): Promise<void> {
    const decision = started ? await started.abandon() : undefined;
    if (decision) RateLimiter.admit(decision);
    else await this.options.limiter.enforce(userId);
  }

  /** Submits the validated request: as the turn `started` from its raw body, when it was. */
  async submit(userId: string, body: ChatCompletionRequest, started?: StartedTurn<RateLimitDecision>): Promise<SubmittedTurn> {
    try {
      return await this.submitChecked(userId, body, started);
    } catch (error) {
      // Whatever stopped the turn before its job was handed over: what the admission took goes back.
      await started?.abandon();
      throw error;
    }
  }

  private async submitChecked(userId: string, body: ChatCompletionRequest, started: StartedTurn<RateLimitDecision> | undefined): Promise<SubmittedTurn> {
    const { producer, limiter, logger, maxConcurrentTurns } = this.options;
    let model: ModelConfig;
    let mcpServerIds: string[];
    try {
      model = this.options.models.require(body.model);
      assertProviderSupports(body, model, this.options.models.providerKindOf(model));
      assertRequestCounts(body.messages, this.options.counts);
      assertAttachmentSizes(body.messages, this.options.maxAttachmentBytes);
      mcpServerIds = await this.options.servers.requireUsable(userId, body.mcp_server_ids);
      await assertRequestServersAllowed(this.options.pool, userId, body);
    } catch (error) {
      await this.refuse(userId, started);
      throw error;
    }

    const turnId = started?.turnId ?? newTurnId();
    const createdAt = started?.createdAt ?? this.now();
    const { requestSecrets } = this.options;
    const job = buildChatJob({ turnId, userId, body, model, mcpServerIds, createdAt, sealSecrets: (server) => requestSecrets.seal(userId, server) });
    const conversationId = conversationOf(job);
    if (conversationId !== undefined) {
      try {
        await this.assertRoomIn(userId, conversationId);
      } catch (error) {
        await this.refuse(userId, started);
        throw error;
      }
    }
    let outcome: TurnSubmitOutcome<RateLimitDecision>;
    try {
      outcome = await (started ? started.enqueue(job) : producer.submit({ job, maxConcurrentTurns, rate: limiter }));
    } catch (error) {
      if (!(error instanceof TurnEnqueueError)) throw error;
      logger.error({ err: error.cause, userId, turnId }, 'could not enqueue the chat job');
      throw new GatewayError('service_unavailable', 'The chat queue is unavailable; try again.');
    }
    if (outcome.kind === 'enqueued') {
      logger.debug({ userId, turnId, model: model.model_id, servers: mcpServerIds, conversationId }, 'turn enqueued');
      if (conversationId !== undefined) await this.options.changes.publish({ user_id: userId, conversation_id: conversationId, change: 'turn_started', turn_id: turnId });
      return { turnId, model: model.model_id, createdAt, stream: outcome.stream, rateLimitHeaders: RateLimiter.admit(outcome.decision) };
    }
    // A refused turn was counted too: over the limit, admit() throws its 429 first.
    RateLimiter.admit(outcome.decision);
    if (outcome.kind === 'busy') {
      throw new GatewayError(
        'rate_limit_exceeded',
        `You have ${outcome.held} chat turns running or queued, the most allowed at once (MAX_CONCURRENT_TURNS_PER_USER=${maxConcurrentTurns}); wait for one to finish or stop one.`,
      );
    }
    if (outcome.kind === 'conversation_busy') throw conversationBusy(job, outcome.runningTurnId);
    throw new GatewayError('rate_limit_exceeded', 'Rate limit reached.');
  }

  /** 409 when the conversation holds CONVERSATION_MAX_BYTES or more (a new one has no summary yet). */
  private async assertRoomIn(userId: string, conversationId: string): Promise<void> {
    const summary = await this.options.conversations.summary(userId, conversationId);
    const max = this.options.maxConversationBytes;
    if (summary && summary.size_bytes >= max) {
      throw new GatewayError(
        'conflict',
        `Conversation '${conversationId}' is full (${summary.size_bytes} bytes; CONVERSATION_MAX_BYTES=${max}): start a new conversation.`,
        'conversation_id',
      );
    }
  }
}

function conversationBusy(job: ChatJob, runningTurnId: string): GatewayError {
  const conversationId = conversationOf(job) ?? '';
  return new GatewayError('conflict', `Conversation '${conversationId}' has a turn running (${runningTurnId}): wait for it to end, or stop it.`, 'conversation_id');
}
