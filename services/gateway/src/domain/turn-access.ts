import type { Redis, RedisKeys } from '@bedrock-mcp/common';
import { TurnIdSchema } from '@bedrock-mcp/contracts';
import { GatewayError } from './gateway-error.js';

export interface TurnMeta {
  userId: string;
  model: string;
  status: string;
  /** epoch ms */
  createdAt: number;
}

export interface TurnAccessOptions {
  redis: Redis;
  keys: RedisKeys;
  /** Seconds the meta and cancel keys live (the replay log's lifetime). */
  ttlSeconds: number;
}

/** A turn's metadata in Redis: who owns it (for resume and stop), and the stop request. */
export class TurnAccess {
  constructor(private readonly options: TurnAccessOptions) {}

  async create(turnId: string, meta: TurnMeta): Promise<void> {
    const key = this.options.keys.turnMeta(turnId);
    // Plain commands (auto-pipelined with the rest of the tick's traffic) rather than MULTI.
    await Promise.all([
      this.options.redis.hset(key, { userId: meta.userId, model: meta.model, status: meta.status, createdAt: String(meta.createdAt) }),
      this.options.redis.expire(key, this.options.ttlSeconds),
    ]);
  }

  async remove(turnId: string): Promise<void> {
    await this.options.redis.del(this.options.keys.turnMeta(turnId));
  }

  /** The turn's meta when `userId` owns it; 404 for an unknown (or expired) turn, 403 for another user's. */
  async requireOwned(userId: string, turnId: string): Promise<TurnMeta> {
    if (!TurnIdSchema.safeParse(turnId).success) throw new GatewayError('not_found', `Unknown stream id '${turnId.slice(0, 80)}'`);
    const meta = await this.options.redis.hgetall(this.options.keys.turnMeta(turnId));
    if (!meta.userId) throw new GatewayError('not_found', `Unknown stream id '${turnId}'`);
    if (meta.userId !== userId) throw new GatewayError('forbidden', 'This stream belongs to another user.');
    return { userId: meta.userId, model: meta.model ?? '', status: meta.status ?? '', createdAt: Number(meta.createdAt ?? 0) };
  }

  /** Asks the worker running the turn to stop: a flag it checks, and a broadcast on the cancel channel. */
  async requestStop(turnId: string): Promise<void> {
    // The flag first (same connection, so in order): a worker woken by the broadcast finds it set.
    await Promise.all([
      this.options.redis.set(this.options.keys.turnCancel(turnId), '1', 'EX', this.options.ttlSeconds),
      this.options.redis.publish(this.options.keys.cancelChannel(), turnId),
    ]);
  }
}
