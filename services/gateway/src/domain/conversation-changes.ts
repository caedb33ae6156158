import type { Logger, Redis, RedisKeys } from '@bedrock-mcp/common';
import type { ConversationChange } from '@bedrock-mcp/contracts';

/**
 * Publishes what the gateway changed in a user's conversations (created, renamed, deleted, a turn
 * started) on the conversation-changes channel, which every gateway relays to that user's chat
 * sockets. A change that cannot be published is logged, not failed: the change itself happened.
 */
export class ConversationChangePublisher {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async publish(change: Omit<ConversationChange, 'at'>): Promise<void> {
    const message: ConversationChange = { ...change, at: this.now() };
    await this.redis.publish(this.keys.conversationChanges(), JSON.stringify(message)).catch((error: unknown) => {
      this.logger.warn({ err: error, userId: change.user_id, conversationId: change.conversation_id, change: change.change }, 'could not publish a conversation change');
    });
  }
}
