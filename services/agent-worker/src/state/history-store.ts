import type { Logger, Redis, RedisKeys } from '@bedrock-mcp/common';
import { ConverseMessageSchema, type ConverseMessage } from '../conversation/conversation.js';
import { boundHistory, sealConversation } from '../conversation/conversation-shaping.js';

/** What a turn saw when it loaded the history; saving checks nothing removed it since. */
export interface HistoryVersion {
  /** The user's history epoch (bumped by every save and by clearUserHistory). */
  epoch: string;
  /** Messages the history had. */
  length: number;
}

/**
 * Writes the history only while the turn still holds the user's lock and nobody changed it since
 * the turn loaded it: the epoch is bumped by every save and by clearUserHistory, and a history
 * that was non-empty but is gone was deleted outright. RPUSH goes in slices to stay within Lua's
 * argument limits.
 */
const SAVE = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
if (redis.call('GET', KEYS[3]) or '0') ~= ARGV[2] then return 0 end
if tonumber(ARGV[3]) > 0 and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('DEL', KEYS[1])
for i = 4, #ARGV, 500 do
  redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + 499, #ARGV)))
end
redis.call('INCR', KEYS[3])
return 1
`;

/** removed_or_changed: cleared (or written by a turn that took over the lock) since this turn loaded it. */
export type SaveOutcome = 'saved' | 'removed_or_changed' | 'lock_lost';

/**
 * A user's server-side conversation (keep_session): a Redis list of Converse messages (JSON,
 * bytes as base64), bounded to `maxMessages` at an exchange boundary.
 */
export class HistoryStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly options: { maxMessages: number; logger: Logger },
  ) {}

  async load(userId: string): Promise<{ messages: ConverseMessage[]; version: HistoryVersion }> {
    const [[, raw], [, epoch]] = (await this.redis
      .multi()
      .lrange(this.keys.userHistory(userId), 0, -1)
      .get(this.keys.userHistoryEpoch(userId))
      .exec()) as [[unknown, string[]], [unknown, string | null]];
    const messages: ConverseMessage[] = [];
    let invalid = 0;
    for (const json of raw) {
      const parsed = ConverseMessageSchema.safeParse(safeJson(json));
      if (parsed.success) messages.push(parsed.data);
      else invalid++;
    }
    if (invalid > 0) this.options.logger.warn({ userId, invalid }, 'dropped unreadable messages from the history');
    return { messages: sealConversation(messages), version: { epoch: epoch ?? '0', length: raw.length } };
  }

  /** Replaces the history with `messages` (sealed and bounded) if the turn may still write it. */
  async save(userId: string, lockToken: string, messages: readonly ConverseMessage[], loaded: HistoryVersion): Promise<SaveOutcome> {
    const bounded = boundHistory(sealConversation(messages), this.options.maxMessages);
    const result = await this.redis.eval(
      SAVE,
      3,
      this.keys.userHistory(userId),
      this.keys.userHistoryLock(userId),
      this.keys.userHistoryEpoch(userId),
      lockToken,
      loaded.epoch,
      String(loaded.length),
      ...bounded.map((message) => JSON.stringify(message)),
    );
    return result === 1 ? 'saved' : result === 0 ? 'removed_or_changed' : 'lock_lost';
  }
}

function safeJson(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}
