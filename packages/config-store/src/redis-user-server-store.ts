import { createLogger, quitOrDisconnect, type Logger, type Redis, type RedisKeys } from '@bedrock-mcp/common';
import type { McpServerConfig } from '@bedrock-mcp/contracts';
import type { SecretCipher } from './secret-cipher.js';
import { decodeOrSkip, ServerRecordCodec } from './server-record-codec.js';
import { sortRecords } from './sort-records.js';
import type { UserServerRecord, UserServerStore } from './user-server-store.js';

export interface RedisUserServerStoreOptions {
  redis: Redis;
  keys: RedisKeys;
  cipher: SecretCipher;
  /** Receives corrupt-entry warnings. Default: a `config-store` logger on stdout. */
  logger?: Logger;
  /** Quit `redis` on close(). Default false: whoever created the connection closes it. */
  ownsConnection?: boolean;
  /** Clock for createdAt/updatedAt, epoch ms. Default Date.now. */
  now?: () => number;
}

/** One Redis hash per user (`keys.userMcpServers(userId)`): field = server id, value = stored record JSON. */
export class RedisUserServerStore implements UserServerStore {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #codec: ServerRecordCodec;
  readonly #logger: Logger;
  readonly #ownsConnection: boolean;
  readonly #now: () => number;
  #closing: Promise<void> | undefined;

  constructor(options: RedisUserServerStoreOptions) {
    this.#redis = options.redis;
    this.#keys = options.keys;
    this.#codec = new ServerRecordCodec(options.cipher);
    this.#logger = options.logger ?? createLogger({ service: 'config-store' });
    this.#ownsConnection = options.ownsConnection ?? false;
    this.#now = options.now ?? Date.now;
  }

  async list(userId: string): Promise<UserServerRecord[]> {
    this.#assertOpen();
    const entries = await this.#redis.hgetall(this.#keys.userMcpServers(userId));
    const records = Object.entries(entries).flatMap(([serverId, raw]) => decodeOrSkip(this.#codec, this.#logger, userId, serverId, raw) ?? []);
    return sortRecords(records);
  }

  async get(userId: string, serverId: string): Promise<UserServerRecord | undefined> {
    this.#assertOpen();
    const raw = await this.#redis.hget(this.#keys.userMcpServers(userId), serverId);
    return raw === null ? undefined : decodeOrSkip(this.#codec, this.#logger, userId, serverId, raw);
  }

  async add(userId: string, serverId: string, config: McpServerConfig): Promise<boolean> {
    this.#assertOpen();
    const now = this.#now();
    const raw = this.#codec.encode(userId, { serverId, config, createdAt: now, updatedAt: now });
    return (await this.#redis.hsetnx(this.#keys.userMcpServers(userId), serverId, raw)) === 1;
  }

  async put(userId: string, serverId: string, config: McpServerConfig): Promise<void> {
    this.#assertOpen();
    const key = this.#keys.userMcpServers(userId);
    // Read-then-write only to keep createdAt; a racing add/put can at worst shift createdAt by the race window.
    const existing = await this.#redis.hget(key, serverId);
    const now = this.#now();
    const createdAt = ServerRecordCodec.createdAtOf(existing ?? undefined) ?? now;
    await this.#redis.hset(key, serverId, this.#codec.encode(userId, { serverId, config, createdAt, updatedAt: now }));
  }

  async remove(userId: string, serverId: string): Promise<boolean> {
    this.#assertOpen();
    return (await this.#redis.hdel(this.#keys.userMcpServers(userId), serverId)) > 0;
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    await this.#redis.ping();
  }

  close(): Promise<void> {
    this.#closing ??= this.#ownsConnection ? quitOrDisconnect(this.#redis) : Promise.resolve();
    return this.#closing;
  }

  #assertOpen(): void {
    if (this.#closing) throw new Error('user server store is closed');
  }
}
