import { Counter, Gauge, Histogram, type Registry } from '@bedrock-mcp/common';

/** Label used for shared conf servers in the per-user gauge. */
export const SHARED_OWNER_LABEL = '(shared)';

/** The pool's Prometheus metrics. Running counts are computed from the pool when scraped. */
export class PoolMetrics {
  readonly spawns: Counter<'transport'>;
  readonly evictions: Counter<'reason'>;
  readonly crashes: Counter<'transport'>;
  readonly startFailures: Counter<'transport'>;
  readonly callDuration: Histogram<'outcome'>;

  /** @param runningByOwner current running servers per owner (user id or SHARED_OWNER_LABEL) */
  constructor(registry: Registry, runningByOwner: () => Map<string, number>) {
    this.spawns = new Counter({ name: 'mcp_pool_spawns_total', help: 'Server starts (stdio process spawns and URL connections)', labelNames: ['transport'], registers: [registry] });
    this.evictions = new Counter({ name: 'mcp_pool_evictions_total', help: 'Servers stopped by the pool (idle timer, capacity, config change)', labelNames: ['reason'], registers: [registry] });
    this.crashes = new Counter({ name: 'mcp_pool_crashes_total', help: 'Running servers that stopped on their own', labelNames: ['transport'], registers: [registry] });
    this.startFailures = new Counter({ name: 'mcp_pool_start_failures_total', help: 'Server starts that failed', labelNames: ['transport'], registers: [registry] });
    this.callDuration = new Histogram({
      name: 'mcp_pool_tool_call_duration_seconds',
      help: 'Tool call latency inside the pool (server start excluded when already running)',
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    });
    new Gauge({
      name: 'mcp_pool_running_servers',
      help: 'Servers starting or ready on this replica',
      registers: [registry],
      collect() {
        let total = 0;
        for (const count of runningByOwner().values()) total += count;
        this.set(total);
      },
    });
    new Gauge({
      name: 'mcp_pool_user_running_servers',
      help: 'Servers starting or ready on this replica, per user',
      labelNames: ['user_id'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [owner, count] of runningByOwner()) this.set({ user_id: owner }, count);
      },
    });
  }
}
