import type { Logger, Redis, RedisKeys } from '@bedrock-mcp/common';
import type { UserOwnership } from './user-ownership.js';

export interface ReplicaHeartbeatOptions {
  redis: Redis;
  keys: Pick<RedisKeys, 'poolReplica'>;
  replicaId: string;
  /** Base URL other replicas forward requests to. */
  advertiseUrl: string;
  /** Milliseconds between beats; the heartbeat key and ownership claims live 3× as long. */
  intervalMs: number;
  ownership: UserOwnership;
  /** Whether the user still has servers or uses here (else its claim is released). */
  isActive: (userId: string) => boolean;
  /** The users another replica took over: their local servers must go. */
  onLost: (userIds: string[]) => void;
  logger: Logger;
}

/** Claim and heartbeat lifetime for a beat interval (ms). */
export function ownershipTtlMs(intervalMs: number): number {
  return intervalMs * 3;
}

/**
 * Announces this replica (`poolReplica(id)` = its URL, expiring after 3 intervals), extends its
 * users' ownership claims, gives up idle users' claims, and hands lost users to `onLost`.
 * `close()` (idempotent) stops beating and deletes the replica's keys so others take over at once.
 */
export class ReplicaHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: ReplicaHeartbeatOptions) {}

  /** Beats once (so the replica is known before it serves), then every interval. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      if (this.closing || this.beating) return;
      this.beating = this.beat()
        .catch((error: unknown) => this.options.logger.warn({ err: error }, 'pool heartbeat failed'))
        .finally(() => {
          this.beating = undefined;
        });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.timer);
      await this.beating;
      await this.options.ownership.releaseAll();
      await this.options.redis.del(this.options.keys.poolReplica(this.options.replicaId));
    })();
    return this.closing;
  }

  private async beat(): Promise<void> {
    const { redis, keys, replicaId, advertiseUrl, intervalMs, ownership } = this.options;
    await redis.set(keys.poolReplica(replicaId), advertiseUrl, 'PX', ownershipTtlMs(intervalMs));
    const lost = await ownership.refresh();
    if (lost.length > 0) this.options.onLost(lost);
    await ownership.releaseIdle(this.options.isActive);
  }
}
