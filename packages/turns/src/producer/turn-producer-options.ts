import type { Logger } from '@bedrock-mcp/common';
import type { Redis } from 'ioredis';
import type { TurnEvents } from '../events/turn-events.js';

export interface TurnProducerOptions {
  /** Commands connection (auto-pipelined with the rest of the process's traffic). The caller owns it. */
  redis: Redis;
  /** REDIS_PREFIX: what every key starts with (BullMQ's keys too). */
  prefix: string;
  /** The hub that reads a submitted turn's events (on its own channel, which the turn's meta names). The caller owns it. */
  events: Pick<TurnEvents, 'open' | 'homeChannel' | 'openTurns'>;
  logger: Logger;
  /**
   * Seconds a turn's meta (its owner, for resume and stop) and its stop flag live: as long as its
   * log may be resumed, so the longest turn plus the replay window.
   */
  metaTtlSeconds: number;
  /**
   * Milliseconds a concurrent-turn slot lasts unless released first: the safety net for a worker
   * that died without ending its turn. Longer than the longest turn plus time in the queue.
   */
  slotTtlMs: number;
  /** Name of the queue's own connection (duplicated from `redis`, owned and closed here). Default `bmcp-turn-queue`. */
  queueConnectionName?: string;
  /** Clock for the slots, epoch ms. Default Date.now. */
  now?: () => number;
}
