import type { Logger } from '@bedrock-mcp/common';

export interface HistoryStoreOptions {
  /** Prefix of every Redis key (REDIS_PREFIX, e.g. `bmcp:`); default none. */
  prefix?: string;
  /** Messages a history keeps at most, cut at the start of an exchange (HISTORY_MAX_MESSAGES); default 200. */
  maxMessages?: number;
  /** Milliseconds a history lock lives without renewal; renewed every third of it while held (HISTORY_LOCK_TTL_MS); default 30 000. */
  lockTtlMs?: number;
  /** Milliseconds `lock` and `append` wait for another turn of the user to release the lock (HISTORY_LOCK_WAIT_MS); default 60 000. */
  lockWaitMs?: number;
  /**
   * Seconds a named conversation's history (a `conversation_id`) lives after its last write
   * (HISTORY_CONVERSATION_TTL_S); 0 keeps it for ever. The default conversation is always kept. Default 30 days.
   */
  conversationTtlSeconds?: number;
  /** Milliseconds between attempts while waiting for the lock (the first is immediate), doubling up to 500; default 50. */
  pollMs?: number;
  /** Warnings: unreadable stored messages dropped, an append given up. */
  logger: Logger;
}

export const HISTORY_STORE_DEFAULTS = {
  prefix: '',
  maxMessages: 200,
  lockTtlMs: 30_000,
  lockWaitMs: 60_000,
  conversationTtlSeconds: 30 * 24 * 3600,
  pollMs: 50,
} as const satisfies Omit<Required<HistoryStoreOptions>, 'logger'>;

/** How long the wait between lock attempts may grow, in milliseconds. */
export const MAX_POLL_MS = 500;
