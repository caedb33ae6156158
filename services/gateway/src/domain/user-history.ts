import { clearUserHistory, type Redis, type RedisKeys } from '@bedrock-mcp/common';

/** The server-side conversation history of `keep_session` turns (written by the agent worker). */
export class UserHistory {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** `POST /v1/remove/history`: deletes it and bumps its epoch, so a running turn does not write it back. */
  async clear(userId: string): Promise<void> {
    await clearUserHistory(this.redis, this.keys, userId);
  }
}
