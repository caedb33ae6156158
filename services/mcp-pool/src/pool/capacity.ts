import { PoolFailure } from '../errors/pool-failure.js';

export interface CapacityLimits {
  /** Running servers one user may have at once. */
  perUser: number;
  /** Running servers on this replica. */
  global: number;
}

/** What capacity planning needs to know about a server instance. */
export interface CapacitySubject {
  readonly ownerId: string;
  readonly running: boolean;
  readonly inFlight: number;
  readonly lastUsedAt: number;
  /** Shared conf servers count toward the global limit only. */
  readonly shared: boolean;
}

/**
 * The servers to evict so `candidate` can start: the least recently used idle one of the same
 * user when the user is at the limit, then the least recently used idle one overall when the
 * replica is. Throws capacity_exhausted when every server in the way has a call in flight.
 */
export function planCapacity<S extends CapacitySubject>(candidate: S, servers: Iterable<S>, limits: CapacityLimits): S[] {
  const running = [...servers].filter((server) => server.running && server !== candidate);
  const victims: S[] = [];
  const lruIdle = (pool: S[]) =>
    pool.filter((server) => server.inFlight === 0 && !victims.includes(server)).sort((a, b) => a.lastUsedAt - b.lastUsedAt)[0];

  if (!candidate.shared) {
    const mine = running.filter((server) => !server.shared && server.ownerId === candidate.ownerId);
    if (mine.length >= limits.perUser) {
      const victim = lruIdle(mine);
      if (!victim) throw new PoolFailure('capacity_exhausted', `all ${limits.perUser} servers this user may run at once are busy`);
      victims.push(victim);
    }
  }
  if (running.length - victims.length >= limits.global) {
    const victim = lruIdle(running);
    if (!victim) throw new PoolFailure('capacity_exhausted', `all ${limits.global} servers of this pool replica are busy`);
    victims.push(victim);
  }
  return victims;
}
