import type { Redis } from 'ioredis';
import type { TurnKeys } from '../turn-keys.js';

export interface ConversationApprovalsOptions {
  /** Seconds a conversation's approvals live after the last one was given. */
  ttlSeconds: number;
}

/**
 * The tools a user approved "for this conversation": a set of `serverId/toolName` per user and
 * `conversation_id`, so later calls of those tools in that conversation need no approval. Scoped to
 * the user: another user's turn with the same conversation id does not see them.
 */
export class ConversationApprovals {
  constructor(
    private readonly redis: Redis,
    private readonly keys: TurnKeys,
    private readonly options: ConversationApprovalsOptions,
  ) {}

  async approved(userId: string, conversationId: string): Promise<Set<string>> {
    return new Set(await this.redis.smembers(this.keys.conversationApprovals(userId, conversationId)));
  }

  /** Adds the tools and refreshes the set's lifetime. */
  async remember(userId: string, conversationId: string, tools: readonly string[]): Promise<void> {
    if (tools.length === 0) return;
    const key = this.keys.conversationApprovals(userId, conversationId);
    await this.redis.multi().sadd(key, ...tools).expire(key, this.options.ttlSeconds).exec();
  }
}

/** How a remembered approval names a tool. */
export function approvedToolKey(serverId: string, toolName: string): string {
  return `${serverId}/${toolName}`;
}
