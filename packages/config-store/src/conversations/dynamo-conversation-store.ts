import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { createLogger, type Logger } from '@bedrock-mcp/common';
import { ConversationMessageSchema, type ConversationMessage } from '@bedrock-mcp/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import { withRequestTimeout } from '../dynamo-request-timeout.js';
import { decodeCursor, encodeCursor, type ListPosition } from './conversation-cursor.js';
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
import { CONVERSATIONS_BY_UPDATED_INDEX } from './ensure-conversation-table.js';
import { StoredConversationSummarySchema } from './stored-summary.js';

export interface DynamoConversationStoreOptions {
  client: DynamoDBClient;
  /** Table made like ensureConversationTable's: `pk` S + `sk` S, LSI `by-updated` on `updated_key`. */
  tableName: string;
  /** A conversation untouched this long (ms) is gone; 0 keeps it until deleted. Default 0. */
  retentionMs?: number;
  /** Receives corrupt-entry warnings. Default: a `config-store` logger on stdout. */
  logger?: Logger;
  /** Destroy `client` on close(). Default false: whoever created the client closes it. */
  ownsClient?: boolean;
  /** Bound on each DynamoDB request, SDK retries included, in ms. Default 10_000. */
  requestTimeoutMs?: number;
  /** Clock for retention, epoch ms. Default Date.now. */
  now?: () => number;
}

/** Bytes of a blob per item: well under DynamoDB's 400 KB item limit. */
const BLOB_CHUNK_BYTES = 256 * 1024;
/** UTF-16 units of a message's JSON per item: at most 3 bytes each in UTF-8, so under 300 KB. */
const MESSAGE_CHUNK_CHARS = 100_000;
/** Characters of lowercase message text kept per conversation for search. */
const SEARCH_TEXT_CAP = 32 * 1024;
/** Items read per Query page while searching. */
const SEARCH_PAGE = 200;
/** Rounds of read-then-conditional-write of a turn's record (turns of one conversation are serialised, so one almost always suffices). */
const WRITE_ROUNDS = 3;
/** Rounds of BatchWriteItem for the items DynamoDB left unprocessed. */
const BATCH_ROUNDS = 8;
/** Items outlive their conversation's summary by half a retention, so a refresh of every item is needed only every half retention. */
const ITEM_EXPIRY_FACTOR = 1.5;

type Item = Record<string, AttributeValue>;

/**
 * One table: per user a summary item per conversation (pk `user#<U>`, sk `conversation#<C>`,
 * listed newest first through the local secondary index on `updated_key`); per conversation its
 * message items (pk `conversation#<U>#<C>`, sk `message#<10-digit index>`, a long message continued
 * in `message#<index>#<n>`) and blob chunk items
 * (`blob#<sha256>#<4-digit n>`). Every item carries `expires_at` (seconds) for DynamoDB TTL; reads
 * also filter by the summary's updated_at, as TTL deletes late (and dynalite never). A turn's
 * record is: read the summary, write the message and blob items, then put the summary conditioned
 * on its version (or on its absence), so a finishTurn after a delete leaves nothing behind.
 */
export class DynamoConversationStore implements ConversationStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #retentionMs: number;
  readonly #logger: Logger;
  readonly #ownsClient: boolean;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  #closing: Promise<void> | undefined;

  constructor(options: DynamoConversationStoreOptions) {
    if (!options.tableName) throw new Error('DynamoConversationStore needs a table name');
    this.#client = options.client;
    this.#table = options.tableName;
    this.#retentionMs = options.retentionMs ?? 0;
    if (!(this.#retentionMs >= 0)) throw new Error('retentionMs must be 0 or more');
    this.#logger = options.logger ?? createLogger({ service: 'config-store' });
    this.#ownsClient = options.ownsClient ?? false;
    this.#timeoutMs = options.requestTimeoutMs ?? 10_000;
    if (!(this.#timeoutMs > 0)) throw new Error('requestTimeoutMs must be positive');
    this.#now = options.now ?? Date.now;
  }

  /**
   * Newest first through the LSI. A query is a FilterExpression on the same Query, paged on in
   * SEARCH_PAGE items until `limit + 1` hits or the end: a query that matches little reads (and is
   * billed for) every conversation of the user.
   */
  async list(userId: string, options: ListConversationsOptions): Promise<ConversationPage> {
    this.#assertOpen();
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const query = options.query?.trim().toLowerCase() || undefined;
    const wanted = options.limit + 1;
    const filters: string[] = [];
    const values: Item = { ':pk': { S: userPk(userId) } };
    if (query !== undefined) {
      filters.push('(contains(title_lower, :q) OR contains(search_text, :q))');
      values[':q'] = { S: query };
    }
    if (this.#retentionMs > 0) {
      filters.push('updated_at > :cutoff');
      values[':cutoff'] = { N: String(this.#now() - this.#retentionMs) };
    }
    const found: Array<{ summary: StoredConversationSummary; position: ListPosition }> = [];
    let startKey: Item | undefined = after && {
      pk: { S: userPk(userId) },
      sk: { S: summarySk(after.id) },
      updated_key: { S: updatedKey(after.updatedAt, after.id) },
    };
    do {
      const output = await this.#query({
        IndexName: CONVERSATIONS_BY_UPDATED_INDEX,
        KeyConditionExpression: 'pk = :pk',
        ScanIndexForward: false,
        Limit: query === undefined ? wanted : SEARCH_PAGE,
        ExpressionAttributeValues: values,
        ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      });
      for (const item of output.Items ?? []) {
        const summary = this.#parseSummary(userId, item);
        if (!summary) continue;
        found.push({ summary, position: { updatedAt: summary.updated_at, id: summary.id } });
        if (found.length === wanted) break;
      }
      startKey = output.LastEvaluatedKey;
    } while (found.length < wanted && startKey);

    const page = found.slice(0, options.limit);
    const last = page.at(-1);
    return {
      conversations: page.map((item) => item.summary),
      nextCursor: found.length > options.limit && last ? encodeCursor(last.position) : null,
    };
  }

  async get(userId: string, conversationId: string, options: GetConversationOptions): Promise<StoredConversation | undefined> {
    this.#assertOpen();
    const item = await this.#liveSummaryItem(userId, conversationId);
    const summary = item && this.#parseSummary(userId, item);
    if (!summary) return undefined;
    const end = Math.min(options.before ?? summary.message_count, summary.message_count);
    const start = Math.max(0, end - options.messageLimit);
    const items = end > start ? await this.#messageItems(userId, conversationId, start, end - 1) : [];
    const messages: ConversationMessage[] = [];
    let firstIndex: number | undefined;
    for (const { index, json } of joinMessageChunks(items)) {
      const message = this.#parseMessage(userId, conversationId, index, json);
      if (!message) continue;
      firstIndex ??= index;
      messages.push(message);
    }
    return { summary, messages, firstIndex: firstIndex ?? start };
  }

  async summary(userId: string, conversationId: string): Promise<StoredConversationSummary | undefined> {
    this.#assertOpen();
    const item = await this.#liveSummaryItem(userId, conversationId);
    return item && this.#parseSummary(userId, item);
  }

  async create(userId: string, conversationId: string, defaults: ConversationDefaults, now: number): Promise<StoredConversationSummary | undefined> {
    this.#assertOpen();
    if (!(await this.#clearIfExpired(userId, conversationId))) return undefined;
    const title = defaults.title ?? UNTITLED_CONVERSATION;
    const item: Item = {
      ...summaryKey(userId, conversationId),
      id: { S: conversationId },
      title: { S: title },
      title_lower: { S: title.toLowerCase() },
      title_source: { S: defaults.title === undefined ? 'first_message' : 'user' },
      created_at: { N: String(now) },
      model: { S: JSON.stringify(defaults.model ?? null) },
      mcp_server_ids: { S: JSON.stringify(defaults.mcpServerIds ?? []) },
      message_count: { N: '0' },
      size_bytes: { N: '0' },
      search_text: { S: '' },
      version: { N: '1' },
      ...this.#touched(conversationId, now),
    };
    try {
      await this.#putItem(item, 'attribute_not_exists(pk)');
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
    return this.#parseSummary(userId, item);
  }

  async update(userId: string, conversationId: string, patch: ConversationDefaults, now: number): Promise<StoredConversationSummary | undefined> {
    this.#assertOpen();
    const sets = ['updated_at = :updated_at', 'updated_key = :updated_key'];
    const touched = this.#touched(conversationId, now);
    const values: Item = { ':updated_at': touched.updated_at!, ':updated_key': touched.updated_key!, ':one': { N: '1' } };
    if (touched.expires_at) {
      sets.push('expires_at = :expires_at');
      values[':expires_at'] = touched.expires_at;
    }
    if (patch.title !== undefined) {
      sets.push('title = :title', 'title_lower = :title_lower', 'title_source = :user');
      Object.assign(values, { ':title': { S: patch.title }, ':title_lower': { S: patch.title.toLowerCase() }, ':user': { S: 'user' } });
    }
    if (patch.model !== undefined) {
      sets.push('model = :model');
      values[':model'] = { S: JSON.stringify(patch.model) };
    }
    if (patch.mcpServerIds !== undefined) {
      sets.push('mcp_server_ids = :mcp_server_ids');
      values[':mcp_server_ids'] = { S: JSON.stringify(patch.mcpServerIds) };
    }
    const updated = await this.#updateLive(userId, conversationId, `SET ${sets.join(', ')} ADD version :one`, values);
    if (!updated) return undefined;
    await this.#refreshItemExpiry(userId, conversationId, updated, now);
    return this.#parseSummary(userId, updated);
  }

  async startTurn(userId: string, conversationId: string, record: StartTurnRecord): Promise<StoredConversationSummary> {
    this.#assertOpen();
    const summary = await this.#recordMessage(userId, conversationId, record.message, record.blobs, record.now, record);
    if (!summary) throw new Error(`conversation ${conversationId} could not be recorded`);
    return summary;
  }

  async finishTurn(userId: string, conversationId: string, record: FinishTurnRecord): Promise<StoredConversationSummary | undefined> {
    this.#assertOpen();
    return this.#recordMessage(userId, conversationId, record.message, record.blobs, record.now, undefined);
  }

  async setTitle(userId: string, conversationId: string, title: string, source: 'first_message' | 'model'): Promise<boolean> {
    this.#assertOpen();
    const updated = await this.#updateLive(
      userId,
      conversationId,
      'SET title = :title, title_lower = :title_lower, title_source = :source ADD version :one',
      { ':title': { S: title }, ':title_lower': { S: title.toLowerCase() }, ':source': { S: source }, ':user': { S: 'user' }, ':one': { N: '1' } },
      'title_source <> :user',
    );
    return updated !== undefined;
  }

  async delete(userId: string, conversationId: string): Promise<boolean> {
    this.#assertOpen();
    const command = new DeleteItemCommand({ TableName: this.#table, Key: summaryKey(userId, conversationId), ReturnValues: 'ALL_OLD' });
    const output = await this.#send('DeleteItem', (options) => this.#client.send(command, options));
    // The summary goes first: a turn finishing meanwhile fails its condition and removes what it wrote.
    await this.#deleteConversationItems(userId, conversationId);
    return output.Attributes !== undefined && !this.#isExpired(output.Attributes);
  }

  async getBlob(userId: string, conversationId: string, blobId: string): Promise<StoredBlob | undefined> {
    this.#assertOpen();
    if (!/^[0-9a-f]{64}$/.test(blobId)) return undefined;
    if (!(await this.#liveSummaryItem(userId, conversationId))) return undefined;
    const chunks = await this.#queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': { S: conversationPk(userId, conversationId) }, ':prefix': { S: `blob#${blobId}#` } },
    });
    const head = chunks[0];
    const mediaType = head?.media_type?.S;
    if (!head || mediaType === undefined) return undefined;
    if (chunks.length !== Number(head.chunks?.N)) {
      this.#logger.warn({ userId, conversationId, blobId }, 'skipping an incomplete conversation blob');
      return undefined;
    }
    return { mediaType, data: Buffer.concat(chunks.map((chunk) => Buffer.from(chunk.data?.B ?? new Uint8Array()))) };
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    const command = new DescribeTableCommand({ TableName: this.#table });
    await this.#send('DescribeTable', (options) => this.#client.send(command, options));
  }

  close(): Promise<void> {
    this.#closing ??= Promise.resolve(this.#ownsClient ? this.#client.destroy() : undefined);
    return this.#closing;
  }

  /** startTurn (with `start`) and finishTurn (without): see the class comment for the steps. */
  async #recordMessage(
    userId: string,
    conversationId: string,
    message: ConversationMessage,
    blobs: readonly NewBlob[],
    now: number,
    start: StartTurnRecord | undefined,
  ): Promise<StoredConversationSummary | undefined> {
    for (let round = 0; round < WRITE_ROUNDS; round += 1) {
      let current = await this.#summaryItem(userId, conversationId);
      if (current && this.#isExpired(current)) {
        if (!start) return undefined;
        // Past its retention but not yet removed by TTL: the id starts over.
        await this.delete(userId, conversationId);
        current = undefined;
      }
      if (!current && !start) return undefined;

      let count = current ? Number(current.message_count?.N ?? 0) : 0;
      let size = current ? Number(current.size_bytes?.N ?? 0) : 0;
      let search = current?.search_text?.S ?? '';
      const lastExchange = current?.last_exchange_start?.N;
      if (start?.replaceLast && current && lastExchange !== undefined) {
        const first = Number(lastExchange);
        const dropped = count > first ? await this.#messageItems(userId, conversationId, first, count - 1) : [];
        // `bytes` is on each message's first item only.
        size -= dropped.reduce((sum, item) => sum + Number(item.bytes?.N ?? 0), 0);
        await this.#batchWrite(dropped.map((item) => ({ DeleteRequest: { Key: { pk: item.pk!, sk: item.sk! } } })));
        count = first;
        search = search.slice(0, Number(current.last_exchange_search_length?.N ?? 0));
      }
      const searchBefore = search.length;
      const piece = searchTextOf(message);
      if (piece !== '' && search.length < SEARCH_TEXT_CAP) search = `${search}\n${piece}`.slice(0, SEARCH_TEXT_CAP);

      const json = JSON.stringify(message);
      const known = new Set(current?.blob_ids?.SS ?? []);
      const fresh = [...new Map(blobs.filter((blob) => !known.has(blob.blobId)).map((blob) => [blob.blobId, blob])).values()];
      const itemExpiry = this.#itemExpiry(now);
      const written: Item[] = [
        ...messageItems(conversationPk(userId, conversationId), count, json, itemExpiry),
        ...fresh.flatMap((blob) => blobItems(conversationPk(userId, conversationId), blob, itemExpiry)),
      ];
      await this.#batchWrite(written.map((item) => ({ PutRequest: { Item: item } })));
      size += Buffer.byteLength(json) + fresh.reduce((sum, blob) => sum + blob.data.length, 0);

      const titleSource = current?.title_source?.S ?? 'first_message';
      const retitle = start !== undefined && count === 0 && titleSource === 'first_message';
      const title = retitle ? titleFromMessage(message) : (current?.title?.S ?? UNTITLED_CONVERSATION);
      const blobIds = [...known, ...fresh.map((blob) => blob.blobId)];
      const item: Item = {
        ...(current ?? {}),
        ...summaryKey(userId, conversationId),
        id: { S: conversationId },
        title: { S: title },
        title_lower: { S: title.toLowerCase() },
        title_source: { S: titleSource },
        created_at: current?.created_at ?? { N: String(now) },
        message_count: { N: String(count + 1) },
        size_bytes: { N: String(size) },
        search_text: { S: search },
        version: { N: String(Number(current?.version?.N ?? 0) + 1) },
        ...this.#touched(conversationId, now),
        ...(blobIds.length > 0 ? { blob_ids: { SS: blobIds } } : {}),
        ...(start
          ? {
              model: { S: JSON.stringify(start.model) },
              mcp_server_ids: { S: JSON.stringify(start.mcpServerIds) },
              last_exchange_start: { N: String(count) },
              last_exchange_search_length: { N: String(searchBefore) },
            }
          : {}),
      };
      if (!item.items_expire_at && itemExpiry.expires_at) item.items_expire_at = itemExpiry.expires_at;
      try {
        if (current) await this.#putItem(item, 'version = :version', { ':version': current.version ?? { N: '0' } });
        else await this.#putItem(item, 'attribute_not_exists(pk)');
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
        if (!start && !(await this.#liveSummaryItem(userId, conversationId))) {
          // Deleted while we wrote: take back what we wrote.
          await this.#batchWrite(written.map((item) => ({ DeleteRequest: { Key: { pk: item.pk!, sk: item.sk! } } })));
          return undefined;
        }
        continue;
      }
      await this.#refreshItemExpiry(userId, conversationId, item, now);
      return this.#parseSummary(userId, item);
    }
    throw new Error(`conversation ${conversationId} changed under ${WRITE_ROUNDS} attempts to record a message`);
  }

  async #summaryItem(userId: string, conversationId: string): Promise<Item | undefined> {
    const command = new GetItemCommand({ TableName: this.#table, Key: summaryKey(userId, conversationId), ConsistentRead: true });
    return (await this.#send('GetItem', (options) => this.#client.send(command, options))).Item;
  }

  /** The summary item unless absent or past the retention. */
  async #liveSummaryItem(userId: string, conversationId: string): Promise<Item | undefined> {
    const item = await this.#summaryItem(userId, conversationId);
    return item && !this.#isExpired(item) ? item : undefined;
  }

  /** Removes a conversation past its retention that TTL has not removed yet; false when a live one exists. */
  async #clearIfExpired(userId: string, conversationId: string): Promise<boolean> {
    const command = new GetItemCommand({ TableName: this.#table, Key: summaryKey(userId, conversationId), ConsistentRead: true, ProjectionExpression: 'updated_at' });
    const output = await this.#send('GetItem', (options) => this.#client.send(command, options));
    if (!output.Item) return true;
    if (!this.#isExpired(output.Item)) return false;
    await this.delete(userId, conversationId);
    return true;
  }

  /** An UpdateItem of a live conversation's summary; undefined when there is none (or `condition` fails). */
  async #updateLive(userId: string, conversationId: string, expression: string, values: Item, condition?: string): Promise<Item | undefined> {
    const conditions = ['attribute_exists(pk)', ...(condition ? [condition] : [])];
    if (this.#retentionMs > 0) {
      conditions.push('updated_at > :cutoff');
      values[':cutoff'] = { N: String(this.#now() - this.#retentionMs) };
    }
    const command = new UpdateItemCommand({
      TableName: this.#table,
      Key: summaryKey(userId, conversationId),
      UpdateExpression: expression,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeValues: values,
      ReturnValues: 'ALL_NEW',
    });
    try {
      return (await this.#send('UpdateItem', (options) => this.#client.send(command, options))).Attributes;
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }

  /** Every few writes (half a retention apart), moves every item's expiry to a full retention from now. */
  async #refreshItemExpiry(userId: string, conversationId: string, summary: Item, now: number): Promise<void> {
    if (this.#retentionMs === 0) return;
    const itemsExpireAt = Number(summary.items_expire_at?.N ?? 0) * 1000;
    if (itemsExpireAt >= now + this.#retentionMs) return;
    const expiry = this.#itemExpiry(now);
    const items = await this.#queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: conversationPk(userId, conversationId) } } });
    await this.#batchWrite(items.map((item) => ({ PutRequest: { Item: { ...item, ...expiry } } })));
    await this.#updateLive(userId, conversationId, 'SET items_expire_at = :at', { ':at': expiry.expires_at! });
  }

  /** The items of messages first..last, their continuation items included, in order. */
  async #messageItems(userId: string, conversationId: string, first: number, last: number): Promise<Item[]> {
    return this.#queryAll({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :last',
      // '~' sorts after '#': the last message's continuation items are inside the range.
      ExpressionAttributeValues: { ':pk': { S: conversationPk(userId, conversationId) }, ':first': { S: messageSk(first) }, ':last': { S: `${messageSk(last)}~` } },
    });
  }

  async #deleteConversationItems(userId: string, conversationId: string): Promise<void> {
    const items = await this.#queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: conversationPk(userId, conversationId) } },
      ProjectionExpression: 'pk, sk',
    });
    await this.#batchWrite(items.map((item) => ({ DeleteRequest: { Key: { pk: item.pk!, sk: item.sk! } } })));
  }

  async #queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const output = await this.#query({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) });
      items.push(...(output.Items ?? []));
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  #query(input: Omit<QueryCommandInput, 'TableName'>) {
    const command = new QueryCommand({ TableName: this.#table, ConsistentRead: true, ...input });
    return this.#send('Query', (options) => this.#client.send(command, options));
  }

  async #putItem(item: Item, condition: string, values?: Item): Promise<void> {
    const command = new PutItemCommand({ TableName: this.#table, Item: item, ConditionExpression: condition, ...(values ? { ExpressionAttributeValues: values } : {}) });
    await this.#send('PutItem', (options) => this.#client.send(command, options));
  }

  /** BatchWriteItem in groups of 25, retrying what DynamoDB leaves unprocessed with a growing pause. */
  async #batchWrite(requests: WriteRequest[]): Promise<void> {
    for (let offset = 0; offset < requests.length; offset += 25) {
      let pending = requests.slice(offset, offset + 25);
      for (let round = 0; pending.length > 0; round += 1) {
        if (round === BATCH_ROUNDS) throw new Error(`DynamoDB left ${pending.length} writes unprocessed after ${BATCH_ROUNDS} rounds`);
        if (round > 0) await sleep(50 * 2 ** round);
        const command = new BatchWriteItemCommand({ RequestItems: { [this.#table]: pending } });
        const output = await this.#send('BatchWriteItem', (options) => this.#client.send(command, options));
        pending = output.UnprocessedItems?.[this.#table] ?? [];
      }
    }
  }

  /** The summary attributes a write sets for the time: updated_at, its index key, and the summary's TTL. */
  #touched(conversationId: string, now: number): Item {
    return {
      updated_at: { N: String(now) },
      updated_key: { S: updatedKey(now, conversationId) },
      ...(this.#retentionMs > 0 ? { expires_at: { N: String(Math.ceil((now + this.#retentionMs) / 1000)) } } : {}),
    };
  }

  #itemExpiry(now: number): Item {
    return this.#retentionMs > 0 ? { expires_at: { N: String(Math.ceil((now + this.#retentionMs * ITEM_EXPIRY_FACTOR) / 1000)) } } : {};
  }

  #isExpired(summary: Item): boolean {
    return this.#retentionMs > 0 && Number(summary.updated_at?.N ?? 0) <= this.#now() - this.#retentionMs;
  }

  #parseSummary(userId: string, item: Item): StoredConversationSummary | undefined {
    try {
      const parsed = StoredConversationSummarySchema.safeParse({
        id: item.id?.S,
        title: item.title?.S,
        title_source: item.title_source?.S,
        created_at: Number(item.created_at?.N),
        updated_at: Number(item.updated_at?.N),
        model: JSON.parse(item.model?.S ?? 'null'),
        mcp_server_ids: JSON.parse(item.mcp_server_ids?.S ?? '[]'),
        message_count: Number(item.message_count?.N),
        size_bytes: Number(item.size_bytes?.N),
      });
      if (parsed.success) return parsed.data;
    } catch {
      // not JSON: reported below
    }
    this.#logger.warn({ userId, conversationId: item.id?.S }, 'skipping a corrupt conversation summary');
    return undefined;
  }

  #parseMessage(userId: string, conversationId: string, index: number, json: string | undefined): ConversationMessage | undefined {
    try {
      const parsed = ConversationMessageSchema.safeParse(JSON.parse(json ?? ''));
      if (parsed.success) return parsed.data;
    } catch {
      // not JSON: reported below
    }
    this.#logger.warn({ userId, conversationId, index }, 'skipping a corrupt conversation message');
    return undefined;
  }

  #send<T>(operation: string, call: (options: { abortSignal: AbortSignal }) => Promise<T>): Promise<T> {
    return withRequestTimeout(operation, this.#timeoutMs, call);
  }

  #assertOpen(): void {
    if (this.#closing) throw new Error('conversation store is closed');
  }
}

const userPk = (userId: string) => `user#${userId}`;
const summarySk = (conversationId: string) => `conversation#${conversationId}`;
const summaryKey = (userId: string, conversationId: string): Item => ({ pk: { S: userPk(userId) }, sk: { S: summarySk(conversationId) } });
// A conversation id has no '#', so the part after the last '#' is always the conversation's.
const conversationPk = (userId: string, conversationId: string) => `conversation#${userId}#${conversationId}`;
const messageSk = (index: number) => `message#${String(index).padStart(10, '0')}`;
const updatedKey = (updatedAt: number, conversationId: string) => `${String(updatedAt).padStart(16, '0')}#${conversationId}`;

/** A message's JSON as items: the first (`message#<index>`, with its byte count) and, when long, continuations (`message#<index>#<n>`). */
function messageItems(pk: string, index: number, json: string, expiry: Item): Item[] {
  const pieces: string[] = [];
  for (let offset = 0; offset < json.length || pieces.length === 0; ) {
    let end = Math.min(json.length, offset + MESSAGE_CHUNK_CHARS);
    // Never between the two halves of a surrogate pair (each half alone is not UTF-8).
    const last = json.charCodeAt(end - 1);
    if (end < json.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    pieces.push(json.slice(offset, end));
    offset = end;
  }
  return pieces.map((piece, n) => ({
    pk: { S: pk },
    sk: { S: n === 0 ? messageSk(index) : `${messageSk(index)}#${String(n).padStart(4, '0')}` },
    data: { S: piece },
    ...(n === 0 ? { bytes: { N: String(Buffer.byteLength(json)) }, chunks: { N: String(pieces.length) } } : {}),
    ...expiry,
  }));
}

/** Message items (in sk order) joined back into each message's JSON; a message missing a continuation is given as undefined JSON. */
function joinMessageChunks(items: readonly Item[]): Array<{ index: number; json: string | undefined }> {
  const messages: Array<{ index: number; pieces: string[]; chunks: number }> = [];
  for (const item of items) {
    const [, index, n] = item.sk?.S?.split('#') ?? [];
    if (n === undefined) messages.push({ index: Number(index), pieces: [item.data?.S ?? ''], chunks: Number(item.chunks?.N ?? 1) });
    else if (messages.at(-1)?.index === Number(index)) messages.at(-1)!.pieces.push(item.data?.S ?? '');
  }
  return messages.map(({ index, pieces, chunks }) => ({ index, json: pieces.length === chunks ? pieces.join('') : undefined }));
}

function blobItems(pk: string, blob: NewBlob, expiry: Item): Item[] {
  const chunks = Math.max(1, Math.ceil(blob.data.length / BLOB_CHUNK_BYTES));
  return Array.from({ length: chunks }, (_, index) => ({
    pk: { S: pk },
    sk: { S: `blob#${blob.blobId}#${String(index).padStart(4, '0')}` },
    data: { B: blob.data.subarray(index * BLOB_CHUNK_BYTES, (index + 1) * BLOB_CHUNK_BYTES) },
    ...(index === 0 ? { media_type: { S: blob.mediaType }, chunks: { N: String(chunks) } } : {}),
    ...expiry,
  }));
}

function isConditionFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
