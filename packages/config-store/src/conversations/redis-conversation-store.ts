import { createLogger, LuaScript, quitOrDisconnect, type Logger, type Redis, type RedisKeys } from '@bedrock-mcp/common';
import { ConversationMessageSchema, type ConversationMessage } from '@bedrock-mcp/contracts';
import { decodeCursor, encodeCursor, isAfter, type ListPosition } from './conversation-cursor.js';
import type {
  ConversationDefaults,
  ConversationPage,
  ConversationStore,
  FinishTurnRecord,
  GetConversationOptions,
  ListConversationsOptions,
  NewBlob,
  StartTurnRecord,
  StoredBlob,
  StoredConversation,
  StoredConversationSummary,
} from './conversation-store.js';
import { searchTextOf, titleFromMessage, UNTITLED_CONVERSATION } from './conversation-text.js';
import { StoredConversationSummarySchema } from './stored-summary.js';

export interface RedisConversationStoreOptions {
  redis: Redis;
  keys: RedisKeys;
  /** A conversation untouched this long (ms) is gone; 0 keeps it until deleted. Default 0. */
  retentionMs?: number;
  /** Receives corrupt-entry warnings. Default: a `config-store` logger on stdout. */
  logger?: Logger;
  /** Quit `redis` on close(). Default false: whoever created the connection closes it. */
  ownsConnection?: boolean;
  /** Clock for retention pruning of the index, epoch ms. Default Date.now. */
  now?: () => number;
}

const LUA_DIR = new URL('../../lua/', import.meta.url);
const RECORD_MESSAGE = LuaScript.load(LUA_DIR, 'conversation-record-message', 4);
const CREATE = LuaScript.load(LUA_DIR, 'conversation-create', 4);
const UPDATE = LuaScript.load(LUA_DIR, 'conversation-update', 4);
const SET_TITLE = LuaScript.load(LUA_DIR, 'conversation-set-title', 1);
const DELETE = LuaScript.load(LUA_DIR, 'conversation-delete', 4);
const SEARCH = LuaScript.load(LUA_DIR, 'conversation-search', 1);

/** The meta hash's summary fields, in the order the scripts return them (HMGET). */
const SUMMARY_FIELDS = ['id', 'title', 'title_source', 'created_at', 'updated_at', 'model', 'mcp_server_ids', 'message_count', 'size_bytes'] as const;
/** Bytes of lowercase message text kept per conversation for search (the first ones: later text is not searchable). */
const SEARCH_TEXT_CAP = 32 * 1024;
/** Index entries one search script reads and matches (bounds how long one call holds Redis). */
const SEARCH_BATCH = 500;

interface IndexEntry {
  id: string;
  updatedAt: number;
}

/**
 * Per user: a sorted set of conversation ids by updated_at (`keys.userConversations`); per
 * conversation: a meta hash (summary fields, lowercase search text, where the last exchange
 * starts), a list of message JSON and a hash of blobs (bytes by SHA-256, `<id>:type` beside).
 * Every write is one Lua script, so a turn's record, a replace-last and a delete are atomic; all
 * of a user's keys share the `{userId}` hash tag (one cluster slot).
 */
export class RedisConversationStore implements ConversationStore {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #retentionMs: number;
  readonly #logger: Logger;
  readonly #ownsConnection: boolean;
  readonly #now: () => number;
  #closing: Promise<void> | undefined;

  constructor(options: RedisConversationStoreOptions) {
    this.#redis = options.redis;
    this.#keys = options.keys;
    this.#retentionMs = options.retentionMs ?? 0;
    if (!(this.#retentionMs >= 0)) throw new Error('retentionMs must be 0 or more');
    this.#logger = options.logger ?? createLogger({ service: 'config-store' });
    this.#ownsConnection = options.ownsConnection ?? false;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Newest first. Without a query: one index read and one pipelined HMGET per page. With a query:
   * a Lua script reads SEARCH_BATCH index entries at a time and matches their lowercase titles and
   * search texts inside Redis (up to SEARCH_TEXT_CAP bytes each), until `limit + 1` hits or the
   * end, then one HMGET per hit: a query that matches little reads every conversation of the user
   * (10,000: ≈ 20 script calls, see the benchmark).
   */
  async list(userId: string, options: ListConversationsOptions): Promise<ConversationPage> {
    this.#assertOpen();
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const query = options.query?.trim().toLowerCase() || undefined;
    const indexKey = this.#keys.userConversations(userId);
    if (this.#retentionMs > 0) await this.#redis.zremrangebyscore(indexKey, '-inf', `(${this.#now() - this.#retentionMs}`);

    const wanted = options.limit + 1;
    const found: Array<{ summary: StoredConversationSummary; position: ListPosition }> = [];
    const stale: string[] = [];
    const batches = query === undefined ? this.#walkIndex(indexKey, after, wanted + 1) : this.#searchIndex(userId, indexKey, after, query, stale);
    for await (const entries of batches) {
      const pipeline = this.#redis.pipeline();
      for (const entry of entries) pipeline.hmget(this.#keys.conversationMeta(userId, entry.id), ...SUMMARY_FIELDS);
      const replies = (await pipeline.exec()) ?? [];
      for (const [index, entry] of entries.entries()) {
        const [error, values] = replies[index] ?? [];
        if (error) throw error;
        const row = values as Array<string | null>;
        if (row[0] === null) {
          stale.push(entry.id);
          continue;
        }
        const summary = this.#parseSummary(userId, entry.id, row);
        if (!summary) continue;
        found.push({ summary, position: entry });
        if (found.length === wanted) break;
      }
      if (found.length === wanted) break;
    }
    // Entries whose conversation expired (retention) or vanished: never listed, and dropped.
    if (stale.length > 0) await this.#redis.zrem(indexKey, ...stale);

    const page = found.slice(0, options.limit);
    const last = page.at(-1);
    return {
      conversations: page.map((item) => item.summary),
      nextCursor: found.length > options.limit && last ? encodeCursor(last.position) : null,
    };
  }

  async get(userId: string, conversationId: string, options: GetConversationOptions): Promise<StoredConversation | undefined> {
    this.#assertOpen();
    const metaKey = this.#keys.conversationMeta(userId, conversationId);
    const messagesKey = this.#keys.conversationMessages(userId, conversationId);
    const read = this.#redis.multi().hmget(metaKey, ...SUMMARY_FIELDS).llen(messagesKey);
    if (options.before === undefined) read.lrange(messagesKey, -options.messageLimit, -1);
    const replies = (await read.exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
    const summary = this.#parseSummary(userId, conversationId, replies[0]?.[1] as Array<string | null>);
    if (!summary) return undefined;
    const length = replies[1]?.[1] as number;

    let start: number;
    let raw: string[];
    if (options.before === undefined) {
      raw = replies[2]?.[1] as string[];
      start = length - raw.length;
    } else {
      const end = Math.min(options.before, length);
      start = Math.max(0, end - options.messageLimit);
      raw = end > start ? await this.#redis.lrange(messagesKey, start, end - 1) : [];
    }
    const messages: ConversationMessage[] = [];
    let firstIndex: number | undefined;
    for (const [offset, json] of raw.entries()) {
      const message = this.#parseMessage(userId, conversationId, start + offset, json);
      if (!message) continue;
      firstIndex ??= start + offset;
      messages.push(message);
    }
    return { summary, messages, firstIndex: firstIndex ?? start };
  }

  async summary(userId: string, conversationId: string): Promise<StoredConversationSummary | undefined> {
    this.#assertOpen();
    const values = await this.#redis.hmget(this.#keys.conversationMeta(userId, conversationId), ...SUMMARY_FIELDS);
    return this.#parseSummary(userId, conversationId, values);
  }

  async create(userId: string, conversationId: string, defaults: ConversationDefaults, now: number): Promise<StoredConversationSummary | undefined> {
    this.#assertOpen();
    const titled = defaults.title !== undefined;
    const summary: StoredConversationSummary = {
      id: conversationId,
      title: defaults.title ?? UNTITLED_CONVERSATION,
      title_source: titled ? 'user' : 'first_message',
      created_at: now,
      updated_at: now,
      model: defaults.model ?? null,
      mcp_server_ids: [...(defaults.mcpServerIds ?? [])],
      message_count: 0,
      size_bytes: 0,
    };
    const created = await CREATE.run(this.#redis, this.#conversationKeys(userId, conversationId), [
      conversationId,
      now,
      summary.title,
      summary.title_source,
      JSON.stringify(summary.model),
      JSON.stringify(summary.mcp_server_ids),
      this.#retentionMs,
      summary.title.toLowerCase(),
    ]);
    return created === 1 ? summary : undefined;
  }

  async update(userId: string, conversationId: string, patch: ConversationDefaults, now: number): Promise<StoredConversationSummary | undefined> {
    this.#assertOpen();
    const changes: string[] = [];
    if (patch.title !== undefined) changes.push('title', patch.title, 'title_lower', patch.title.toLowerCase());
    if (patch.model !== undefined) changes.push('model', JSON.stringify(patch.model));
    if (patch.mcpServerIds !== undefined) changes.push('mcp_server_ids', JSON.stringify(patch.mcpServerIds));
    const values = await UPDATE.run(this.#redis, this.#conversationKeys(userId, conversationId), [conversationId, now, this.#retentionMs, ...changes]);
    return values === null ? undefined : this.#parseSummary(userId, conversationId, values as Array<string | null>);
  }

  async startTurn(userId: string, conversationId: string, record: StartTurnRecord): Promise<StoredConversationSummary> {
    this.#assertOpen();
    const values = await this.#recordMessage(userId, conversationId, 'start', record.message, record.blobs, record.now, [
      titleFromMessage(record.message),
      JSON.stringify(record.model),
      JSON.stringify(record.mcpServerIds),
      record.replaceLast ? '1' : '0',
    ]);
    const summary = values && this.#parseSummary(userId, conversationId, values);
    if (!summary) throw new Error(`conversation ${conversationId} could not be read back after recording a turn`);
    return summary;
  }

  async finishTurn(userId: string, conversationId: string, record: FinishTurnRecord): Promise<StoredConversationSummary | undefined> {
    this.#assertOpen();
    const values = await this.#recordMessage(userId, conversationId, 'finish', record.message, record.blobs, record.now, ['', 'null', '[]', '0']);
    return values ? this.#parseSummary(userId, conversationId, values) : undefined;
  }

  async setTitle(userId: string, conversationId: string, title: string, source: 'first_message' | 'model'): Promise<boolean> {
    this.#assertOpen();
    return (await SET_TITLE.run(this.#redis, [this.#keys.conversationMeta(userId, conversationId)], [title, source, title.toLowerCase()])) === 1;
  }

  async delete(userId: string, conversationId: string): Promise<boolean> {
    this.#assertOpen();
    return (await DELETE.run(this.#redis, this.#conversationKeys(userId, conversationId), [conversationId])) === 1;
  }

  async getBlob(userId: string, conversationId: string, blobId: string): Promise<StoredBlob | undefined> {
    this.#assertOpen();
    // Only a blob id names a blob (not `<id>:type`, nor another field).
    if (!/^[0-9a-f]{64}$/.test(blobId)) return undefined;
    const [data, mediaType] = await this.#redis.hmgetBuffer(this.#keys.conversationBlobs(userId, conversationId), blobId, `${blobId}:type`);
    if (!data || !mediaType) return undefined;
    return { data, mediaType: mediaType.toString('utf8') };
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    await this.#redis.ping();
  }

  close(): Promise<void> {
    this.#closing ??= this.#ownsConnection ? quitOrDisconnect(this.#redis) : Promise.resolve();
    return this.#closing;
  }

  #conversationKeys(userId: string, conversationId: string): string[] {
    return [
      this.#keys.conversationMeta(userId, conversationId),
      this.#keys.conversationMessages(userId, conversationId),
      this.#keys.conversationBlobs(userId, conversationId),
      this.#keys.userConversations(userId),
    ];
  }

  async #recordMessage(
    userId: string,
    conversationId: string,
    mode: 'start' | 'finish',
    message: ConversationMessage,
    blobs: readonly NewBlob[],
    now: number,
    startArgs: [title: string, model: string, mcpServerIds: string, replaceLast: string],
  ): Promise<Array<string | null> | undefined> {
    const blobArgs = blobs.flatMap((blob) => [blob.blobId, blob.mediaType, blob.data]);
    const values = await RECORD_MESSAGE.run(this.#redis, this.#conversationKeys(userId, conversationId), [
      mode,
      conversationId,
      now,
      JSON.stringify(message),
      searchTextOf(message),
      ...startArgs,
      this.#retentionMs,
      SEARCH_TEXT_CAP,
      startArgs[0].toLowerCase(),
      ...blobArgs,
    ]);
    return values === null ? undefined : (values as Array<string | null>);
  }

  /** The index newest first from after `after`, in batches (ties: id descending, as ZREVRANGE orders them). */
  async *#walkIndex(indexKey: string, after: ListPosition | undefined, batchSize: number): AsyncGenerator<IndexEntry[]> {
    const max = after === undefined ? '+inf' : String(after.updatedAt);
    for (let offset = 0; ; offset += batchSize) {
      const flat = await this.#redis.zrevrangebyscore(indexKey, max, '-inf', 'WITHSCORES', 'LIMIT', offset, batchSize);
      const entries: IndexEntry[] = [];
      for (let index = 0; index < flat.length; index += 2) {
        const entry = { id: flat[index]!, updatedAt: Number(flat[index + 1]) };
        if (after === undefined || isAfter(after, entry.updatedAt, entry.id)) entries.push(entry);
      }
      if (entries.length > 0) yield entries;
      if (flat.length < batchSize * 2) return;
    }
  }

  /** The index entries whose conversation matches `query` (matched in Redis, SEARCH_BATCH at a time), newest first from after `after`; vanished ones go to `stale`. */
  async *#searchIndex(userId: string, indexKey: string, after: ListPosition | undefined, query: string, stale: string[]): AsyncGenerator<IndexEntry[]> {
    const [metaPrefix, metaSuffix] = this.#keys.conversationMeta(userId, '\u0000').split('\u0000') as [string, string];
    const max = after === undefined ? '+inf' : String(after.updatedAt);
    for (let offset = 0; ; offset += SEARCH_BATCH) {
      const [read, ...flat] = (await SEARCH.run(this.#redis, [indexKey], [metaPrefix, metaSuffix, max, offset, SEARCH_BATCH, query])) as [number, ...Array<string | number>];
      const entries: IndexEntry[] = [];
      for (let index = 0; index < flat.length; index += 3) {
        const entry = { id: String(flat[index]), updatedAt: Number(flat[index + 1]) };
        if (after !== undefined && !isAfter(after, entry.updatedAt, entry.id)) continue;
        if (flat[index + 2] === 1) entries.push(entry);
        else stale.push(entry.id);
      }
      if (entries.length > 0) yield entries;
      if (read < SEARCH_BATCH) return;
    }
  }

  #parseSummary(userId: string, conversationId: string, values: ReadonlyArray<string | null> | undefined): StoredConversationSummary | undefined {
    if (!values || values[0] === null || values[0] === undefined) return undefined;
    const [id, title, titleSource, createdAt, updatedAt, model, mcpServerIds, messageCount, sizeBytes] = values;
    try {
      const parsed = StoredConversationSummarySchema.safeParse({
        id,
        title,
        title_source: titleSource,
        created_at: Number(createdAt),
        updated_at: Number(updatedAt),
        model: JSON.parse(model ?? 'null'),
        mcp_server_ids: JSON.parse(mcpServerIds ?? '[]'),
        message_count: Number(messageCount),
        size_bytes: Number(sizeBytes),
      });
      if (parsed.success) return parsed.data;
    } catch {
      // not JSON: reported below
    }
    this.#logger.warn({ userId, conversationId }, 'skipping a corrupt conversation summary');
    return undefined;
  }

  #parseMessage(userId: string, conversationId: string, index: number, json: string): ConversationMessage | undefined {
    try {
      const parsed = ConversationMessageSchema.safeParse(JSON.parse(json));
      if (parsed.success) return parsed.data;
    } catch {
      // not JSON: reported below
    }
    this.#logger.warn({ userId, conversationId, index }, 'skipping a corrupt conversation message');
    return undefined;
  }

  #assertOpen(): void {
    if (this.#closing) throw new Error('conversation store is closed');
  }
}
