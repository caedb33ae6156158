import { randomBytes } from 'node:crypto';
import type { ActiveTurns, Logger, Redis } from '@bedrock-mcp/common';
import type { ChatCompletionRequest, ChatJob, ModelConfig } from '@bedrock-mcp/contracts';
import type { JobsOptions } from 'bullmq';
import { assertAttachmentSizes } from './attachment-limits.js';
import { buildChatJob } from './chat-job-builder.js';
import { GatewayError } from './gateway-error.js';
import type { McpServerDirectory } from './mcp-server-directory.js';
import type { ModelCatalog } from './model-catalog.js';
import { RateLimiter, type RateLimitDecision } from './rate-limiter.js';
import { assertRequestCounts, type RequestCountLimits } from './request-count-limits.js';
import type { TurnAccess } from './turn-access.js';
import type { TurnEventHub, TurnEventStream } from './turn-event-stream.js';

/** What the gateway needs of a BullMQ queue. */
export interface ChatQueue {
  add(name: string, data: ChatJob, options: JobsOptions): Promise<unknown>;
}

export interface TurnSubmitterOptions {
  models: ModelCatalog;
  servers: McpServerDirectory;
  access: TurnAccess;
  hub: TurnEventHub;
  limiter: RateLimiter;
  queue: ChatQueue;
  /** The connection `queue` writes on: a turn is counted on it just ahead of its job. */
  queueConnection: Redis;
  logger: Logger;
  /** Largest decoded attachment, in bytes. */
  maxAttachmentBytes: number;
  /** Messages, images and documents one request may carry. */
  counts: RequestCountLimits;
  /** Each user's running or queued turns; a turn takes a slot before its job is enqueued. */
  activeTurns: Pick<ActiveTurns, 'admit' | 'release'>;
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

/**
 * A finished turn's record is its event log and meta, so a completed job (the whole request,
 * attachments included) is deleted at once; failed ones are kept a day for inspection (count-bounded).
 */
const JOB_RETENTION: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> = {
  removeOnComplete: true,
  removeOnFail: { count: 5000, age: 24 * 3600 },
};

export function newTurnId(): string {
  return `chatcmpl-${randomBytes(18).toString('base64url')}`;
}

/**
 * Starts a chat turn: checks the model, the request's size, the servers and the attachments, takes
 * one of the user's concurrent-turn slots, then records the turn's owner, subscribes to its events,
 * counts it against the rate limit and enqueues its job, in that order on the wire but without
 * waiting for one another (see RateLimiter.countTurn). A request refused before that still counts,
 * and over the limit its 429 wins. The slot is released by the worker when the turn ends, or here
 * when the turn is given up before it could run.
 */
export class TurnSubmitter {
  private readonly now: () => number;

  constructor(private readonly options: TurnSubmitterOptions) {
    this.now = options.now ?? Date.now;
  }

  async submit(userId: string, body: ChatCompletionRequest): Promise<SubmittedTurn> {
    const { access, hub, limiter, queue, logger } = this.options;
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
    const { activeTurns, maxConcurrentTurns } = this.options;
    const admitting = activeTurns.admit(userId, turnId, maxConcurrentTurns);
    admitting.catch(() => undefined);
    const created = access.create(turnId, { userId, model: model.model_id, status: 'queued', createdAt });
    const opening = hub.openTracked(turnId, { fresh: true });
    // The worker's first event must not reach Redis before the SUBSCRIBE.
    await opening.sent;
    const abandon = async (stopQueuedJob: boolean) => {
      if (stopQueuedJob) await access.requestStop(turnId).catch((error: unknown) => logger.warn({ err: error, turnId }, 'could not flag an abandoned turn as stopped'));
      const [stream] = await Promise.allSettled([opening.opened, created]);
      if (stream.status === 'fulfilled') stream.value.close();
      await Promise.all([access.remove(turnId).catch(() => undefined), activeTurns.release(userId, turnId).catch(() => undefined)]);
    };
    const admission = await admitting.catch(async (error: unknown) => {
      await abandon(false);
      throw error;
    });
    if (!admission.admitted) {
      await abandon(false);
      await limiter.enforce(userId);
      throw new GatewayError(
        'rate_limit_exceeded',
        `You have ${admission.held} chat turns running or queued, the most allowed at once (MAX_CONCURRENT_TURNS_PER_USER=${maxConcurrentTurns}); wait for one to finish or stop one.`,
      );
    }
    // Near the limit the count is awaited before the job goes in, and a refused turn is never queued.
    const waits = limiter.shouldWait(userId);
    const counted = waits ? limiter.consume(userId) : limiter.countTurn(userId, turnId, this.options.queueConnection);
    if (waits) {
      const early = await counted.catch(async (error: unknown) => {
        await abandon(false);
        throw error;
      });
      if (!early.allowed) {
        await abandon(false);
        RateLimiter.admit(early);
      }
    }
    const job = buildChatJob({ turnId, userId, body, model, mcpServerIds, createdAt });
    const added = queue.add('chat', job, { jobId: turnId, ...JOB_RETENTION });
    const [decision, recorded, opened, enqueued] = await Promise.allSettled([counted, created, opening.opened, added]);

    const failed = [decision, recorded, opened].find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    const refused = decision.status === 'fulfilled' && !decision.value.allowed;
    if (failed || refused || enqueued.status === 'rejected') {
      // A job already queued must not run: the count's script broadcast a refused turn's stop, and
      // the flag covers a worker that was not listening then.
      await abandon(enqueued.status === 'fulfilled');
      if (refused) RateLimiter.admit(decision.value);
      if (failed) throw failed.reason;
      logger.error({ err: (enqueued as PromiseRejectedResult).reason, userId, turnId }, 'could not enqueue the chat job');
      throw new GatewayError('service_unavailable', 'The chat queue is unavailable; try again.');
    }
    logger.debug({ userId, turnId, model: model.model_id, servers: mcpServerIds }, 'turn enqueued');
    return {
      turnId,
      model: model.model_id,
      createdAt,
      stream: (opened as PromiseFulfilledResult<TurnEventStream>).value,
      rateLimitHeaders: RateLimiter.admit((decision as PromiseFulfilledResult<RateLimitDecision>).value),
    };
  }
}
