import type { Logger } from '@bedrock-mcp/common';
import type { Redis } from 'ioredis';

export interface TurnConsumerOptions {
  /** Commands connection for the turn's keys (events, checkpoint, tool ledger, slots). The caller owns it. */
  redis: Redis;
  /**
   * BullMQ's connection, with `maxRetriesPerRequest: null` and without auto-pipelining (ioredis
   * would copy BullMQ's dozens of scripts into every batch); BullMQ duplicates it for blocking
   * reads. The caller owns it.
   */
  connection: Redis;
  /** A connection the consumer puts in subscriber mode for stop requests and answers to asks; it owns it (closed by close()). */
  subscriber: Redis;
  /** REDIS_PREFIX: what every key starts with (BullMQ's keys too). */
  prefix: string;
  /** Turns run at once by this process (WORKER_CONCURRENCY). */
  concurrency: number;
  /** Milliseconds a job lock lasts (renewed at half); after it expires the turn counts as stalled. */
  lockDurationMs: number;
  /** Milliseconds between stalled-job checks. */
  stalledIntervalMs: number;
  /** Stalls (worker deaths) a turn survives before it fails. */
  maxStalledCount: number;
  /** Events kept in a turn's replay log (STREAM_REPLAY_MAX_EVENTS). */
  maxEvents: number;
  /** Seconds a turn's log, checkpoint and tool ledger outlive their last write (STREAM_REPLAY_TTL_S). */
  ttlSeconds: number;
  /** Seconds the tools a user approved for a conversation stay approved after the last approval. Default 30 days. */
  conversationApprovalTtlSeconds?: number;
  /** This process in the tool ledger's claims (e.g. `host-pid`). */
  workerId: string;
  logger: Logger;
}
