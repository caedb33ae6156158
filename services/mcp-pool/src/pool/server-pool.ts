import { performance } from 'node:perf_hooks';
import type { ApprovalPolicy, CallToolRequest, CatalogResponse, CatalogTool, PoolServerStatus, RequestServer, ToolResult } from '@bedrock-mcp/contracts';
import type { Logger } from '@bedrock-mcp/common';
import { SealedSecretError, SecretKeyMismatchError, type RequestServerSecrets } from '@bedrock-mcp/config-store';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { resolveRequestServer } from '../config/request-server.js';
import type { ResolvedServer, ServerResolver, ServerSummary } from '../config/server-resolver.js';
import type { ServerConnector } from '../transport/server-connector.js';
import { planCapacity, type CapacityLimits } from './capacity.js';
import { IdleEvictor } from './idle-evictor.js';
import type { ElicitationHandler } from './elicitation-handler.js';
import { ManagedServer, type ManagedServerHooks, type RestartBackoff } from './managed-server.js';
import { PoolFailure, toPoolFailure } from '../errors/pool-failure.js';
import { SHARED_OWNER_LABEL, type PoolMetrics } from './pool-metrics.js';
import { mapToolResult } from './result-mapper.js';
import { assignToolNames } from './tool-names.js';

/** Owner id of shared conf servers; no user id can take this value (user ids are validated). */
const SHARED_OWNER = '\u0000shared';

export type EvictionReason = 'idle' | 'capacity' | 'config_changed' | 'stopped' | 'ownership_lost' | 'turn_ended';

export interface ServerPoolOptions {
  resolver: Pick<ServerResolver, 'resolve' | 'list' | 'isShared'>;
  connector: ServerConnector;
  limits: CapacityLimits;
  /** Milliseconds a server may sit unused before it is stopped. */
  idleMs: number;
  /** Milliseconds for spawn + initialize + first tools/list. */
  startTimeoutMs: number;
  /** Default milliseconds per tool call (without progress), when the request gives none. */
  callTimeoutMs: number;
  /** Tool results over this many bytes are cut with a marker. */
  resultMaxBytes: number;
  /** Tools one server may list; one listing more fails to start (or to list again). */
  maxToolsPerServer: number;
  backoff: RestartBackoff;
  metrics: PoolMetrics;
  logger: Logger;
  /** Refuses a request server's URL the address policy refuses (PoolFailure `forbidden`). */
  checkUrl: (url: string) => Promise<void>;
  /** Opens a request server's token and header values, sealed by the gateway for this user and turn. */
  requestSecrets: Pick<RequestServerSecrets, 'open'>;
  now?: () => number;
}

export interface PoolCallOptions {
  signal?: AbortSignal;
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void;
  /** The caller answers the server's elicitations during the call; without it they are declined. */
  onElicitation?: ElicitationHandler;
}

/**
 * Every server instance on this replica, keyed by (owner, server id): one user can never reach
 * another's instance. Owns their lifecycle policy: start on first use, idle eviction by timer,
 * per-user and global caps with LRU eviction of idle servers, replacement on config change.
 */
export class ServerPool {
  private readonly servers = new Map<string, ManagedServer>();
  private readonly byOwner = new Map<string, Set<ManagedServer>>();
  private readonly stopping = new Set<Promise<void>>();
  private readonly evictor: IdleEvictor<ManagedServer>;
  private readonly hooks: ManagedServerHooks;
  private readonly logger: Logger;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: ServerPoolOptions) {
    this.logger = options.logger;
    this.evictor = new IdleEvictor(options.idleMs, (server) => this.onIdle(server));
    this.hooks = {
      beforeStart: (server) => {
        if (this.closing) throw new PoolFailure('cancelled', 'the pool is shutting down');
        for (const victim of planCapacity(server, this.servers.values(), options.limits)) this.evict(victim, 'capacity');
      },
      onSpawn: (server) => {
        options.metrics.spawns.inc({ transport: server.resolved.config.transport });
        this.logger.info(this.fields(server), 'starting MCP server');
      },
      onStartFailed: (server, message) => {
        options.metrics.startFailures.inc({ transport: server.resolved.config.transport });
        this.logger.warn({ ...this.fields(server), reason: message }, 'MCP server failed to start');
      },
      onCrashed: (server, message) => {
        options.metrics.crashes.inc({ transport: server.resolved.config.transport });
        this.logger.warn({ ...this.fields(server), reason: message }, 'MCP server stopped unexpectedly');
        this.evictor.touch(server);
      },
      onReleased: (server) => {
        if (server.retired) {
          if (server.inFlight === 0) this.stopInstance(server, 'config_changed');
        } else if (this.servers.get(keyOf(server)) === server) {
          this.evictor.touch(server);
        }
      },
      onElicitationDeclined: (server, reason) => this.logger.info({ ...this.fields(server), reason }, 'declined an elicitation'),
    };
  }

  /** Starts the server if needed and returns its status (throws when it cannot start). */
  async ensure(userId: string, serverId: string): Promise<PoolServerStatus> {
    const { server, release } = await this.acquire(userId, serverId, true);
    try {
      await server.listTools();
      return server.status();
    } finally {
      release();
    }
  }

  /** Status of every server the user can use (not running ones as `stopped`). */
  async list(userId: string): Promise<PoolServerStatus[]> {
    const summaries = await this.options.resolver.list(userId);
    return summaries.map((summary) => this.servers.get(key(summary.shared ? SHARED_OWNER : userId, summary))?.status() ?? stoppedStatus(summary));
  }

  /** Stops the user's instance of a server. Shared conf servers cannot be stopped by a user. */
  async stop(userId: string, serverId: string): Promise<PoolServerStatus> {
    if (this.options.resolver.isShared(serverId)) throw new PoolFailure('forbidden', `server '${serverId}' is shared by all users and cannot be stopped by one`);
    const server = this.servers.get(key(userId, { serverId }));
    if (server) {
      const stopped = this.evict(server, 'stopped');
      await stopped;
      return server.status();
    }
    const summary = (await this.options.resolver.list(userId)).find((candidate) => candidate.serverId === serverId);
    if (!summary) throw new PoolFailure('server_not_found', `no MCP server '${serverId}' for this user`);
    return stoppedStatus(summary);
  }

  /**
   * Tools of the given servers and of the turn's request servers under Bedrock-safe unique names
   * (a request server's limited to its allowed tools); a broken server becomes an entry in `errors`.
   */
  async catalog(userId: string, serverIds: readonly string[], requestServers: readonly RequestServer[] = []): Promise<CatalogResponse> {
    const wanted = [...[...new Set(serverIds)].map((serverId) => ({ serverId, requestServer: undefined })), ...requestServers.map((requestServer) => ({ serverId: requestServer.serverId, requestServer }))];
    const listings = await Promise.all(
      wanted.map(async ({ serverId, requestServer }): Promise<{ serverId: string; tools: Tool[]; requireApproval: ApprovalPolicy | undefined } | { serverId: string; error: string }> => {
        try {
          const { server, release } = await this.acquire(userId, serverId, true, requestServer);
          try {
            const allowed = server.resolved.request?.allowedTools;
            const tools = (await server.listTools()).filter((tool) => allowed === undefined || allowed.has(tool.name));
            return { serverId, tools, requireApproval: server.resolved.config.requireApproval };
          } finally {
            release();
          }
        } catch (error) {
          return { serverId, error: toPoolFailure(error).message };
        }
      }),
    );
    const refs = listings.flatMap((listing) => ('tools' in listing ? listing.tools.map((tool) => ({ serverId: listing.serverId, toolName: tool.name })) : []));
    const { nameOf } = assignToolNames(refs);
    const tools: CatalogTool[] = listings.flatMap((listing) =>
      'tools' in listing
        ? listing.tools.map((tool) => ({
            name: nameOf({ serverId: listing.serverId, toolName: tool.name }),
            serverId: listing.serverId,
            toolName: tool.name,
            description: tool.description ?? tool.title ?? '',
            inputSchema: tool.inputSchema as Record<string, unknown>,
            ...(listing.requireApproval === undefined ? {} : { requireApproval: listing.requireApproval }),
          }))
        : [],
    );
    const errors = listings.flatMap((listing) => ('error' in listing ? [{ serverId: listing.serverId, message: listing.error }] : []));
    return { tools, errors };
  }

  /** Calls a tool; pool failures throw PoolFailure, the tool's own failures come back as isError results. */
  async callTool(userId: string, request: CallToolRequest, options: PoolCallOptions = {}): Promise<{ result: ToolResult; durationMs: number }> {
    const begin = performance.now();
    let outcome = 'ok';
    const { server, release } = await this.acquire(userId, request.serverId, false, request.requestServer);
    try {
      const allowed = server.resolved.request?.allowedTools;
      if (allowed && !allowed.has(request.toolName)) throw new PoolFailure('tool_not_found', `tool '${request.toolName}' of server '${request.serverId}' is not among the request's allowed_tools`);
      const raw = await server.callTool(request.toolName, request.arguments, {
        timeoutMs: request.timeoutMs ?? this.options.callTimeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.onElicitation ? { onElicitation: options.onElicitation } : {}),
      });
      const result = mapToolResult(raw, this.options.resultMaxBytes);
      if (result.isError) outcome = 'tool_error';
      return { result, durationMs: performance.now() - begin };
    } catch (error) {
      outcome = toPoolFailure(error).code;
      throw error;
    } finally {
      release();
      const seconds = (performance.now() - begin) / 1000;
      this.options.metrics.callDuration.observe({ outcome }, seconds);
      this.logger.debug({ userId, serverId: request.serverId, tool: request.toolName, toolUseId: request.toolUseId, outcome, ms: Math.round(seconds * 1000) }, 'tool call');
    }
  }

  /** Refuses (PoolFailure `forbidden`) the first URL the address policy refuses. */
  async checkRequestServerUrls(urls: readonly string[]): Promise<void> {
    for (const url of urls) await this.options.checkUrl(url);
  }

  /**
   * Stops the user's request servers of the turn (it ended or paused); they start again if a later
   * job of the turn needs them. One in use is left to the idle timer: a job resuming the turn got there first.
   */
  async closeTurnServers(userId: string, turnId: string): Promise<void> {
    const ofTurn = [...(this.byOwner.get(userId) ?? [])].filter((server) => server.resolved.request?.turnId === turnId && server.inFlight === 0);
    await Promise.all(ofTurn.map((server) => this.evict(server, 'turn_ended')));
  }

  /** Whether the user has servers running or uses in flight here (ownership must then be kept). */
  hasActivity(userId: string): boolean {
    for (const server of this.byOwner.get(userId) ?? []) if (server.running || server.inFlight > 0) return true;
    return false;
  }

  /** Stops every instance of the user (another replica took the user over). */
  async stopUser(userId: string, reason: EvictionReason = 'ownership_lost'): Promise<void> {
    await Promise.all([...(this.byOwner.get(userId) ?? [])].map((server) => this.evict(server, reason)));
  }

  /** Running servers per owner (SHARED_OWNER_LABEL for shared ones), for metrics. */
  runningByOwner(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const server of this.servers.values()) {
      if (!server.running) continue;
      const owner = server.ownerId === SHARED_OWNER ? SHARED_OWNER_LABEL : server.ownerId;
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    return counts;
  }

  /** pids of every running stdio server (diagnostics and tests). */
  pids(): number[] {
    return [...this.servers.values()].flatMap((server) => (server.state.kind === 'ready' && server.state.connection.pid !== undefined ? [server.state.connection.pid] : []));
  }

  /** Idempotent: refuses new starts, stops every server (process groups included) and waits for them. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.evictor.close();
      const all = [...this.servers.values()];
      await Promise.allSettled(all.map((server) => this.evict(server, 'stopped')));
      await Promise.allSettled([...this.stopping]);
    })();
    return this.closing;
  }

  private openSecrets(userId: string, server: RequestServer): RequestServer {
    try {
      return this.options.requestSecrets.open(userId, server);
    } catch (error) {
      if (error instanceof SecretKeyMismatchError) {
        this.logger.error({ userId, serverId: server.serverId, turnId: server.turnId }, 'a request server\'s secrets were sealed with another SECRETS_KEY: the gateway and the mcp-pool must share one');
        throw new PoolFailure('internal', 'the request server\'s secrets were sealed with another SECRETS_KEY than the mcp-pool\'s');
      }
      if (error instanceof SealedSecretError) {
        throw new PoolFailure('forbidden', `request server ${server.serverId}: its secrets were not sealed for this user and turn`, { cause: error });
      }
      throw error;
    }
  }

  private async acquire(userId: string, serverId: string, fresh: boolean, requestServer?: RequestServer): Promise<{ server: ManagedServer; release: () => void }> {
    if (this.closing) throw new PoolFailure('cancelled', 'the pool is shutting down');
    const resolved = requestServer ? resolveRequestServer(this.openSecrets(userId, requestServer)) : await this.options.resolver.resolve(userId, serverId, { fresh });
    if (this.closing) throw new PoolFailure('cancelled', 'the pool is shutting down');
    // From here to lease() nothing awaits, so an idle eviction cannot slip in between.
    const owner = resolved.shared ? SHARED_OWNER : userId;
    const serverKey = key(owner, resolved);
    let server = this.servers.get(serverKey);
    if (server && resolved.version > server.resolved.version) {
      this.logger.info(this.fields(server), 'MCP server config changed; replacing the running instance');
      this.retire(server);
      server = undefined;
    }
    if (!server) {
      server = new ManagedServer({
        ownerId: owner,
        resolved,
        connector: this.options.connector,
        startTimeoutMs: this.options.startTimeoutMs,
        maxTools: this.options.maxToolsPerServer,
        backoff: this.options.backoff,
        hooks: this.hooks,
        ...(this.options.now ? { now: this.options.now } : {}),
      });
      this.servers.set(serverKey, server);
      let owned = this.byOwner.get(owner);
      if (!owned) this.byOwner.set(owner, (owned = new Set()));
      owned.add(server);
    }
    return { server, release: server.lease() };
  }

  private onIdle(server: ManagedServer): void {
    if (this.servers.get(keyOf(server)) !== server) return;
    if (server.inFlight > 0) {
      this.evictor.touch(server);
      return;
    }
    void this.evict(server, 'idle');
  }

  /** Takes the instance out of the maps and stops it; its state is `stopped` before this returns. */
  private evict(server: ManagedServer, reason: EvictionReason): Promise<void> {
    this.forget(server);
    return this.stopInstance(server, reason);
  }

  /** A newer config replaces the instance; it stops once its last use ends. */
  private retire(server: ManagedServer): void {
    this.forget(server);
    server.retired = true;
    if (server.inFlight === 0) void this.stopInstance(server, 'config_changed');
  }

  private forget(server: ManagedServer): void {
    const serverKey = keyOf(server);
    if (this.servers.get(serverKey) === server) this.servers.delete(serverKey);
    const owned = this.byOwner.get(server.ownerId);
    owned?.delete(server);
    if (owned?.size === 0) this.byOwner.delete(server.ownerId);
    this.evictor.cancel(server);
  }

  private stopInstance(server: ManagedServer, reason: EvictionReason): Promise<void> {
    if (server.running) {
      this.options.metrics.evictions.inc({ reason });
      this.logger.info({ ...this.fields(server), reason }, 'stopping MCP server');
    }
    const stopping = server.stop().catch((error: unknown) => this.logger.error({ ...this.fields(server), err: error }, 'stopping MCP server failed'));
    this.stopping.add(stopping);
    void stopping.finally(() => this.stopping.delete(stopping));
    return stopping;
  }

  private fields(server: ManagedServer): Record<string, unknown> {
    const turnId = server.resolved.request?.turnId;
    return { userId: server.ownerId === SHARED_OWNER ? SHARED_OWNER_LABEL : server.ownerId, serverId: server.serverId, transport: server.resolved.config.transport, ...(turnId ? { turnId } : {}) };
  }
}

/** A request server's instance is its turn's alone: never the registered server of the same id, nor another turn's. */
function key(owner: string, server: Pick<ResolvedServer, 'serverId' | 'request'>): string {
  return server.request ? `${owner}\u0000${server.serverId}\u0000${server.request.turnId}` : `${owner}\u0000${server.serverId}`;
}

function keyOf(server: ManagedServer): string {
  return key(server.ownerId, server.resolved);
}

function stoppedStatus(summary: ServerSummary): PoolServerStatus {
  return { serverId: summary.serverId, scope: summary.scope, transport: summary.transport, state: 'stopped' };
}
