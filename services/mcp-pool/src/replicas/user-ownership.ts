import { LuaScript, type Logger, type Redis, type RedisKeys } from '@bedrock-mcp/common';
import { PoolFailure } from '../errors/pool-failure.js';

export type OwnerRoute = { kind: 'local' } | { kind: 'remote'; replicaId: string; url: string } | { kind: 'not_owner'; replicaId: string };

export interface UserOwnershipOptions {
  redis: Redis;
  keys: Pick<RedisKeys, 'poolOwner' | 'poolReplica'>;
  replicaId: string;
  /** Milliseconds an ownership claim (and a replica heartbeat) lives without refresh. */
  ttlMs: number;
  logger: Logger;
  /** Milliseconds a remote owner is remembered before asking Redis again. */
  remoteCacheMs?: number;
}

const LOCAL: OwnerRoute = { kind: 'local' };

/** The service's `lua/` folder: two levels up from both `src/replicas/` and `dist/replicas/`. */
const LUA_DIR = new URL('../../lua/', import.meta.url);
const CLAIM_SCRIPT = LuaScript.load(LUA_DIR, 'owner-claim', 1);
const REFRESH_SCRIPT = LuaScript.load(LUA_DIR, 'owner-refresh', 1);
const RELEASE_SCRIPT = LuaScript.load(LUA_DIR, 'owner-release', 1);

/**
 * Which replica runs a user's servers. The claim is `poolOwner(userId)` = replica id with an
 * expiry the heartbeat extends; a replica whose heartbeat key is gone has died, and its users
 * are claimed with a compare-and-set by whichever replica sees their next request. Users this
 * replica owns are answered from memory, so the common path costs no Redis round trip.
 */
export class UserOwnership {
  private readonly owned = new Set<string>();
  private readonly remote = new Map<string, { replicaId: string; url: string; until: number }>();
  private readonly holds = new Map<string, number>();
  private readonly redis: Redis;

  constructor(private readonly options: UserOwnershipOptions) {
    this.redis = options.redis;
  }

  get replicaId(): string {
    return this.options.replicaId;
  }

  owns(userId: string): boolean {
    return this.owned.has(userId);
  }

  ownedUsers(): string[] {
    return [...this.owned];
  }

  /**
   * Where a request for the user is served. A request another replica forwarded is never
   * forwarded again: if a third replica owns the user now, the answer is `not_owner`.
   */
  async route(userId: string, { forwarded }: { forwarded: boolean }): Promise<OwnerRoute> {
    if (this.owned.has(userId)) return LOCAL;
    const cached = this.remote.get(userId);
    if (cached && !forwarded && cached.until > Date.now()) return { kind: 'remote', replicaId: cached.replicaId, url: cached.url };
    const ownerKey = this.options.keys.poolOwner(userId);
    for (let attempt = 0; attempt < 5; attempt++) {
      const owner = await this.redis.get(ownerKey);
      if (owner === null) {
        if (await this.redis.set(ownerKey, this.replicaId, 'PX', this.options.ttlMs, 'NX')) return this.claimed(userId, undefined);
        continue;
      }
      if (owner === this.replicaId) return this.claimed(userId, undefined);
      const url = await this.redis.get(this.options.keys.poolReplica(owner));
      if (url) {
        if (forwarded) return { kind: 'not_owner', replicaId: owner };
        this.remote.set(userId, { replicaId: owner, url, until: Date.now() + (this.options.remoteCacheMs ?? 1000) });
        return { kind: 'remote', replicaId: owner, url };
      }
      // The owner's heartbeat is gone: it died. Take the user over unless someone else just did.
      if (await this.compareAndClaim(userId, owner)) return this.claimed(userId, owner);
    }
    throw new PoolFailure('internal', `could not settle which pool replica serves user ${userId}`);
  }

  /**
   * The owner could not be reached: wait (at most one claim lifetime) for its heartbeat to
   * expire, then take the user over. Throws when the owner keeps heartbeating (it is alive but
   * unreachable from here).
   */
  async takeOverUnreachable(userId: string, replicaId: string): Promise<void> {
    this.remote.delete(userId);
    const replicaKey = this.options.keys.poolReplica(replicaId);
    const deadline = Date.now() + this.options.ttlMs + 500;
    for (;;) {
      const ttl = await this.redis.pttl(replicaKey);
      if (ttl === -2) break;
      if (Date.now() >= deadline) throw new PoolFailure('internal', `pool replica ${replicaId} owns this user but cannot be reached`);
      await new Promise((resolve) => setTimeout(resolve, Math.max(10, Math.min(ttl > 0 ? ttl + 5 : 50, 200))));
    }
    if (!(await this.compareAndClaim(userId, replicaId))) {
      // Someone else settled it meanwhile; the next route() finds out who.
      return;
    }
    this.claimed(userId, replicaId);
  }

  forgetRemote(userId: string): void {
    this.remote.delete(userId);
  }

  /** Marks a request in flight for the user (ownership is not released under it). */
  hold(userId: string): () => void {
    this.holds.set(userId, (this.holds.get(userId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.holds.get(userId) ?? 1) - 1;
      if (left <= 0) this.holds.delete(userId);
      else this.holds.set(userId, left);
    };
  }

  /** Extends (or renews) every claim; returns the users another replica has taken over. */
  async refresh(): Promise<string[]> {
    const now = Date.now();
    for (const [userId, entry] of this.remote) if (entry.until <= now) this.remote.delete(userId);
    const users = [...this.owned];
    if (users.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const userId of users) REFRESH_SCRIPT.queue(pipeline, [this.options.keys.poolOwner(userId)], [this.replicaId, this.options.ttlMs]);
    const results = (await pipeline.exec()) ?? [];
    const lost: string[] = [];
    users.forEach((userId, index) => {
      const [error, value] = results[index] ?? [null, 0];
      if (!error && Number(value) === 0) {
        this.owned.delete(userId);
        lost.push(userId);
      }
    });
    if (lost.length > 0) this.options.logger.warn({ users: lost.length }, 'lost ownership of users to another replica');
    return lost;
  }

  /** Gives up users with nothing running here and no request in flight. */
  async releaseIdle(isActive: (userId: string) => boolean): Promise<void> {
    const idle = [...this.owned].filter((userId) => !this.holds.has(userId) && !isActive(userId));
    await this.release(idle);
  }

  async releaseAll(): Promise<void> {
    await this.release([...this.owned]);
  }

  private async release(users: string[]): Promise<void> {
    if (users.length === 0) return;
    for (const userId of users) this.owned.delete(userId);
    const pipeline = this.redis.pipeline();
    for (const userId of users) RELEASE_SCRIPT.queue(pipeline, [this.options.keys.poolOwner(userId)], [this.replicaId]);
    await pipeline.exec();
  }

  private async compareAndClaim(userId: string, expectedOwner: string): Promise<boolean> {
    const result = await CLAIM_SCRIPT.run(this.redis, [this.options.keys.poolOwner(userId)], [expectedOwner, this.replicaId, this.options.ttlMs]);
    return Number(result) === 1;
  }

  private claimed(userId: string, from: string | undefined): OwnerRoute {
    this.owned.add(userId);
    this.remote.delete(userId);
    if (from) this.options.logger.info({ userId, from }, 'took over user from a dead pool replica');
    return LOCAL;
  }
}
