import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger, Redis, RedisKeys } from '@bedrock-mcp/common';
import { z } from 'zod';
import type { VoiceTurn } from './voice-turn.js';

// The user's server-side history (`keys.userHistory`) is the agent-worker's: a Redis list of JSON
// Converse messages `{"role":"user"|"assistant","content":[{"text":…}, …]}`. A keep_session text turn
// holds `keys.userHistoryLock` from loading it to saving it, and its save replaces the whole list, only
// if `keys.userHistoryEpoch` is still what it loaded. So voice transcripts are appended only while nobody
// holds the lock, in one script (check + append + bound + epoch bump): never in the middle of a text turn,
// and a turn resumed from an older load (its lock had expired) sees the epoch moved and does not write
// its stale copy over them. Removing the history (clearUserHistory) needs nothing from here: later
// transcripts start the new history.

/**
 * KEYS: history, lock, epoch. ARGV: maxMessages, message JSON…  Returns 1 when appended, 0 when the lock is held.
 * When the list grows past the bound, the oldest messages go, and then any leading message that does not
 * start an exchange (an assistant message or tool results), as the worker's own bound does.
 */
const APPEND = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
for i = 2, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
local max = tonumber(ARGV[1])
if redis.call('LLEN', KEYS[1]) > max then
  redis.call('LTRIM', KEYS[1], -max, -1)
  while redis.call('LLEN', KEYS[1]) > 0 do
    local ok, first = pcall(cjson.decode, redis.call('LINDEX', KEYS[1], 0))
    local starts = ok and type(first) == 'table' and first.role == 'user'
    if starts and type(first.content) == 'table' then
      for _, block in ipairs(first.content) do
        if type(block) == 'table' and block.toolResult ~= nil then starts = false end
      end
    end
    if starts then break end
    redis.call('LPOP', KEYS[1])
  end
end
redis.call('INCR', KEYS[3])
return 1
`;

export interface VoiceHistoryOptions {
  /** Messages the history keeps (HISTORY_MAX_MESSAGES). */
  maxMessages: number;
  /** Milliseconds to wait for a running text turn to release the history lock (HISTORY_LOCK_WAIT_MS). */
  lockWaitMs: number;
  logger: Logger;
  /** Milliseconds between attempts while waiting; default 50, doubling to 500. */
  pollMs?: number;
}

export type AppendOutcome = 'appended' | 'lock_timeout';

/**
 * Appends voice transcripts to the user's chat history, so text chat with keep_session and voice share
 * one conversation.
 */
export class VoiceHistoryWriter {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly options: VoiceHistoryOptions,
  ) {}

  async append(userId: string, turns: readonly VoiceTurn[], signal?: AbortSignal): Promise<AppendOutcome> {
    const messages = turns.filter((turn) => turn.text.trim() !== '').map((turn) => JSON.stringify({ role: turn.role, content: [{ text: turn.text }] }));
    if (messages.length === 0) return 'appended';
    const deadline = Date.now() + this.options.lockWaitMs;
    let pollMs = this.options.pollMs ?? 50;
    for (;;) {
      const appended = await this.redis.eval(
        APPEND,
        3,
        this.keys.userHistory(userId),
        this.keys.userHistoryLock(userId),
        this.keys.userHistoryEpoch(userId),
        String(this.options.maxMessages),
        ...messages,
      );
      if (appended === 1) return 'appended';
      if (Date.now() + pollMs > deadline) {
        this.options.logger.warn({ userId, messages: messages.length }, 'voice transcripts not added: a text turn held the history too long');
        return 'lock_timeout';
      }
      await sleep(pollMs, undefined, signal ? { signal } : {});
      pollMs = Math.min(pollMs * 2, 500);
    }
  }

  /** An `onTranscript` for SonicSession that appends each transcript for `userId`. */
  transcriptSink(userId: string): (turn: VoiceTurn) => Promise<void> {
    return async (turn) => {
      await this.append(userId, [turn]);
    };
  }
}

const StoredMessageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.array(z.unknown()),
});
const TextBlockSchema = z.object({ text: z.string() });

/**
 * The text of the user's chat history as voice turns (tool uses, tool results, images and reasoning
 * left out), oldest first, for `SonicSessionStart.history`. Unreadable entries are skipped.
 */
export async function loadVoiceHistory(redis: Redis, keys: RedisKeys, userId: string): Promise<VoiceTurn[]> {
  const raw = await redis.lrange(keys.userHistory(userId), 0, -1);
  const turns: VoiceTurn[] = [];
  for (const json of raw) {
    const message = StoredMessageSchema.safeParse(safeJson(json));
    if (!message.success) continue;
    const text = message.data.content
      .flatMap((block) => {
        const parsed = TextBlockSchema.safeParse(block);
        return parsed.success ? [parsed.data.text.trim()] : [];
      })
      .filter((part) => part !== '')
      .join('\n');
    if (text !== '') turns.push({ role: message.data.role, text });
  }
  return turns;
}

function safeJson(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}
