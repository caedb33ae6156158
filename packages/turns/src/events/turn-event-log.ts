import type { Redis } from 'ioredis';
import { StreamEventSchema, type StreamEvent, type StreamEventDraft } from '@bedrock-mcp/contracts';
import { turnScript } from '../lua-scripts.js';
import type { TurnKeys } from '../turn-keys.js';

/** See lua/append-events.lua: seq, log, channels in one atomic step. */
const APPEND_EVENTS = turnScript('append-events', 4);

/** An event to log, with the time it happened when that is not the time it is logged. */
export type TimedDraft = StreamEventDraft & { ts?: number };

export interface TurnEventLogOptions {
  /** Events kept per turn. */
  maxEvents: number;
  /** Seconds the log outlives its last event. */
  ttlSeconds: number;
}

/**
 * A turn's events in Redis: each is given the next seq, appended to the capped replay log and
 * published on the turn's channel (and on the channel of the hub that submitted it, which its meta
 * names) in one atomic script (see lua/append-events.lua), so a reader that subscribes and then
 * reads the log sees every event exactly once. The seq counter lives in Redis, so a worker that
 * takes over a turn continues the numbering.
 */
export class TurnEventLog {
  /** Appends sent and not yet answered. */
  private inFlight = 0;

  constructor(
    private readonly redis: Redis,
    private readonly keys: TurnKeys,
    private readonly options: TurnEventLogOptions,
    /**
     * A connection without auto-pipelining, for an urgent append while no other is in flight: on
     * `redis` (auto-pipelined) a command waits for the batch ioredis writes on setImmediate.
     */
    private readonly direct?: Redis,
  ) {}

  /** Logs and publishes one event; returns it with its seq and timestamp. */
  async append(draft: StreamEventDraft): Promise<StreamEvent> {
    return (await this.appendMany(draft.turnId, [draft]))[0]!;
  }

  /**
   * Logs and publishes events of one turn in one round trip, in order, with consecutive seqs;
   * returns them with their seq and timestamp: the draft's own `ts` (when it happened, for an
   * event that waited for company), else now. The drafts are our own typed data: not re-parsed.
   */
  async appendMany(turnId: string, drafts: readonly TimedDraft[]): Promise<StreamEvent[]> {
    if (drafts.length === 0) return [];
    const now = Date.now();
    const first = await this.run(turnId, drafts, now);
    return drafts.map((draft, index) => ({ seq: first + index, ...draft, ts: draft.ts ?? now }) as StreamEvent);
  }

  /**
   * appendMany for a caller that needs only to know the events are logged (TurnEmitter, for every
   * event of every turn): the drafts are encoded as they are, with no copy of them made. `urgent`
   * (someone waits for these events: a round's first output) writes them at once, on the direct
   * connection, when no other append is in flight to share a write with (a quiet worker).
   */
  async appendAll(turnId: string, drafts: readonly TimedDraft[], options: { urgent?: boolean } = {}): Promise<void> {
    if (drafts.length === 0) return;
    const connection = options.urgent && this.direct && this.inFlight === 0 ? this.direct : this.redis;
    await this.run(turnId, drafts, Date.now(), connection);
  }

  /** Runs the append script; resolves with the first seq it assigned. */
  private async run(turnId: string, drafts: readonly TimedDraft[], now: number, connection = this.redis): Promise<number> {
    const keys = [this.keys.turnSeq(turnId), this.keys.turnLog(turnId), this.keys.turnChannel(turnId), this.keys.turnMeta(turnId)];
    const args = [String(this.options.maxEvents), String(this.options.ttlSeconds), ...drafts.map((draft) => logBody(draft, now))];
    this.inFlight += 1;
    try {
      return Number(await APPEND_EVENTS.run(connection, keys, args));
    } finally {
      this.inFlight -= 1;
    }
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

/** Parses a logged or published event, validating it against the schema. */
export function parseLoggedEvent(json: string): StreamEvent {
  return StreamEventSchema.parse(JSON.parse(json));
}

/**
 * An event's JSON without its opening brace: the script splices `{"seq":N,` in front, so the JSON
 * stays as JS wrote it. A draft without its own `ts` gets `now`, last. A draft is never empty (it
 * has a type and a turn id), so there is always a field before the comma.
 */
function logBody(draft: TimedDraft, now: number): string {
  const json = JSON.stringify(draft);
  return draft.ts === undefined ? `${json.slice(1, -1)},"ts":${now}}` : json.slice(1);
}
