import {
  DescribeTableCommand,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { createLogger, type Logger } from '@bedrock-mcp/common';
import type { McpServerConfig } from '@bedrock-mcp/contracts';
import { withRequestTimeout } from './dynamo-request-timeout.js';
import type { SecretCipher } from './secret-cipher.js';
import { decodeOrSkip, ServerRecordCodec } from './server-record-codec.js';
import { sortRecords } from './sort-records.js';
import type { UserServerRecord, UserServerStore } from './user-server-store.js';

export interface DynamoUserServerStoreOptions {
  client: DynamoDBClient;
  /** Table with partition key `userId` (S). */
  tableName: string;
  cipher: SecretCipher;
  /** Receives corrupt-entry warnings. Default: a `config-store` logger on stdout. */
  logger?: Logger;
  /** Destroy `client` on close(). Default false: whoever created the client closes it. */
  ownsClient?: boolean;
  /** Bound on each store call's DynamoDB request, SDK retries included, in ms. Default 10_000. */
  requestTimeoutMs?: number;
  /** Clock for createdAt/updatedAt, epoch ms. Default Date.now. */
  now?: () => number;
}

/** Attribute holding the user's servers: a map serverId → stored record JSON (S). */
const SERVERS = 'servers';
/** Rounds of the two-step write (entry, else whole map); two always suffice unless items are deleted concurrently. */
const WRITE_ROUNDS = 3;

/**
 * One DynamoDB item per user (`userId`), holding the map attribute `servers`. Writes go to one map
 * entry at a time, so concurrent writes to different servers of one user do not overwrite each other.
 */
export class DynamoUserServerStore implements UserServerStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #codec: ServerRecordCodec;
  readonly #logger: Logger;
  readonly #ownsClient: boolean;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  #closing: Promise<void> | undefined;

  constructor(options: DynamoUserServerStoreOptions) {
    if (!options.tableName) throw new Error('DynamoUserServerStore needs a table name');
    this.#client = options.client;
    this.#table = options.tableName;
    this.#codec = new ServerRecordCodec(options.cipher);
    this.#logger = options.logger ?? createLogger({ service: 'config-store' });
    this.#ownsClient = options.ownsClient ?? false;
    this.#timeoutMs = options.requestTimeoutMs ?? 10_000;
    if (!(this.#timeoutMs > 0)) throw new Error('requestTimeoutMs must be positive');
    this.#now = options.now ?? Date.now;
  }

  async list(userId: string): Promise<UserServerRecord[]> {
    this.#assertOpen();
    const command = new GetItemCommand({
      TableName: this.#table,
      Key: userKey(userId),
      ConsistentRead: true,
      ProjectionExpression: '#servers',
      ExpressionAttributeNames: { '#servers': SERVERS },
    });
    const output = await this.#send('GetItem', (options) => this.#client.send(command, options));
    const entries = Object.entries(output.Item?.[SERVERS]?.M ?? {});
    return sortRecords(entries.flatMap(([serverId, value]) => this.#decode(userId, serverId, value) ?? []));
  }

  async get(userId: string, serverId: string): Promise<UserServerRecord | undefined> {
    this.#assertOpen();
    const value = await this.#getEntry(userId, serverId);
    return value === undefined ? undefined : this.#decode(userId, serverId, value);
  }

  async add(userId: string, serverId: string, config: McpServerConfig): Promise<boolean> {
    this.#assertOpen();
    const now = this.#now();
    return this.#writeEntry(userId, serverId, this.#codec.encode(userId, { serverId, config, createdAt: now, updatedAt: now }), 'create');
  }

  async put(userId: string, serverId: string, config: McpServerConfig): Promise<void> {
    this.#assertOpen();
    // Read-then-write only to keep createdAt; a racing add/put can at worst shift createdAt by the race window.
    const existing = await this.#getEntry(userId, serverId);
    const now = this.#now();
    const createdAt = ServerRecordCodec.createdAtOf(existing?.S) ?? now;
    await this.#writeEntry(userId, serverId, this.#codec.encode(userId, { serverId, config, createdAt, updatedAt: now }), 'upsert');
  }

  async remove(userId: string, serverId: string): Promise<boolean> {
    this.#assertOpen();
    return this.#conditional(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: userKey(userId),
        UpdateExpression: 'REMOVE #servers.#id',
        ConditionExpression: 'attribute_exists(#servers.#id)',
        ExpressionAttributeNames: { '#servers': SERVERS, '#id': serverId },
      }),
    );
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

  /**
   * SET on `servers.<id>` fails when the item or its map does not exist yet, so: write the entry into
   * an existing map; failing that, create the map holding just this entry; failing that (someone
   * else created it meanwhile), write the entry again. For 'create' the entry write also requires
   * the id to be absent, so of concurrent adds of one id exactly one succeeds.
   */
  async #writeEntry(userId: string, serverId: string, raw: string, mode: 'create' | 'upsert'): Promise<boolean> {
    let mapExists = false;
    for (let round = 0; round < WRITE_ROUNDS; round += 1) {
      const entryCondition = mode === 'create' ? 'attribute_exists(#servers) AND attribute_not_exists(#servers.#id)' : 'attribute_exists(#servers)';
      const wroteEntry = await this.#conditional(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: userKey(userId),
          UpdateExpression: 'SET #servers.#id = :raw',
          ConditionExpression: entryCondition,
          ExpressionAttributeNames: { '#servers': SERVERS, '#id': serverId },
          ExpressionAttributeValues: { ':raw': { S: raw } },
        }),
      );
      if (wroteEntry) return true;
      // The map exists (we saw it, and maps are never removed), so the entry write failed on the id.
      if (mapExists && mode === 'create') return false;
      const createdMap = await this.#conditional(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: userKey(userId),
          UpdateExpression: 'SET #servers = :servers',
          ConditionExpression: 'attribute_not_exists(#servers)',
          ExpressionAttributeNames: { '#servers': SERVERS },
          ExpressionAttributeValues: { ':servers': { M: { [serverId]: { S: raw } } } },
        }),
      );
      if (createdMap) return true;
      mapExists = true;
    }
    throw new Error(`DynamoDB write of server ${serverId} kept conflicting after ${WRITE_ROUNDS} rounds`);
  }

  async #getEntry(userId: string, serverId: string): Promise<AttributeValue | undefined> {
    const command = new GetItemCommand({
      TableName: this.#table,
      Key: userKey(userId),
      ConsistentRead: true,
      ProjectionExpression: '#servers.#id',
      ExpressionAttributeNames: { '#servers': SERVERS, '#id': serverId },
    });
    const output = await this.#send('GetItem', (options) => this.#client.send(command, options));
    return output.Item?.[SERVERS]?.M?.[serverId];
  }

  #decode(userId: string, serverId: string, value: AttributeValue): UserServerRecord | undefined {
    if (value.S === undefined) {
      this.#logger.warn({ userId, serverId, reason: 'entry is not a string attribute' }, 'skipping corrupt stored MCP server config');
      return undefined;
    }
    return decodeOrSkip(this.#codec, this.#logger, userId, serverId, value.S);
  }

  /** True when written, false when the condition failed. */
  async #conditional(command: UpdateItemCommand): Promise<boolean> {
    try {
      await this.#send('UpdateItem', (options) => this.#client.send(command, options));
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  #send<T>(operation: string, call: (options: { abortSignal: AbortSignal }) => Promise<T>): Promise<T> {
    return withRequestTimeout(operation, this.#timeoutMs, call);
  }

  #assertOpen(): void {
    if (this.#closing) throw new Error('user server store is closed');
  }
}

function userKey(userId: string): Record<string, AttributeValue> {
  return { userId: { S: userId } };
}

function isConditionFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
