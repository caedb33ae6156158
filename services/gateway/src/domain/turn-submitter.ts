import { randomBytes } from 'node:crypto';
import type { Logger } from '@bedrock-mcp/common';
import type { ChatCompletionRequest, ModelConfig } from '@bedrock-mcp/contracts';
import { TurnEnqueueError, type TurnEventStream, type TurnProducer, type TurnSubmitOutcome } from '@bedrock-mcp/turns';
import { assertAttachmentSizes } from './attachment-limits.js';
import { buildChatJob } from './chat-job-builder.js';
import { GatewayError } from './gateway-error.js';
import type { McpServerDirectory } from './mcp-server-directory.js';
import type { ModelCatalog } from './model-catalog.js';
import { RateLimiter, type RateLimitDecision } from './rate-limiter.js';
import { assertRequestCounts, type RequestCountLimits } from './request-count-limits.js';

export interface TurnSubmitterOptions {
  models: ModelCatalog;
  servers: McpServerDirectory;
  /** Runs the turn's protocol: slot, meta, subscribe, count, enqueue. */
  producer: Pick<TurnProducer, 'submit'>;
  limiter: RateLimiter;
  logger: Logger;
  /** Largest decoded attachment, in bytes. */
  maxAttachmentBytes: number;
  /** Messages, images and documents one request may carry. */
  counts: RequestCountLimits;
  /** Slots per user (MAX_CONCURRENT_TURNS_PER_USER). */
  maxConcurrentTurns: number;
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

function newTurnId(): string {
  return `chatcmpl-${randomBytes(18).toString('base64url')}`;
}

/**
 * Starts a chat turn: checks the model, the request's size, the servers and the attachments, then
 * hands the job to the TurnProducer (which takes one of the user's concurrent-turn slots, records
 * the turn's owner, subscribes to its events, counts it against this limiter and enqueues it, in
 * that order on the wire but without waiting for one another). A request refused before that still
 * counts, and over the limit its 429 wins.
 */
export class TurnSubmitter {
  private readonly now: () => number;

  constructor(private readonly options: TurnSubmitterOptions) {
    this.now = options.now ?? Date.now;
  }

  async submit(userId: string, body: ChatCompletionRequest): Promise<SubmittedTurn> {
    const { producer, limiter, logger, maxConcurrentTurns } = this.options;
    let model: ModelConfig;
    let mcpServerIds: string[];
    try {
      model = this.options.models.require(body.model);
      assertRequestCounts(body.messages, this.options.counts);
      assertAttachmentSizes(body.messages, this.options.maxAttachmentBytes);
      mcpServerIds = await this.options.servers.requireUsable(userId, body.mcp_server_ids);
    } catch (error) {
      await limiter.enforce(userId);
      throw error;
    }

    const turnId = newTurnId();
    const createdAt = this.now();
    const job = buildChatJob({ turnId, userId, body, model, mcpServerIds, createdAt });
    let outcome: TurnSubmitOutcome<RateLimitDecision>;
    try {
      outcome = await producer.submit({ job, maxConcurrentTurns, rate: limiter });
    } catch (error) {
      if (!(error instanceof TurnEnqueueError)) throw error;
      logger.error({ err: error.cause, userId, turnId }, 'could not enqueue the chat job');
      throw new GatewayError('service_unavailable', 'The chat queue is unavailable; try again.');
    }
    if (outcome.kind === 'enqueued') {
      logger.debug({ userId, turnId, model: model.model_id, servers: mcpServerIds }, 'turn enqueued');
      return { turnId, model: model.model_id, createdAt, stream: outcome.stream, rateLimitHeaders: RateLimiter.admit(outcome.decision) };
    }
    if (outcome.kind === 'busy') {
      await limiter.enforce(userId);
      throw new GatewayError(
        'rate_limit_exceeded',
        `You have ${outcome.held} chat turns running or queued, the most allowed at once (MAX_CONCURRENT_TURNS_PER_USER=${maxConcurrentTurns}); wait for one to finish or stop one.`,
      );
    }
    // A refused count: admit() throws its 429.
    RateLimiter.admit(outcome.decision);
    throw new GatewayError('rate_limit_exceeded', 'Rate limit reached.');
  }
}
