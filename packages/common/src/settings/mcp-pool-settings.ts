import { z } from 'zod';
import { bool, int, port, optionalString, ipRanges } from './setting-fields.js';

/** The mcp-pool: its bind address, MCP servers' sandbox and limits, idle eviction, restarts and replicas. */
export const MCP_POOL_SETTINGS = {
  /** Minutes an MCP server may sit unused before the pool stops it (fractions allowed). */
  MCP_IDLE_MINUTES: z.coerce.number().positive().max(60 * 24 * 7).default(10),
  /** The seed's name for MCP_IDLE_MINUTES, still read; MCP_IDLE_MINUTES wins when both are set. */
  INACTIVE_TIME: z.coerce.number().positive().max(60 * 24 * 7).optional(),
  /** mcp-pool bind address; loopback by default (containers set 0.0.0.0 to serve the cluster network). */
  MCP_POOL_HOST: z.string().default('127.0.0.1'),
  /** mcp-pool port. */
  MCP_POOL_PORT: port(7003),
  /** none | catalog | any: who may run user-added stdio servers. */
  MCP_USER_STDIO: z.enum(['none', 'catalog', 'any']).default('catalog'),
  /** CIDR ranges user-added URL servers may resolve to despite being private/loopback (comma-separated). */
  MCP_ALLOWED_URL_RANGES: ipRanges,
  /**
   * auto | bwrap | none: how stdio MCP servers are isolated. bwrap: each runs under bubblewrap with
   * its own pid, user, mount and network namespaces, seeing only system folders, the project's
   * node_modules, its own files and its user's workspace. auto: bwrap when a start-up probe shows it
   * works, else a warning (development) or a start-up error (production). none: no sandbox (warned).
   */
  MCP_SANDBOX: z.enum(['auto', 'bwrap', 'none']).default('auto'),
  /** 1 gives sandboxed user-added stdio servers that are not in the catalog (MCP_USER_STDIO=any) the host network; 0 leaves them none (not even loopback). */
  MCP_SANDBOX_USER_NETWORK: bool(false),
  /**
   * Processes and threads of one stdio MCP server, all its processes together (a sandboxed node server
   * uses 13). Enforced by the server's own cgroup (pids.max) where the pool can create cgroups;
   * otherwise as RLIMIT_NPROC inside the server's bubblewrap user namespace, which Linux 5.14+ counts
   * per namespace (a start-up probe checks; unsandboxed or on older kernels it is not enforced). The
   * start-up log line says which applies. 0: no limit.
   */
  MCP_SERVER_MAX_PROCESSES: int(256, 0),
  /**
   * Memory of one stdio MCP server, all its processes together, in MiB (its cgroup's memory.max or
   * memory.limit_in_bytes, no swap on top; the kernel kills the server over it and the pool restarts it;
   * the presets peak at ~30 MiB). Enforced only where the pool can create cgroups. 0: no limit.
   */
  MCP_SERVER_MAX_MEMORY_MB: int(1024, 0),
  /**
   * Without cgroups: a ceiling on the processes and threads of ALL the pool's stdio servers together
   * (RLIMIT_NPROC set before each sandbox is made; the kernel counts it over every task of the pool's
   * user, the pool's own threads included): not per server — one server may take what the others
   * leave, and at the ceiling no server can start. Fits POOL_MAX_SERVERS sandboxed node servers (13
   * tasks each, measured) plus the pool; bound the pool as a whole with its container's pids limit
   * (compose pids_limit, kubelet podPidsLimit). Not applied to a pool running as root. 0: no limit.
   */
  MCP_ALL_SERVERS_MAX_PROCESSES: int(4096, 0),
  /** Virtual memory (address space, RLIMIT_AS) of each process of a stdio MCP server, in MiB; node reserves ~1 GiB of it at start; 0: no limit. */
  MCP_SERVER_MAX_ADDRESS_SPACE_MB: int(4096, 0),
  /** Open files per process of a stdio MCP server (RLIMIT_NOFILE); 0: no limit. */
  MCP_SERVER_MAX_OPEN_FILES: int(1024, 0),
  /** CPU seconds per process of a stdio MCP server over its whole life (RLIMIT_CPU; the pool restarts it when it is killed); 0: no limit. */
  MCP_SERVER_MAX_CPU_SECONDS: int(3600, 0),
  /** Tool results larger than this (bytes of text + base64) are cut with a marker. */
  TOOL_RESULT_MAX_BYTES: int(200_000, 1024),
  /**
   * Longest MCP message (bytes) the pool reads from a server: one stdio line, one HTTP JSON body or
   * SSE event. Results are cut to TOOL_RESULT_MAX_BYTES only after they are parsed, so this bounds
   * the memory one server can make the pool hold; a server that sends more is stopped with an error.
   */
  MCP_MAX_MESSAGE_BYTES: int(8 * 1024 * 1024, 64 * 1024),
  /** Tools one MCP server may list; a server listing more fails with an error naming the limit. */
  MCP_MAX_TOOLS_PER_SERVER: int(256, 1, 10_000),
  /** Running MCP servers per user; the least recently used idle one is evicted when full. */
  POOL_MAX_SERVERS_PER_USER: int(10, 1),
  /** Running MCP servers per pool replica, all users together. */
  POOL_MAX_SERVERS: int(200, 1),
  /** Milliseconds each step of stopping a stdio server waits: stdin closed → SIGTERM to its process group → SIGKILL. */
  MCP_STOP_GRACE_MS: int(2000, 10, 60_000),
  /** First restart delay (ms) after a server failed twice in a row; doubles per failure up to MCP_RESTART_BACKOFF_MAX_MS. */
  MCP_RESTART_BACKOFF_MS: int(1000, 0),
  /** Longest restart delay (ms) after repeated failures. */
  MCP_RESTART_BACKOFF_MAX_MS: int(60_000, 0),
  /** Milliseconds the pool reuses a user's server config it read, for tool calls (catalog and ensure always read it fresh). */
  POOL_CONFIG_CACHE_MS: int(2000, 0),
  /** This pool replica's id (default: hostname-pid). */
  POOL_REPLICA_ID: optionalString,
  /** Base URL other pool replicas reach this one at (default: http://127.0.0.1:<MCP_POOL_PORT>). */
  POOL_ADVERTISE_URL: optionalString,
  /** Milliseconds between a pool replica's heartbeats; its heartbeat and its users' ownership expire after 3×. */
  POOL_HEARTBEAT_MS: int(5000, 50, 600_000),
  /** Folder holding each user's workspace (`${USER_WORKSPACE}` in conf servers). */
  USER_WORKSPACES_DIR: z.string().default('data/workspaces'),
};
