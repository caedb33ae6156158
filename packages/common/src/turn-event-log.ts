import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { StreamEventSchema, type StreamEvent, type StreamEventDraft } from '@bedrock-mcp/contracts';
import type { RedisKeys } from './redis-keys.js';

/**
 * Assigns the next sequence numbers, appends the events to the capped replay log and publishes
 * each one, atomically, so a reader that subscribes and then reads the log sees every event
 * exactly once (deduplicating by seq). The seq counter lives in Redis, so a worker that takes over
 * a turn continues the numbering. ARGV: max events, TTL (s), then one body per event, in order.
 * Returns the first seq assigned.
 */
const APPEND_SCRIPT = `
local last = redis.call('INCRBY', KEYS[1], #ARGV - 2)
local first = last - (#ARGV - 2) + 1
for i = 3, #ARGV do
  local json = '{"seq":' .. (first + i - 3) .. ',' .. ARGV[i]
  redis.call('RPUSH', KEYS[2], json)
  redis.call('PUBLISH', KEYS[3], json)
end
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[1]), -1)
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return first
`;
const APPEND_SHA = createHash('sha1').update(APPEND_SCRIPT).digest('hex');

export interface TurnEventLogOptions {
  /** Events kept per turn. */
  maxEvents: number;
  /** Seconds the log outlives its last event. */
  ttlSeconds: number;
}

export class TurnEventLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly options: TurnEventLogOptions,
  ) {}

  /** Logs and publishes one event; returns it with its seq and timestamp. */
  async append(draft: StreamEventDraft): Promise<StreamEvent> {
    return (await this.appendMany(draft.turnId, [draft]))[0]!;
  }

  /**
   * Logs and publishes events of one turn in one round trip, in order, with consecutive seqs;
   * returns them with their seq and timestamp. The drafts are our own typed data: not re-parsed.
   */
  async appendMany(turnId: string, drafts: readonly StreamEventDraft[]): Promise<StreamEvent[]> {
    if (drafts.length === 0) return [];
    const ts = Date.now();
    const events = drafts.map((draft) => ({ ...draft, ts }));
    // The script splices `"seq":N,` in front of the rest of each object, so JSON stays as JS wrote it.
    const args = [
      this.keys.turnSeq(turnId),
      this.keys.turnLog(turnId),
      this.keys.turnChannel(turnId),
      String(this.options.maxEvents),
      String(this.options.ttlSeconds),
      ...events.map((event) => JSON.stringify(event).slice(1)),
    ];
    let first: number;
    try {
      first = Number(await this.redis.evalsha(APPEND_SHA, 3, ...args));
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      first = Number(await this.redis.eval(APPEND_SCRIPT, 3, ...args));
    }
    return events.map((event, index) => ({ seq: first + index, ...event }) as StreamEvent);
  }

  /** Logged events with seq > afterSeq, oldest first. */
  async readAfter(turnId: string, afterSeq: number): Promise<StreamEvent[]> {
    const raw = await this.redis.lrange(this.keys.turnLog(turnId), 0, -1);
    return raw.map(parseLoggedEvent).filter((event) => event.seq > afterSeq);
  }

  async lastSeq(turnId: string): Promise<number> {
    return Number((await this.redis.get(this.keys.turnSeq(turnId))) ?? 0);
  }
}

/** Parses a logged or published event. */
export function parseLoggedEvent(json: string): StreamEvent {
  return StreamEventSchema.parse(JSON.parse(json));
}
