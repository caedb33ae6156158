import type { Logger } from '@bedrock-mcp/common';
import type { Redis } from 'ioredis';

export interface OpenTurnStreamOptions {
  /** Deliver only events with a larger seq (0: from the start). */
  afterSeq?: number;
  /**
   * The turn has not been enqueued yet, so every event will arrive live on the channel subscribed
   * before the enqueue and the log need not be read first. Default false.
   */
  fresh?: boolean;
  /**
   * The turn's meta names this hub's channel (`homeChannel`): its events come there, and no
   * SUBSCRIBE to the turn's own channel is needed. Only for a turn this hub's producer submits.
   */
  viaHome?: boolean;
}

export interface TurnEventsOptions {
  /** A connection the hub puts in subscriber mode and owns (closed by close()). */
  subscriber: Redis;
  /** For reading turn logs. */
  redis: Redis;
  /** REDIS_PREFIX: what every key starts with. */
  prefix: string;
  logger: Logger;
  /** Live events held per stream while its reader is busy; past it they are dropped and re-read from the log. Default 1000. */
  maxBufferedEvents?: number;
  /** Milliseconds without any event after which a stream re-reads the log (a published message can be lost on a reconnect). Default 15 s. */
  resyncIntervalMs?: number;
  /** Milliseconds without any event after which a stream gives up with a `timeout` error. */
  idleTimeoutMs: number;
}
