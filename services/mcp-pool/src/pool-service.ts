import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import {
  AddressPolicy,
  createMetricsRegistry,
  createOpsHandler,
  createRedisKeys,
  InternalCredential,
  requireInternalApiKey,
  type Logger,
  type Redis,
  type Registry,
  type McpPoolSettings,
  type RuntimeConfig,
  type ShutdownStep,
} from '@bedrock-mcp/common';
import { RequestServerSecrets, resolveSecretCipher, type UserServerStore } from '@bedrock-mcp/config-store';
import { POOL_ROUTES, POOL_USER_SCOPE } from '@bedrock-mcp/contracts';
import { ServerResolver } from './config/server-resolver.js';
import { PendingElicitations } from './calls/pending-elicitations.js';
import { ToolCallDispatcher } from './calls/tool-call-dispatcher.js';
import { withCallFastPath } from './http/call-fast-path.js';
import { CallSocketServer } from './http/call-socket.js';
import { createPoolApp } from './http/create-app.js';
import { InternalAuthGate } from './http/internal-auth-gate.js';
import { RequestForwarder } from './http/request-forwarder.js';
import { createUserRouting } from './http/user-routing.js';
import { PoolMetrics } from './pool/pool-metrics.js';
import { ServerPool } from './pool/server-pool.js';
import { ReplicaHeartbeat, ownershipTtlMs } from './replicas/replica-heartbeat.js';
import { UserOwnership } from './replicas/user-ownership.js';
import { createSandbox } from './sandbox/create-sandbox.js';
import { setUpServerCgroups } from './sandbox/server-cgroups.js';
import { assertUrlAllowed, createGuardedFetch } from './security/guarded-fetch.js';
import { createServerConnector } from './transport/server-connector.js';

/** The call route's path below POOL_USER_SCOPE (`/call`), as the user router sees it. */
const CALL_ROUTE_SUFFIX = POOL_ROUTES.call.path.slice(POOL_USER_SCOPE.length);

export interface PoolServiceDependencies {
  config: RuntimeConfig<McpPoolSettings>;
  redis: Redis;
  store: UserServerStore;
  logger: Logger;
  /** The environment stdio servers inherit their allowlisted variables from; default process.env. */
  parentEnv?: NodeJS.ProcessEnv;
  /** Port to listen on; default MCP_POOL_PORT (0: any free port). */
  port?: number;
  /** false: no per-server cgroups even where they could be made (tests of the RLIMIT_NPROC ceiling); default true. */
  serverCgroups?: boolean;
}

export interface PoolService {
  readonly pool: ServerPool;
  readonly server: Server;
  readonly registry: Registry;
  readonly replicaId: string;
  /** The URL this replica advertises to the others. */
  readonly url: string;
  /** In the order they must run on shutdown (stop accepting → servers → HTTP → ownership). */
  readonly steps: ShutdownStep[];
  /** Runs the steps (idempotent). */
  close(): Promise<void>;
}

/** Builds the pool from its dependencies, listens, and starts heartbeating. */
export async function startPoolService(deps: PoolServiceDependencies): Promise<PoolService> {
  const { config, redis, store, logger } = deps;
  const settings = config.settings;
  const credential = new InternalCredential(requireInternalApiKey(settings));
  const keys = createRedisKeys(settings.REDIS_PREFIX);
  const registry = createMetricsRegistry('mcp-pool');
  const replicaId = settings.POOL_REPLICA_ID ?? `${hostname()}-${process.pid}`;

  if (settings.MCP_USER_STDIO === 'any') {
    logger.warn('MCP_USER_STDIO=any: every user may run any command on this host as the pool user; use "catalog" unless all users are trusted');
  }
  const addressPolicy = new AddressPolicy(settings.MCP_ALLOWED_URL_RANGES);
  const guarded = createGuardedFetch(addressPolicy, { connectTimeoutMs: settings.MCP_START_TIMEOUT_MS });
  const parentEnv = deps.parentEnv ?? process.env;
  const workspacesDir = config.resolvePath(settings.USER_WORKSPACES_DIR);
  const cgroupSetUp =
    deps.serverCgroups === false
      ? { unavailable: 'turned off' }
      : await setUpServerCgroups({ limits: { maxProcesses: settings.MCP_SERVER_MAX_PROCESSES, maxMemoryMb: settings.MCP_SERVER_MAX_MEMORY_MB } });
  const cgroups = 'unavailable' in cgroupSetUp ? undefined : cgroupSetUp;
  if (!cgroups) {
    logger.warn(
      { reason: 'unavailable' in cgroupSetUp ? cgroupSetUp.unavailable : undefined },
      'no cgroups for MCP servers: MCP_SERVER_MAX_MEMORY_MB is not enforced, and MCP_SERVER_MAX_PROCESSES only inside the bubblewrap sandbox on Linux 5.14 or later; bound the pool with its container pids limit',
    );
  }
  let sandbox;
  try {
    sandbox = await createSandbox({
      mode: settings.MCP_SANDBOX,
      production: settings.NODE_ENV === 'production',
      limits: {
        // With cgroups each server has its own process limit; RLIMIT_NPROC would add nothing but a shared ceiling.
        allServersMaxProcesses: cgroups ? 0 : settings.MCP_ALL_SERVERS_MAX_PROCESSES,
        serverMaxProcesses: cgroups ? 0 : settings.MCP_SERVER_MAX_PROCESSES,
        maxAddressSpaceMb: settings.MCP_SERVER_MAX_ADDRESS_SPACE_MB,
        maxOpenFiles: settings.MCP_SERVER_MAX_OPEN_FILES,
        maxCpuSeconds: settings.MCP_SERVER_MAX_CPU_SECONDS,
      },
      projectRoot: config.projectRoot,
      // conf/ holds credential files; data/ every user's databases and workspaces.
      protectedPaths: [workspacesDir, config.resolvePath('data'), config.resolvePath('conf'), dirname(config.resolvePath(settings.CONFIG_PATH))],
      parentEnv,
      logger,
    });
  } catch (error) {
    await cgroups?.close();
    throw error;
  }
  const serverLimits = describeServerLimits(settings, cgroups?.description, sandbox.serverMaxProcesses);
  const resolver = new ServerResolver({
    globalServers: config.app.mcpServers,
    catalog: config.app.userServerCatalog,
    store,
    userStdio: settings.MCP_USER_STDIO,
    userStdioNetwork: settings.MCP_SANDBOX_USER_NETWORK,
    projectRoot: config.projectRoot,
    workspacesDir,
    configCacheMs: settings.POOL_CONFIG_CACHE_MS,
  });
  const connector = createServerConnector({
    projectRoot: config.projectRoot,
    parentEnv,
    stopGraceMs: settings.MCP_STOP_GRACE_MS,
    maxMessageBytes: settings.MCP_MAX_MESSAGE_BYTES,
    sandbox,
    ...(cgroups ? { cgroups } : {}),
    addressPolicy,
    guardedFetch: guarded.fetch,
  });
  const runningByOwner = () => pool.runningByOwner();
  const pool: ServerPool = new ServerPool({
    resolver,
    connector,
    limits: { perUser: settings.POOL_MAX_SERVERS_PER_USER, global: settings.POOL_MAX_SERVERS },
    idleMs: settings.MCP_IDLE_MINUTES * 60_000,
    startTimeoutMs: settings.MCP_START_TIMEOUT_MS,
    callTimeoutMs: settings.TOOL_CALL_TIMEOUT_MS,
    resultMaxBytes: settings.TOOL_RESULT_MAX_BYTES,
    maxToolsPerServer: settings.MCP_MAX_TOOLS_PER_SERVER,
    backoff: { baseMs: settings.MCP_RESTART_BACKOFF_MS, maxMs: settings.MCP_RESTART_BACKOFF_MAX_MS },
    metrics: new PoolMetrics(registry, runningByOwner),
    logger,
    checkUrl: (url) => assertUrlAllowed(url, addressPolicy),
    requestSecrets: new RequestServerSecrets(resolveSecretCipher(settings).cipher),
  });

  const ownership = new UserOwnership({ redis, keys, replicaId, ttlMs: ownershipTtlMs(settings.POOL_HEARTBEAT_MS), logger });
  const forwarder = new RequestForwarder(replicaId, credential.authorization);
  let draining = false;
  const ops = createOpsHandler({ registry, metricsCredential: credential, readiness: { redis: () => redis.ping(), store: () => store.ping() }, isDraining: () => draining });
  const dispatcher = new ToolCallDispatcher({ pool, ownership, elicitations: new PendingElicitations() });
  const app = createPoolApp({
    pool,
    dispatcher,
    ops,
    userRouting: createUserRouting({
      ownership,
      forwarder,
      // A call may stay silent for its timeout after a start, and for an elicitation's wait; other requests for a start.
      forwardTimeoutMs: (req) => settings.MCP_START_TIMEOUT_MS + 10_000 + (req.path.endsWith(CALL_ROUTE_SUFFIX) ? callSilenceMs(req.body, settings.TOOL_CALL_TIMEOUT_MS) : 0),
      logger,
    }),
    maxBodyBytes: settings.MAX_BODY_BYTES,
    logger,
  });

  // Longer than clients keep idle connections, so a reused connection is rarely closed under a request.
  const gate = new InternalAuthGate({ credential, logger });
  const server = createServer({ keepAliveTimeout: 65_000 }, gate.requests(withCallFastPath(app, { dispatcher, maxBodyBytes: settings.MAX_BODY_BYTES, logger })));
  const callSocket = new CallSocketServer({ dispatcher, maxPayloadBytes: settings.MAX_BODY_BYTES, logger });
  server.on(
    'upgrade',
    gate.upgrades((req, socket, head) => callSocket.handleUpgrade(req, socket, head)),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port ?? settings.MCP_POOL_PORT, settings.MCP_POOL_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = settings.POOL_ADVERTISE_URL ?? `http://127.0.0.1:${port}`;
  const heartbeat = new ReplicaHeartbeat({
    redis,
    keys,
    replicaId,
    advertiseUrl: url,
    intervalMs: settings.POOL_HEARTBEAT_MS,
    ownership,
    isActive: (userId) => pool.hasActivity(userId),
    onLost: (userIds) => {
      for (const userId of userIds) void pool.stopUser(userId);
    },
    logger,
  });
  await heartbeat.start();
  logger.info({ port, replicaId, url, userStdio: settings.MCP_USER_STDIO, sandbox: sandbox.kind, serverLimits }, 'mcp-pool listening');

  let serverClosed: Promise<void> = Promise.resolve();
  const steps: ShutdownStep[] = [
    {
      name: 'http: stop accepting',
      close: () => {
        draining = true;
        callSocket.stopAccepting();
        serverClosed = new Promise((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
      },
    },
    { name: 'mcp servers', close: () => pool.close() },
    { name: 'server cgroups', close: () => cgroups?.close() },
    {
      name: 'http: close connections',
      close: async () => {
        await closeConnections(server, serverClosed);
        callSocket.close();
      },
    },
    { name: 'replica heartbeat and ownership', close: () => heartbeat.close() },
    { name: 'forwarder', close: () => forwarder.close() },
    { name: 'guarded fetch', close: () => guarded.close() },
  ];
  let closing: Promise<void> | undefined;
  return {
    pool,
    server,
    registry,
    replicaId,
    url,
    steps,
    close: () => {
      closing ??= (async () => {
        for (const step of steps) {
          try {
            await step.close();
          } catch (error) {
            logger.error({ err: error, step: step.name }, 'close step failed');
          }
        }
      })();
      return closing;
    },
  };
}

/** How long a call's answer may stay silent: its timeout, plus one elicitation's wait when it answers them. */
function callSilenceMs(body: unknown, defaultTimeoutMs: number): number {
  const { timeoutMs, elicitationTimeoutMs } = (body ?? {}) as { timeoutMs?: unknown; elicitationTimeoutMs?: unknown };
  return (typeof timeoutMs === 'number' ? timeoutMs : defaultTimeoutMs) + (typeof elicitationTimeoutMs === 'number' ? elicitationTimeoutMs : 0);
}

/** What limits each server's processes and memory, for the start-up log line. */
function describeServerLimits(settings: McpPoolSettings, cgroups: string | undefined, sandboxProcesses: number): string {
  if (cgroups) return `per server: ${cgroups}`;
  const root = process.getuid?.() === 0 ? ' (not enforced: the pool runs as root)' : '';
  const ceiling = `RLIMIT_NPROC ${settings.MCP_ALL_SERVERS_MAX_PROCESSES} for all servers together${root}`;
  if (sandboxProcesses > 0) return `per server: RLIMIT_NPROC ${sandboxProcesses} in its user namespace, no memory limit; ${ceiling}`;
  return `no per-server process or memory limit; ${ceiling}`;
}

/** Gives in-flight responses (already failed by the pool's close) a moment (500 ms) to finish, then drops what is left. */
async function closeConnections(server: Server, closed: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    closed,
    new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        server.closeAllConnections();
        resolve();
      }, 500);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
