import { randomBytes } from 'node:crypto';
import type { Logger } from '@bedrock-mcp/common';
import type { ChatCompletionRequest, ChatJob } from '@bedrock-mcp/contracts';
import type { JobsOptions } from 'bullmq';
import { assertAttachmentSizes } from './attachment-limits.js';
import { buildChatJob } from './chat-job-builder.js';
import { GatewayError } from './gateway-error.js';
import type { McpServerDirectory } from './mcp-server-directory.js';
import type { ModelCatalog } from './model-catalog.js';
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
  queue: ChatQueue;
  logger: Logger;
  /** Largest decoded attachment, in bytes. */
  maxAttachmentBytes: number;
  now?: () => number;
}

export interface SubmittedTurn {
  turnId: string;
  model: string;
  /** epoch ms */
  createdAt: number;
  /** Subscribed before the job was enqueued: no event is missed. */
  stream: TurnEventStream;
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
 * Starts a chat turn: checks the model, the servers and the attachments, records the turn's
 * owner, subscribes to its events and only then enqueues the job for a worker.
 */
export class TurnSubmitter {
  private readonly now: () => number;

  constructor(private readonly options: TurnSubmitterOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * `admission` (the rate limit) is awaited together with the turn's own Redis writes, so its
   * round trip overlaps theirs; when it rejects, nothing is enqueued and its error is thrown.
   */
  async submit(userId: string, body: ChatCompletionRequest, admission: Promise<unknown> = Promise.resolve()): Promise<SubmittedTurn> {
    const model = this.options.models.require(body.model);
    assertAttachmentSizes(body.messages, this.options.maxAttachmentBytes);
    const mcpServerIds = await this.options.servers.requireUsable(userId, body.mcp_server_ids);

    const turnId = newTurnId();
    const createdAt = this.now();
    const [admitted, created, opened] = await Promise.allSettled([
      admission,
      this.options.access.create(turnId, { userId, model: model.model_id, status: 'queued', createdAt }),
      this.options.hub.open(turnId, { fresh: true }),
    ]);
    if (admitted.status === 'rejected' || created.status === 'rejected' || opened.status === 'rejected') {
      if (opened.status === 'fulfilled') opened.value.close();
      if (created.status === 'fulfilled') await this.options.access.remove(turnId).catch(() => undefined);
      throw [admitted, created, opened].find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')!.reason;
    }
    const stream = opened.value;
    const job = buildChatJob({ turnId, userId, body, model, mcpServerIds, createdAt });
    try {
      await this.options.queue.add('chat', job, { jobId: turnId, ...JOB_RETENTION });
    } catch (error) {
      stream.close();
      await this.options.access.remove(turnId).catch(() => undefined);
      this.options.logger.error({ err: error, userId, turnId }, 'could not enqueue the chat job');
      throw new GatewayError('service_unavailable', 'The chat queue is unavailable; try again.');
    }
    this.options.logger.debug({ userId, turnId, model: model.model_id, servers: mcpServerIds }, 'turn enqueued');
    return { turnId, model: model.model_id, createdAt, stream };
  }
}
