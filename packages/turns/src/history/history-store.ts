import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from '@bedrock-mcp/common';
import { ConverseMessageSchema, type ConverseMessage } from '@bedrock-mcp/contracts';
import { z } from 'zod';
import { turnScript } from '../lua-scripts.js';
import { boundHistory, sealConversation } from './conversation-shaping.js';
import { createHistoryKeys, type HistoryKeys, type HistoryScope } from './history-keys.js';
import { acquireHistoryLock, type HeldHistoryLock } from './history-lock.js';
import { HISTORY_STORE_DEFAULTS, MAX_POLL_MS, type HistoryStoreOptions } from './history-store-options.js';

const SAVE = turnScript('history-save', 3);
const APPEND = turnScript('history-append', 3);

/** What a turn saw when it loaded the history; saving checks nothing removed or changed it since. */
export interface HistoryVersion {
  /** The user's history epoch (bumped by every save, append and clear). */
  epoch: string;
  /** Messages the history had. */
  length: number;
}

export interface LoadedHistory {
  /** Sealed (safe to send to the model again); unreadable entries left out. */
  messages: ConverseMessage[];
  version: HistoryVersion;
}

/** removed_or_changed: cleared, appended to, or written by a turn that took over the lock since this turn loaded it. */
export type SaveOutcome = 'saved' | 'removed_or_changed' | 'lock_lost';

/** lock_timeout: a turn held the lock longer than `lockWaitMs`; nothing was written. */
export type AppendOutcome = 'appended' | 'lock_timeout';

/** One message of the history as text (tool uses, tool results, images and reasoning left out). */
export interface HistoryText {
  role: 'user' | 'assistant';
  text: string;
}

/** What loadText reads: any role/content pair, so text is not lost to a block it does not know. */
const StoredMessageSchema = z.object({ role: z.enum(['user', 'assistant']), content: z.array(z.unknown()) });
const StoredTextBlockSchema = z.object({ text: z.string() });

/**
 * A user's server-side conversations (keep_session text turns and voice transcripts): per
 * HistoryScope (user and conversation) a Redis list of Converse messages (JSON, bytes as base64),
 * at most `maxMessages`, cut at an exchange start. Every method acts on one conversation only.
 *
 * A keep_session turn holds the conversation's lock (`lock`) from `load` to `save`, and its save replaces
 * the whole list only if the epoch is still the one it loaded. `append` writes only while nobody
 * holds the lock and bumps the epoch, so appended messages are never lost to a save from an older
 * load; `clear` deletes the list and bumps the epoch, so a running turn does not write it back.
 *
 * The store does not own the Redis connection: whoever created it closes it.
 */
export class HistoryStore {
  readonly #redis: Redis;
  readonly #keys: HistoryKeys;
  readonly #options: Required<HistoryStoreOptions>;

  constructor(redis: Redis, options: HistoryStoreOptions) {
    const resolved: Required<HistoryStoreOptions> = { ...HISTORY_STORE_DEFAULTS, ...definedOnly(options), logger: options.logger };
    for (const [name, min] of [['maxMessages', 1], ['lockTtlMs', 1], ['lockWaitMs', 0], ['conversationTtlSeconds', 0], ['pollMs', 1]] as const) {
      if (!Number.isInteger(resolved[name]) || resolved[name] < min) throw new RangeError(`HistoryStore: ${name} must be an integer ≥ ${min}, got ${resolved[name]}`);
    }
    this.#redis = redis;
    this.#keys = createHistoryKeys(resolved.prefix);
    this.#options = resolved;
  }

  /**
   * The history, sealed, with the version `save` checks. Entries that are not JSON or not a
   * Converse message are left out (and counted in a warning) rather than failing the turn.
   */
  async load(scope: HistoryScope): Promise<LoadedHistory> {
    const [[, raw], [, epoch]] = (await this.#redis
      .multi()
      .lrange(this.#keys.history(scope), 0, -1)
      .get(this.#keys.epoch(scope))
      .exec()) as [[unknown, string[]], [unknown, string | null]];
    const messages: ConverseMessage[] = [];
    let invalid = 0;
    for (const json of raw) {
      const parsed = ConverseMessageSchema.safeParse(safeJson(json));
      if (parsed.success) messages.push(parsed.data);
      else invalid++;
    }
    if (invalid > 0) this.#options.logger.warn({ ...scope, invalid }, 'dropped unreadable messages from the history');
    return { messages: sealConversation(messages, { keepPendingToolUses: true }), version: { epoch: epoch ?? '0', length: raw.length } };
  }

  /** The text of each message that has some, oldest first (for a voice session to start from); unreadable entries skipped. */
  async loadText(scope: HistoryScope): Promise<HistoryText[]> {
    const raw = await this.#redis.lrange(this.#keys.history(scope), 0, -1);
    const texts: HistoryText[] = [];
    for (const json of raw) {
      const message = StoredMessageSchema.safeParse(safeJson(json));
      if (!message.success) continue;
      const text = message.data.content
        .flatMap((block) => {
          const parsed = StoredTextBlockSchema.safeParse(block);
          return parsed.success ? [parsed.data.text.trim()] : [];
        })
        .filter((part) => part !== '')
        .join('\n');
      if (text !== '') texts.push({ role: message.data.role, text });
    }
    return texts;
  }

  /**
   * Takes the conversation's history lock with `token` (the turn id: a worker resuming the turn takes
   * over the lock its dead predecessor held). Waits up to `lockWaitMs` for another turn of the
   * same conversation (turns of other conversations do not wait), then throws HistoryLockTimeoutError; rejects with an AbortError when `signal` aborts meanwhile.
   */
  lock(scope: HistoryScope, token: string, signal?: AbortSignal): Promise<HeldHistoryLock> {
    const { lockTtlMs, lockWaitMs, pollMs } = this.#options;
    return acquireHistoryLock(this.#redis, this.#keys.lock(scope), token, { ttlMs: lockTtlMs, waitMs: lockWaitMs, pollMs }, signal);
  }

  /** Replaces the history with `messages` (sealed and bounded) if the turn still holds the lock and nothing changed since `loaded`. */
  async save(scope: HistoryScope, lockToken: string, messages: readonly ConverseMessage[], loaded: HistoryVersion): Promise<SaveOutcome> {
    const bounded = boundHistory(sealConversation(messages, { keepPendingToolUses: true }), this.#options.maxMessages);
    const result = await SAVE.run(this.#redis, this.#historyKeys(scope), [
      lockToken,
      loaded.epoch,
      String(loaded.length),
      this.#ttlMs(scope),
      ...bounded.map((message) => JSON.stringify(message)),
    ]);
    return result === 1 ? 'saved' : result === 0 ? 'removed_or_changed' : 'lock_lost';
  }

  /**
   * Adds `messages` at the end once no turn holds the lock (waiting up to `lockWaitMs`), bounded
   * like a save, and bumps the epoch. Nothing to add is 'appended' without a write.
   */
  async append(scope: HistoryScope, messages: readonly ConverseMessage[], signal?: AbortSignal): Promise<AppendOutcome> {
    if (messages.length === 0) return 'appended';
    const json = messages.map((message) => JSON.stringify(message));
    const deadline = Date.now() + this.#options.lockWaitMs;
    let pollMs = this.#options.pollMs;
    for (;;) {
      if ((await APPEND.run(this.#redis, this.#historyKeys(scope), [String(this.#options.maxMessages), this.#ttlMs(scope), ...json])) === 1) return 'appended';
      if (Date.now() + pollMs > deadline) {
        this.#options.logger.warn({ ...scope, messages: messages.length }, 'messages not added to the history: a turn held it too long');
        return 'lock_timeout';
      }
      await sleep(pollMs, undefined, signal ? { signal } : {});
      pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
    }
  }

  /**
   * Removes the history (`POST /v1/remove/history`), effective at once: deleted and its epoch
   * bumped in one transaction, so a keep_session turn that loaded it before does not write it
   * (nor its own messages) back when it saves; later messages start a new history.
   */
  /** How long the conversation's history lives after a write, in ms as the scripts take it ('0': for ever). */
  #ttlMs(scope: HistoryScope): string {
    return scope.conversationId === null ? '0' : String(this.#options.conversationTtlSeconds * 1000);
  }

  async clear(scope: HistoryScope): Promise<void> {
    await this.#redis.multi().del(this.#keys.history(scope)).incr(this.#keys.epoch(scope)).exec();
  }

  #historyKeys(scope: HistoryScope): string[] {
    return [this.#keys.history(scope), this.#keys.lock(scope), this.#keys.epoch(scope)];
  }
}

function safeJson(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
